"""Klines: deterministic per seed, plausible, GMO's date rules, and joined to the live market."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gmo_tui.sim.clock import FROZEN_START
from gmo_tui.sim.market import BUILD_SPAN_S
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES
from tests.sim.test_server_support import Gmo, code_of


async def klines(gmo: Gmo, symbol: str, interval: str, date: str) -> list[dict]:
    reply = await gmo.public("/v1/klines", symbol=symbol, interval=interval, date=date)
    assert reply["status"] == 0, reply
    return reply["data"]


def check_candles(candles: list[dict], symbol: str, step_ms: int | None) -> None:
    tick = SYMBOL_RULES[symbol].tick_size
    opens = [int(c["openTime"]) for c in candles]
    assert opens == sorted(opens) and len(set(opens)) == len(opens)
    if step_ms is not None:
        assert {b - a for a, b in zip(opens, opens[1:], strict=False)} <= {step_ms}
    for c in candles:
        assert set(c) == {"openTime", "open", "high", "low", "close", "volume"}
        assert all(isinstance(v, str) for v in c.values())
        o, h, low, close, v = (Decimal(c[k]) for k in ("open", "high", "low", "close", "volume"))
        assert low <= min(o, close) <= max(o, close) <= h and low > 0 and v >= 0
        assert all(x % tick == 0 for x in (o, h, low, close))
    for a, b in zip(candles, candles[1:], strict=False):
        # one continuous path: a candle opens where the previous one closed (within 2 %)
        assert abs(Decimal(b["open"]) / Decimal(a["close"]) - 1) < Decimal("0.02")


async def test_same_seed_same_klines_other_seed_other_klines(make_sim) -> None:
    one = await make_sim(frozen=True)
    two = await make_sim(frozen=True)
    other = await make_sim(frozen=True, seed=7)
    async with Gmo(one) as a, Gmo(two) as b, Gmo(other) as c:
        for interval, date in (("15min", "20250301"), ("1day", "2024"), ("1month", "2023")):
            first = await klines(a, "BTC", interval, date)
            assert first == await klines(b, "BTC", interval, date)
            assert first != await klines(c, "BTC", interval, date)


async def test_candles_are_plausible_and_follow_gmo_dates(make_sim) -> None:
    sim = await make_sim(frozen=True)
    async with Gmo(sim) as gmo:
        day = await klines(gmo, "ETH", "1min", "20250301")
        assert len(day) == 1440
        # the trading day starts at 06:00 JST (21:00 UTC the day before)
        assert datetime.fromtimestamp(int(day[0]["openTime"]) / 1000, UTC) == datetime(
            2025, 2, 28, 21, tzinfo=UTC
        )
        check_candles(day, "ETH", 60_000)
        hours = await klines(gmo, "XRP", "1hour", "20240610")
        assert len(hours) == 24
        check_candles(hours, "XRP", 3_600_000)
        year = await klines(gmo, "BTC", "1day", "2024")
        assert len(year) == 366
        check_candles(year, "BTC", 86_400_000)
        months = await klines(gmo, "BTC_JPY", "1month", "2025")
        assert len(months) == 12
        check_candles(months, "BTC_JPY", None)
        weeks = await klines(gmo, "SOL", "1week", "2024")
        assert 52 <= len(weeks) <= 53
        check_candles(weeks, "SOL", 7 * 86_400_000)
        # a daily high covers its hours' highs (one path underneath), within rounding
        day_candle = next(
            c
            for c in await klines(gmo, "XRP", "1day", "2024")
            if c["openTime"] == hours[0]["openTime"]
        )
        assert Decimal(day_candle["high"]) >= max(Decimal(h["high"]) for h in hours) * Decimal(
            "0.99"
        )


async def test_release_dates_and_future(make_sim) -> None:
    sim = await make_sim(frozen=True)
    async with Gmo(sim) as gmo:
        # DOT_JPY was released 2024-04-13: 2024 has candles from then on only
        weeks = await klines(gmo, "DOT_JPY", "1day", "2024")
        first = datetime.fromtimestamp(int(weeks[0]["openTime"]) / 1000, UTC)
        assert first >= datetime(2024, 4, 12, 21, tzinfo=UTC) and len(weeks) < 366
        assert await klines(gmo, "BTC", "1min", "20270101") == []


async def test_invalid_symbol_interval_or_date_is_5207(sim) -> None:
    async with Gmo(sim) as gmo:
        for params in (
            {"symbol": "NOPE", "interval": "1min", "date": "20250101"},
            {"symbol": "BTC", "interval": "2min", "date": "20250101"},
            {"symbol": "BTC", "interval": "1min", "date": "2025"},
            {"symbol": "BTC", "interval": "1day", "date": "20250101"},
            {"symbol": "BTC", "interval": "1min", "date": "20210414"},
            {"symbol": "BTC", "interval": "1min", "date": "20250230"},
            {"symbol": "SOL", "interval": "1day", "date": "2022"},
            {"symbol": "BTC", "interval": "1hour", "date": "2025-01-01"},
        ):
            assert code_of(await gmo.public("/v1/klines", **params)) == "ERR-5207", params
        assert (await gmo.public("/v1/klines", symbol="BTC", interval="1min", date="20210415"))[
            "status"
        ] == 0
        assert (await gmo.public("/v1/klines", symbol="SOL", interval="1day", date="2023"))[
            "status"
        ] == 0
        assert code_of(await gmo.public("/v1/klines", symbol="BTC", interval="1min")) == "ERR-5106"


async def test_history_meets_the_live_market(make_sim) -> None:
    sim = await make_sim(frozen=True)
    start_ms = int(FROZEN_START.timestamp() * 1000) - BUILD_SPAN_S * 1000
    async with Gmo(sim) as gmo:
        today = await klines(gmo, "BTC", "1min", "20260105")
        # the frozen clock stands at 2026-01-05T00:00Z: candles from 21:00Z up to now
        assert int(today[-1]["openTime"]) == int(FROZEN_START.timestamp() * 1000)
        assert len(today) == 3 * 60 + 1
        check_candles(today, "BTC", 60_000)
        before = [c for c in today if int(c["openTime"]) < start_ms]
        reference = REFERENCE_PRICES["BTC"]
        assert abs(Decimal(before[-1]["close"]) / reference - 1) < Decimal("0.01")
        # the candles after the start are the sim's own trades
        live = [c for c in today if int(c["openTime"]) >= start_ms]
        assert sum(Decimal(c["volume"]) for c in live) > 0
        trades = (await gmo.public("/v1/trades", symbol="BTC", count=100))["data"]["list"]
        assert today[-1]["close"] == trades[0]["price"]
        # a new print moves the current candle
        reply = await gmo.post(
            "/v1/order", {"symbol": "BTC", "side": "BUY", "executionType": "MARKET", "size": "0.01"}
        )
        assert reply["status"] == 0, reply
        newest = (await gmo.public("/v1/trades", symbol="BTC", count=1))["data"]["list"][0]
        after = await klines(gmo, "BTC", "1min", "20260105")
        assert after[-1]["close"] == newest["price"]
        assert Decimal(after[-1]["volume"]) > Decimal(today[-1]["volume"])


async def test_klines_roll_with_the_clock(make_sim) -> None:
    sim = await make_sim(frozen=True)
    async with Gmo(sim) as gmo:
        before = await klines(gmo, "ETH", "1min", "20260105")
        await sim.control("clock", {"advance": 600})
        after = await klines(gmo, "ETH", "1min", "20260105")
        assert len(after) == len(before) + 10
        assert after[: len(before) - 1] == before[:-1]

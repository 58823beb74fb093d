"""Paper orders during a replay: filled by recorded prints (at or through, after the queue
ahead), MARKET orders walk the recorded book, fees as live; public REST from the replay."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import OrderStatus, Side
from gmo_tui.exchange.errors import InsufficientFundsError
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.record.format import Header, Kind
from gmo_tui.record.replay_source import replay_market
from gmo_tui.record.writer import RecordingWriter
from gmo_tui.sim.ws import encode

D = Decimal
T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
BID, ASK = D("15000000"), D("15001000")


def _book(bids: list[tuple[str, str]], asks: list[tuple[str, str]], at: int) -> bytes:
    return encode(
        models.OrderBookEvent(
            symbol="BTC",
            bids=tuple(models.BookLevel(price=D(p), size=D(s)) for p, s in bids),
            asks=tuple(models.BookLevel(price=D(p), size=D(s)) for p, s in asks),
            timestamp=T0 + timedelta(seconds=at),
        )
    )


def _trade(price: str, size: str, side: Side, at: int) -> bytes:
    return encode(
        models.TradeEvent(
            price=D(price),
            side=side,
            size=D(size),
            timestamp=T0 + timedelta(seconds=at),
            symbol="BTC",
        )
    )


def _ticker(at: int) -> bytes:
    return encode(
        models.TickerEvent(
            symbol="BTC",
            ask=ASK,
            bid=BID,
            high=ASK,
            low=BID,
            last=BID,
            volume=D("12.5"),
            timestamp=T0 + timedelta(seconds=at),
        )
    )


BOOK = _book([("15000000", "0.5"), ("14999000", "1")], [("15001000", "0.3"), ("15002000", "2")], 1)
FRAMES = [
    _ticker(0),
    BOOK,  # 2 frames: the paper bid joins behind 0.5 BTC at 15,000,000
    _trade("15001000", "0.2", Side.BUY, 2),  # 3: a print above the bid: nothing
    _trade("15000000", "0.3", Side.SELL, 3),  # 4: at the bid, 0.2 still ahead: nothing
    _book(
        [("15000000", "0.15"), ("14999000", "1")], [("15001000", "0.3"), ("15002000", "2")], 4
    ),  # 5: queue shrinks to 0.15
    _trade("15000000", "0.2", Side.SELL, 5),  # 6: 0.15 ahead, 0.05 fills
    _trade("14999000", "0.01", Side.SELL, 6),  # 7: through the bid: the rest fills
]


def _write(path: Path) -> None:
    writer = RecordingWriter(path, Header(start="", endpoint="test", symbols=("BTC",)))
    for i, frame in enumerate(FRAMES):
        writer.write(Kind.PUBLIC, frame, time_ns=int((T0.timestamp() + i) * 1e9))
    writer.close()


async def _step_to(client: httpx.AsyncClient, frames: int) -> None:
    status = (await client.get("/_sim/replay")).json()
    reply = await client.post(
        "/_sim/replay", json={"action": "step", "count": frames - status["framesSent"]}
    )
    assert reply.status_code == 200
    for _ in range(200):
        if (await client.get("/_sim/replay")).json()["framesSent"] >= frames:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the replay did not reach frame {frames}")


async def _order(rest: GmoRestClient, order_id: int) -> models.Order:
    (order,) = await rest.get_orders([order_id])
    return order


async def test_a_resting_bid_fills_exactly_when_recorded_prints_trade_through_it(
    make_sim, tmp_path: Path
) -> None:
    path = tmp_path / "book.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False))
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as control,
        GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret)) as rest,
    ):
        await _step_to(control, 2)
        # public REST answers from the replay
        (ticker,) = await rest.get_ticker("BTC")
        assert ticker.volume == D("12.5") and ticker.bid == BID
        book = await rest.get_orderbook("BTC")
        assert book.bids[0] == models.BookLevel(price=BID, size=D("0.5"))
        jpy_before = {a.symbol: a.amount for a in await rest.get_assets()}["JPY"]

        order_id = await rest.place_order("BTC", "BUY", "LIMIT", D("0.1"), price=BID)
        await _step_to(control, 4)
        order = await _order(rest, order_id)
        assert order.status is OrderStatus.ORDERED and order.executed_size == 0
        await _step_to(control, 6)
        order = await _order(rest, order_id)
        assert order.status is OrderStatus.ORDERED and order.executed_size == D("0.05")
        await _step_to(control, 7)
        order = await _order(rest, order_id)
        assert order.status is OrderStatus.EXECUTED and order.executed_size == D("0.1")

        executions = await rest.get_executions(order_id=order_id)
        assert sorted(e.size for e in executions) == [D("0.05"), D("0.05")]
        assert all(e.price == BID for e in executions)
        # maker fee as live: BTC's maker rate is -0.01 % (a rebate), truncated to whole yen
        assert all(e.fee == D("-75") for e in executions)
        assets = {a.symbol: a.amount for a in await rest.get_assets()}
        assert assets["JPY"] == jpy_before - BID * D("0.1") + 150
        trades = (await rest.get_trades("BTC")).list
        assert [t.price for t in trades] == [
            D("14999000"),
            D("15000000"),
            D("15000000"),
            D("15001000"),
        ]
        status = (await control.get("/_sim/replay")).json()
        assert status["paperFills"] == 2


async def test_a_market_order_walks_the_recorded_book(make_sim, tmp_path: Path) -> None:
    path = tmp_path / "walk.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False))
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as control,
        GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret)) as rest,
    ):
        await _step_to(control, 2)
        order_id = await rest.place_order("BTC", "BUY", "MARKET", D("0.5"))
        executions = await rest.get_executions(order_id=order_id)
        fills = sorted((e.price, e.size, e.fee) for e in executions)
        # 0.3 at the best ask, the other 0.2 at the next level; taker fee 0.05 %, truncated
        assert fills == [(D("15001000"), D("0.3"), D("2250")), (D("15002000"), D("0.2"), D("1500"))]
        # the taken liquidity stays taken: the next buy starts at what is left
        order_id = await rest.place_order("BTC", "BUY", "MARKET", D("0.1"))
        (execution,) = await rest.get_executions(order_id=order_id)
        assert (execution.price, execution.size) == (D("15002000"), D("0.1"))
        # more than the account can pay: the engine's own error, as live
        with pytest.raises(InsufficientFundsError, match="ERR-208"):
            await rest.place_order("BTC", "BUY", "MARKET", D("3"))


async def test_replay_controls(make_sim, tmp_path: Path) -> None:
    path = tmp_path / "ctl.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False))
    async with httpx.AsyncClient(base_url=sim.endpoint) as control:
        status = (await control.get("/_sim/replay")).json()
        assert status["state"] == "paused" and status["framesSent"] == 0
        for bad in (
            {"action": "jump"},
            {"speed": "0"},
            {"speed": "fast"},
            {"action": "step", "count": 0},
            [1],
        ):
            reply = await control.post("/_sim/replay", json=bad)
            assert reply.status_code == 400 and "error" in reply.json()
        reply = await control.post("/_sim/replay", json={"action": "play", "speed": "max"})
        assert reply.json()["speed"] == "max"
        for _ in range(200):
            status = (await control.get("/_sim/replay")).json()
            if status["state"] == "ended":
                break
            await asyncio.sleep(0.01)
        assert status["state"] == "ended" and status["framesSent"] == len(FRAMES)


async def test_replay_from_a_time_builds_the_state_and_sends_only_later_frames(
    make_sim, tmp_path: Path
) -> None:
    path = tmp_path / "from.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False, start_from="+3"))
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as control,
        GmoRestClient(sim.endpoint) as rest,
    ):
        # frames 0-2 (ticker, book, one print) built the state and were not sent
        assert (await rest.get_orderbook("BTC")).bids[0].size == D("0.5")
        assert [t.price for t in (await rest.get_trades("BTC")).list] == [D("15001000")]
        status = (await control.get("/_sim/replay")).json()
        assert status["framesSent"] == 0 and status["position"] == "2026-11-30T01:00:03.000Z"
        await _step_to(control, 4)
        assert (await rest.get_orderbook("BTC")).bids[0].size == D("0.15")


async def test_replay_klines_come_from_the_recorded_prints_only(make_sim, tmp_path: Path) -> None:
    path = tmp_path / "klines.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False))
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as control,
        GmoRestClient(sim.endpoint) as rest,
    ):
        assert await rest.get_klines("BTC", "1min", "20261130") == []  # nothing invented
        await _step_to(control, len(FRAMES))
        (candle,) = await rest.get_klines("BTC", "1min", "20261130")
    assert int(candle.open_time) == int(T0.timestamp() * 1000)
    assert (candle.open, candle.high, candle.low, candle.close) == (
        D("15001000"),
        D("15001000"),
        D("14999000"),
        D("14999000"),
    )
    assert candle.volume == D("0.71")


def test_the_recordings_rules_are_compared_with_the_exchanges(tmp_path: Path) -> None:
    from gmo_tui.exchange.codec import to_wire
    from gmo_tui.record.replay_source import rule_differences
    from gmo_tui.sim.symbols import SYMBOL_RULES

    same = to_wire(SYMBOL_RULES["BTC"])
    other = {**to_wire(SYMBOL_RULES["ETH"]), "tickSize": "5"}
    path = tmp_path / "rules.gmorec"
    RecordingWriter(
        path, Header(start="", endpoint="e", symbols=("BTC", "ETH"), symbol_rules=(same, other))
    ).close()
    (note,) = rule_differences(path)
    assert note.startswith("ETH: the recording's rules") and "'tickSize': '5'" in note


async def test_a_stop_triggers_on_a_recorded_print(make_sim, tmp_path: Path) -> None:
    path = tmp_path / "stop.gmorec"
    frames = [
        _ticker(0),
        BOOK,
        _trade("15001000", "0.1", Side.BUY, 2),
        _trade("15002000", "0.1", Side.BUY, 3),
    ]
    writer = RecordingWriter(path, Header(start="", endpoint="test", symbols=("BTC",)))
    for i, frame in enumerate(frames):
        writer.write(Kind.PUBLIC, frame, time_ns=int((T0.timestamp() + i) * 1e9))
    writer.close()
    sim = await make_sim(market=replay_market(path, autostart=False))
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as control,
        GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret)) as rest,
    ):
        await _step_to(control, 2)
        order_id = await rest.place_order("BTC", "BUY", "STOP", D("0.1"), price=D("15002000"))
        await _step_to(control, 3)  # a print below the stop: it waits
        assert (await _order(rest, order_id)).status is OrderStatus.WAITING
        await _step_to(control, 4)  # a print at the stop: it triggers and takes the recorded ask
        order = await _order(rest, order_id)
        assert order.status is OrderStatus.EXECUTED
        (execution,) = await rest.get_executions(order_id=order_id)
        assert (execution.price, execution.size) == (D("15001000"), D("0.1"))

"""The market models fed with the built-in exchange's real replies over loopback HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx

from gmo_tui.exchange.codec import decode, decode_raw
from gmo_tui.exchange.enums import KlineInterval, Side
from gmo_tui.exchange.models import Envelope, Kline, OrderBook, SymbolRule, TradesPage
from gmo_tui.market.book import Book
from gmo_tui.market.candles import CandleSeries, bucket_start
from gmo_tui.market.rules import validate_price, validate_size
from gmo_tui.market.tape import Tape

T = TypeVar("T")


async def _get(client: httpx.AsyncClient, path: str, type_: type[T], **params: Any) -> T:
    reply = await client.get(f"/public/v1/{path}", params=params)
    env = decode(reply.content, Envelope)
    assert env.status == 0, env.messages
    return decode_raw(env.data, type_)


async def test_models_accept_the_exchange_replies(sim: Any) -> None:
    async with httpx.AsyncClient(base_url=sim.endpoint, timeout=10) as client:
        rules = {r.symbol: r for r in await _get(client, "symbols", list[SymbolRule])}
        rule = rules["BTC_JPY"]
        snapshot = await _get(client, "orderbooks", OrderBook, symbol="BTC_JPY")
        book = Book("BTC_JPY")
        assert book.apply(snapshot, time.time()), book.issue
        ref = book.reference()
        assert ref is not None and ref.bid < ref.ask
        # Touch prices from the exchange are valid ticket prices for its own rule.
        assert validate_price(rule, f"{ref.bid:f}") == (ref.bid, None)
        assert validate_size(rule, f"{rule.min_order_size:f}")[0] == rule.min_order_size

        page = await _get(client, "trades", TradesPage, symbol="BTC_JPY", count=50)
        tape = Tape("BTC_JPY")
        tape.load(page.list)
        assert len(tape) == len(page.list)
        shown = tape.newest_first()
        assert all(a.timestamp >= b.timestamp for a, b in zip(shown, shown[1:], strict=False))
        assert all(p.side in (Side.BUY, Side.SELL) for p in shown)

        today = datetime.now(UTC)
        checked = []
        for interval in KlineInterval:
            day = today.strftime("%Y%m%d" if interval.date_format == "YYYYMMDD" else "%Y")
            klines = await _get(
                client, "klines", list[Kline], symbol="BTC_JPY", interval=interval.value, date=day
            )
            if not klines:
                continue
            checked.append(interval)
            # Our default bucketing agrees with the exchange's candle boundaries.
            for k in klines:
                assert bucket_start(k.open_ms, interval) == k.open_ms, (interval, k.open_time)
            series = CandleSeries("BTC_JPY", interval)
            series.load(klines)
            last = klines[-1]
            series.add_print(last.close, Decimal(1), last.opened_at)
            assert series.last is not None and series.last.open_ms == last.open_ms
            assert series.last.volume == last.volume + 1
        assert {KlineInterval.MIN1, KlineInterval.HOUR4, KlineInterval.DAY1} <= set(checked)

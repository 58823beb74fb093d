"""The alerts engine fed from the built-in exchange on 127.0.0.1: a price alert crossed by the
synthetic market (trades from the real public stream) fires once, and stays fired after a
restart; a losscut alert fires after the market moves towards a real position's losscut price;
a stream alert fires when ``/_sim/silence`` leaves a channel STALE for longer than its limit."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gmo_tui.alerts import Alert, AlertEngine, AlertKind, AlertState, AlertStore, Fired
from gmo_tui.exchange import models
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.exchange.streams import PublicStream, Received, StreamState, StreamStatus
from gmo_tui.market.account import Account
from gmo_tui.market.book import Book
from gmo_tui.market.positions import Positions

QUICK = {"command_interval": 0.05, "backoff_base": 0.05, "max_backoff": 0.2}


@pytest.fixture
async def rest(sim: Any):
    client = GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret, source="test"))
    yield client
    await client.aclose()


class Feeder:
    """Iterates a public stream in the background, feeding every trade and status to the
    engine and keeping what fired and every price seen."""

    def __init__(self, stream: PublicStream, engine: AlertEngine, symbol: str) -> None:
        self.stream, self.engine, self.symbol = stream, engine, symbol
        self.fired: list[Fired] = []
        self.prices: list[Decimal] = []
        self.statuses: list[StreamStatus] = []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for item in self.stream:
            if isinstance(item, Received) and isinstance(item.event, models.TradeEvent):
                self.prices.append(item.event.price)
                self.fired += self.engine.on_trade(item.event, self.symbol)
            elif isinstance(item, StreamStatus):
                self.statuses.append(item)
                self.fired += self.engine.on_stream_status(item)

    async def until(self, predicate: Callable[[], Any], what: str, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if self.task.done():
                self.task.result()
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        await self.stream.close()
        await asyncio.wait_for(self.task, 5)


async def sweep(rest: GmoRestClient, symbol: str, side: str, levels: int) -> Decimal:
    """A market order eating ``levels`` levels of the other side; returns the last one's price."""
    book = await rest.get_orderbook(symbol)
    rows = book.asks if side == "BUY" else book.bids
    size = sum((row.size for row in rows[:levels]), Decimal(0))
    await rest.place_order(symbol, side, "MARKET", size)
    return rows[levels - 1].price


async def test_a_price_alert_fires_once_when_the_market_crosses_it(
    sim: Any, rest: GmoRestClient, tmp_path: Path
) -> None:
    await sim.control("rates", {"trades_per_s": 10, "books_per_s": 5})
    symbol = "BTC"
    engine = AlertEngine(AlertStore(tmp_path / "alerts.json"))
    book = await rest.get_orderbook(symbol)
    level = book.asks[2].price  # two levels above the best ask: only a sweep reaches it
    alert = engine.add(Alert(AlertKind.PRICE_ABOVE, level, symbol))
    feeder = Feeder(PublicStream(sim.endpoint, **QUICK), engine, symbol)
    await feeder.stream.subscribe("trades", symbol)
    try:
        await feeder.until(lambda: engine.alerts[0].primed, "a trade below the level")
        assert feeder.fired == []
        top = await sweep(rest, symbol, "BUY", 4)
        assert top > level
        await feeder.until(lambda: feeder.fired, "the alert to fire")
        (fired,) = feeder.fired
        assert fired.alert_id == alert.id and fired.kind is AlertKind.PRICE_ABOVE
        assert Decimal(fired.details["price"]) >= level
        seen = len(feeder.prices)
        # back down through the level and up again: a fired alert stays quiet
        await sweep(rest, symbol, "SELL", 6)
        await sweep(rest, symbol, "BUY", 6)
        await feeder.until(
            lambda: (
                min(feeder.prices[seen:], default=level) < level
                and max(feeder.prices[seen:], default=level) > level
            ),
            "trades below and again above the level",
        )
        assert len(feeder.fired) == 1
    finally:
        await feeder.stop()
    # a restart: the saved alert is FIRED and the crossing prices fire nothing
    again = AlertEngine(AlertStore(tmp_path / "alerts.json"))
    (saved,) = again.alerts
    assert saved.state is AlertState.FIRED and saved.fired_at == fired.at
    assert again.on_price(symbol, level - 1) == [] and again.on_price(symbol, level + 1) == []


async def test_a_losscut_alert_fires_after_the_market_moves_towards_the_losscut(
    make_sim: Any, tmp_path: Path
) -> None:
    sim = await make_sim(frozen=True)  # nothing moves but what the test trades
    symbol = "BTC_JPY"
    async with GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret)) as rest:
        await rest.place_order(symbol, "BUY", "MARKET", Decimal("0.01"))
        (position,) = (await rest.get_open_positions(symbol)).list
        book = await rest.get_orderbook(symbol)
        swept_to = book.bids[3].price  # the best bid after eating three bid levels
        losscut = swept_to - 2 * (book.bids[3].price - book.bids[4].price)
        await rest.change_losscut_price(position.position_id, losscut)
        # the alert distance lies between the distance now and the distance after the move
        now_pct = (book.bids[0].price - losscut) / book.bids[0].price * 100
        after_pct = (swept_to - losscut) / swept_to * 100
        pct = ((now_pct + after_pct) / 2).quantize(Decimal("0.0001"))
        engine = AlertEngine(AlertStore(tmp_path / "alerts.json"))
        alert = engine.add(Alert(AlertKind.LOSSCUT_NEAR, pct, symbol))

        async def check() -> list[Fired]:
            positions = Positions()
            positions.load((await rest.get_open_positions(symbol)).list, symbol)
            live = Book(symbol)
            live.apply(await rest.get_orderbook(symbol), time.time())
            return engine.check_positions(positions, {symbol: live})

        assert await check() == []
        await rest.place_order(
            symbol, "SELL", "MARKET", sum((b.size for b in book.bids[:3]), Decimal(0))
        )
        (fired,) = await check()
        assert fired.alert_id == alert.id
        assert fired.details["position_id"] == str(position.position_id)
        assert Decimal(fired.details["losscut_price"]) == losscut
        assert Decimal(fired.details["mark"]) == swept_to
        assert await check() == []  # once per episode
        # the position is still open (the mark never reached the losscut)
        open_ids = [p.position_id for p in (await rest.get_open_positions(symbol)).list]
        assert position.position_id in open_ids
    again = AlertEngine(AlertStore(tmp_path / "alerts.json"))
    assert again.alerts[0].active == [str(position.position_id)]


async def test_a_stream_alert_fires_when_a_silenced_channel_stays_stale(
    sim: Any, tmp_path: Path
) -> None:
    await sim.control("rates", {"trades_per_s": 20, "tickers_per_s": 20})
    await sim.control("limits", {"ws_commands_per_s": 50})
    engine = AlertEngine(AlertStore(tmp_path / "alerts.json"))
    alert = engine.add(Alert(AlertKind.STREAM_STALE, Decimal("0.5")))
    stream = PublicStream(
        sim.endpoint, **QUICK, stale_after=0.3, watch_interval=0.05, ping_interval=0.1
    )
    feeder = Feeder(stream, engine, "BTC")
    await stream.subscribe("trades", "BTC")
    stale = StreamState.STALE
    try:
        await feeder.until(lambda: feeder.prices, "a trade")
        await sim.control("silence", {"channels": ["trades"]})
        await feeder.until(
            lambda: any(s.state is stale for s in feeder.statuses), "STALE", timeout=10
        )
        assert feeder.fired == []  # stale, but not yet for 0.5 s
        while not feeder.fired:
            feeder.fired += engine.check_streams()  # the app's timer
            await asyncio.sleep(0.05)
        (fired,) = feeder.fired
        assert fired.alert_id == alert.id and "trades" in fired.details["stream"]
        assert Decimal(fired.details["seconds"]) >= Decimal("0.5")
        assert engine.check_streams() == []  # once per outage
        await sim.control("silence", {})
        await feeder.until(lambda: engine.alerts[0].active == [], "LIVE again re-arms it")
    finally:
        await feeder.stop()


async def test_maintenance_and_margin_alerts_from_the_exchange_replies(
    sim: Any, rest: GmoRestClient, tmp_path: Path
) -> None:
    engine = AlertEngine(AlertStore(tmp_path / "alerts.json"))
    maintenance = engine.add(Alert(AlertKind.MAINTENANCE))
    assert engine.on_exchange_status((await rest.get_status()).status) == []
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))  # a real margin ratio
    account = Account()
    account.set_margin(await rest.get_margin())
    ratio = account.margin_ratio
    assert ratio is not None and ratio > 0
    assert engine.add(Alert(AlertKind.MARGIN_BELOW, ratio)) and engine.check_margin(account) == []
    low = engine.add(Alert(AlertKind.MARGIN_BELOW, ratio + 1))
    (margin_fired,) = engine.check_margin(account)
    assert margin_fired.alert_id == low.id
    assert Decimal(margin_fired.details["margin_ratio"]) == account.margin_ratio
    await sim.control("status", {"status": "MAINTENANCE"})
    (fired,) = engine.on_exchange_status((await rest.get_status()).status)
    assert fired.alert_id == maintenance.id
    assert engine.on_exchange_status((await rest.get_status()).status) == []
    await sim.control("status", {"status": "OPEN"})

"""The headless session against the built-in exchange (no Textual): start-up recovery from an
exchange that is down, a crossed book, and private events applied without any REST call."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from gmo_tui.alerts import Fired
from gmo_tui.config import Settings
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import ExchangeStatus, KlineInterval
from gmo_tui.exchange.models import BookLevel, OrderBook
from gmo_tui.market.fills import Fill
from gmo_tui.session.listener import Banner, HistoryProgress, Severity
from gmo_tui.session.session import Session
from gmo_tui.trading.gates import EntryGates, Gate
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.results import TradingNotice

FAST = {"ws_command_interval": 0.02, "ticker_poll_seconds": 0.3, "status_poll_seconds": 0.3}


class Recorder:
    """A SessionListener that records what it is told."""

    def __init__(self) -> None:
        self.banners: dict[Banner, str | None] = {}
        self.states: dict[str, str] = {}
        self.fills: list[tuple[Fill, FillSource]] = []
        self.parts: list[AccountPart] = []
        self.statuses: list[ExchangeStatus] = []
        self.klines = 0

    def on_rules(self) -> None: ...
    def on_book(self, symbol: str) -> None: ...
    def on_trades(self, symbol: str) -> None: ...
    def on_tickers(self, symbols: tuple[str, ...]) -> None: ...

    def on_klines(self, symbol: str, interval: KlineInterval) -> None:
        self.klines += 1

    def on_stream_state(self, stream: str, state: str, detail: str) -> None:
        self.states[stream] = state

    def on_exchange_status(self, status: ExchangeStatus) -> None:
        self.statuses.append(status)

    def on_balances(self) -> None: ...
    def on_history(self, progress: HistoryProgress) -> None: ...

    def on_banner(self, banner: Banner, reason: str | None) -> None:
        self.banners[banner] = reason

    def on_message(self, text: str, severity: Severity) -> None: ...
    def on_notice(self, notice: TradingNotice) -> None: ...

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        self.fills.append((fill, source))

    def on_account_changed(self, part: AccountPart) -> None:
        self.parts.append(part)

    def on_entry_changed(self, gates: EntryGates) -> None: ...
    def on_alert(self, fired: Fired) -> None: ...


class CountingTransport(httpx.AsyncBaseTransport):
    """httpx's own transport, counting the requests by path."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def until(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Running:
    """The session's loops as tasks (what the app's workers do), cancelled at the end."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tasks: list[asyncio.Task[None]] = []

    def run(self, *loops: Coroutine[Any, Any, None]) -> None:
        self.tasks += [asyncio.create_task(loop) for loop in loops]

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.session.aclose()


def keyed_session(sim: Any, listener: Recorder, tmp_path: Path, **options: Any) -> Session:
    """A session on BTC_JPY with the demo account's key (no loop runs yet)."""
    return Session(
        Settings(endpoint=sim.endpoint, symbol="BTC_JPY", **FAST),
        Credentials(sim.api_key, sim.api_secret, source="test"),
        listener,
        journal_path=str(tmp_path / "journal.sqlite"),
        **options,
    )


def everything_loaded(session: Session) -> bool:
    symbol = session.symbol
    return bool(
        session.rules
        and session.books[symbol].snapshots
        and len(session.tapes[symbol])
        and session.candles_live
        and len(session.candles)
        and len(session.watchlist.rows(session.symbols())) == len(session.rules)
        and session.exchange_status is ExchangeStatus.OPEN
    )


async def test_a_start_with_nothing_listening_recovers_once_the_exchange_is_up(make_sim):
    """Finding 5: every start-up load retries until it succeeds (rules, status, book and
    trades, klines, tickers); the unreachable endpoint is a banner until then."""
    port = free_port()
    listener = Recorder()
    session = Session(
        Settings(endpoint=f"http://127.0.0.1:{port}", symbol="BTC_JPY", **FAST), None, listener
    )
    running = Running(session)
    try:
        running.run(session.bootstrap(), session.poll_tickers(), session.run_public_stream())
        await until(lambda: listener.banners.get(Banner.UNREACHABLE), "unreachable banner")
        assert str(port) in (listener.banners[Banner.UNREACHABLE] or "")
        await asyncio.sleep(1.0)
        sim = await make_sim(port=port)
        assert sim.port == port
        await until(lambda: everything_loaded(session), "every start-up load", timeout=20)
        await until(lambda: listener.states.get("book") == "LIVE", "book stream live")
        assert listener.banners[Banner.UNREACHABLE] is None
        assert listener.klines >= 1
    finally:
        await running.close()


async def test_a_start_in_maintenance_recovers_and_entry_waits_for_every_gate(
    make_sim, tmp_path: Path
):
    """Finding 5 (maintenance): nothing loads while the exchange says ERR-5201; once OPEN,
    everything does, and order entry opens only with every gate open."""
    sim = await make_sim()
    await sim.control("limits", {"ws_commands_per_s": 200, "rest_per_s": 60})
    await sim.control("status", {"status": "MAINTENANCE"})
    listener = Recorder()
    session = keyed_session(sim, listener, tmp_path)
    service = session.service
    assert service is not None
    running = Running(session)
    try:
        running.run(
            session.bootstrap(),
            session.poll_tickers(),
            session.run_public_stream(),
            session.start_service(),
            session.run_private_stream(),
        )
        await until(lambda: listener.banners.get(Banner.MAINTENANCE), "maintenance banner")
        await asyncio.sleep(1.0)
        assert not service.gates.enabled
        assert not session.books[session.symbol].snapshots
        await sim.control("status", {"status": "OPEN"})
        await until(lambda: everything_loaded(session), "every start-up load", timeout=20)
        await until(lambda: service.gates.enabled, "order entry", timeout=20)
        assert listener.banners[Banner.MAINTENANCE] is None
        for gate in (Gate.RULES, Gate.BOOK, Gate.PRIVATE_STREAM, Gate.RECONCILED):
            assert service.gates.is_open(gate)
    finally:
        await running.close()


def crossed(symbol: str) -> OrderBook:
    return OrderBook(
        symbol=symbol,
        bids=(BookLevel(Decimal(1003), Decimal(1)),),
        asks=(BookLevel(Decimal(1000), Decimal(1)),),
        timestamp=None,
    )


async def test_a_crossed_book_is_said_crossed_and_closes_the_book_gate(sim, tmp_path: Path):
    """Finding 9 (session side): the book row says CROSSED, never LIVE, and entry closes."""
    listener = Recorder()
    session = keyed_session(sim, listener, tmp_path)
    running = Running(session)
    try:
        running.run(session.bootstrap(), session.run_public_stream())
        await until(lambda: listener.states.get("book") == "LIVE", "book live")
        await until(lambda: session.books["BTC_JPY"].sane, "a sane book")
        session.books.apply(crossed("BTC_JPY"), session.now() + 3600)
        session.book_changed("BTC_JPY")
        assert listener.states["book"] == "CROSSED"
        assert session.gates is not None and not session.gates.is_open(Gate.BOOK)
        assert "crossed" in (session.gates.reason_of(Gate.BOOK) or "")
    finally:
        await running.close()


async def test_a_private_event_is_applied_without_any_rest_call(sim, rest, tmp_path: Path):
    """No copies: an order event and a fill reach the service's models at once; the session
    makes no REST request for them (reconciliation is not due)."""
    await sim.control("limits", {"ws_commands_per_s": 200, "rest_per_s": 60})
    listener = Recorder()
    counting = CountingTransport()
    session = keyed_session(sim, listener, tmp_path, http_transport=counting)
    service = session.service
    assert service is not None
    running = Running(session)
    try:
        running.run(session.bootstrap(), session.start_service(), session.run_private_stream())
        await until(lambda: listener.states.get("private") == "LIVE", "private live")
        await until(lambda: service.gates.is_open(Gate.RECONCILED), "reconciled")
        await asyncio.sleep(1.0)  # the start-up loads (day opens) finish
        book = await rest.get_orderbook("BTC_JPY")
        price = book.bids[-1].price
        before = len(counting.paths)
        order_id = await rest.place_order("BTC_JPY", "BUY", "LIMIT", Decimal("0.01"), price=price)
        await until(lambda: service.tracker.get(order_id) is not None, "order event applied")
        await sim.control("fill", {"orderId": order_id})
        await until(lambda: listener.fills, "fill event applied")
        assert listener.fills[0][1] is FillSource.STREAM
        assert AccountPart.ORDERS in listener.parts
        private = [p for p in counting.paths[before:] if "/private/" in p]
        assert private == [], private
    finally:
        await running.close()


async def test_position_summaries_go_stale_only_while_a_position_is_held(sim, rest, tmp_path: Path):
    """The demo account starts flat: the exchange sends no position summary then, and the
    session does not call that channel STALE (nor fire a stream alert); once a position is
    held, summaries are due and a silence is STALE again."""
    await sim.control("limits", {"ws_commands_per_s": 200, "rest_per_s": 60})
    states: list[tuple[str, str]] = []

    class Seen(Recorder):
        def on_stream_state(self, stream: str, state: str, detail: str) -> None:
            super().on_stream_state(stream, state, detail)
            states.append((stream, state))

    listener = Seen()
    session = keyed_session(sim, listener, tmp_path)
    service = session.service
    assert service is not None
    running = Running(session)
    summary = ("private.positionSummaryEvents", "STALE")
    try:
        running.run(session.bootstrap(), session.start_service(), session.run_private_stream())
        await until(lambda: session.private is not None, "the private stream")
        stream = session.private
        assert stream is not None
        stream.stale_after, stream.watch_interval = 0.3, 0.05  # GMO's 5 s, scaled down
        await until(lambda: listener.states.get("private") == "LIVE", "private live")
        await until(lambda: service.gates.is_open(Gate.RECONCILED), "reconciled")
        await asyncio.sleep(1.5)  # > the watchdog's first period and three stale limits
        assert len(service.positions) == 0 and summary not in states
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
        await until(lambda: len(service.positions) == 1, "the position applied")
        await until(lambda: summary in states, "STALE between the 5 s summaries")
    finally:
        await running.close()

"""The headless session: one account state and the loops that keep it true. No Textual here.

:class:`Session` owns the REST client, the public and private streams, the market models (books,
tapes, candles, watchlist, tickers, rules, account) and the :class:`TradingService` (the only
owner of orders, fills and positions). Its ``run_*`` / ``load_*`` coroutines are the loops the
app's workers run, one per stream or poll; every start-up load retries with capped backoff until
it succeeds. It talks to the UI only through :class:`SessionListener`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import httpx

from gmo_tui import config as cfg
from gmo_tui.alerts import AlertStore
from gmo_tui.exchange import models
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import (
    ExchangeStatus,
    KlineInterval,
    PrivateChannel,
    PublicChannel,
    TransferType,
)
from gmo_tui.exchange.errors import (
    ApiError,
    AuthenticationError,
    GmoError,
    MaintenanceError,
    TimestampError,
)
from gmo_tui.exchange.rest import GmoRestClient, iter_history_windows
from gmo_tui.exchange.streams import (
    BadFrame,
    CommandPacer,
    PrivateStream,
    Received,
    ServerError,
    StreamState,
    StreamStatus,
)
from gmo_tui.i18n import N_, _
from gmo_tui.i18n.exchange_errors import describe
from gmo_tui.market.account import Account, TransferKind
from gmo_tui.market.book import Books
from gmo_tui.market.candles import CandleSeries
from gmo_tui.market.fills import Fill, FillLedger
from gmo_tui.market.formatting import gmo_day
from gmo_tui.market.orders import OrderTracker
from gmo_tui.market.pnl import PnlLedger
from gmo_tui.market.positions import Positions
from gmo_tui.market.sizing import SizePresets
from gmo_tui.market.tape import Tapes
from gmo_tui.market.watchlist import Watchlist
from gmo_tui.record.stream import RecordingPublicStream
from gmo_tui.session.alerting import SessionAlerts, alerts_path
from gmo_tui.session.failures import RETRYABLE, socket_says_down, unreachable
from gmo_tui.session.listener import Banner, HistoryProgress, SessionListener, Severity
from gmo_tui.session.loads import history_assets, kline_dates
from gmo_tui.session.tape_deck import TapeDeck, recordings_dir
from gmo_tui.trading.bracket_model import Bracket
from gmo_tui.trading.bracket_store import BracketStore
from gmo_tui.trading.brackets import BracketManager
from gmo_tui.trading.fanout import FanOutListener
from gmo_tui.trading.gates import EntryGates, Gate
from gmo_tui.trading.journal import Journal
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.results import TradingNotice
from gmo_tui.trading.service import ReconcileReason, TradingService

log = logging.getLogger(__name__)

T = TypeVar("T")

CHART_CANDLES = 1000
SPARK_LEN = 12
LATENCY_WINDOW = 200
RETRY_FIRST_S = 0.5
RETRY_CAP_S = 10.0
RECONCILE_TICK_S = 0.5
HALTED_STATUS_POLL_S = 2.0
"""/v1/status every this many seconds while the exchange is not OPEN (or not known)."""
BALANCES_POLL_S = 15.0
BALANCES_DEBOUNCE_S = 0.3
VOLUME_EVERY_S = 60.0
DAY_OPEN_SPACING_S = 0.1
DAY_OPEN_DELAY_S = 1.0
PRIVATE_CHANNELS = (
    PrivateChannel.EXECUTION_EVENTS,
    PrivateChannel.ORDER_EVENTS,
    PrivateChannel.POSITION_EVENTS,
    PrivateChannel.POSITION_SUMMARY_EVENTS,
)
PUBLIC_CHANNELS = {
    PublicChannel.ORDERBOOKS.value: "book",
    PublicChannel.TRADES.value: "trades",
    PublicChannel.TICKER.value: "ticker",
}
CROSSED = "CROSSED"
"""The book channel's state while the current book is not sane (crossed, one-sided …)."""


BRACKETS_FILE = "brackets.json"
"""The brackets' file, next to the journal."""


class Session:
    """One account state for one app (see the module docstring)."""

    def __init__(
        self,
        settings: cfg.Settings,
        credentials: Credentials | None,
        listener: SessionListener,
        *,
        journal_path: str | None = None,
        now: Callable[[], float] = time.time,
        market_time: Callable[[], datetime] | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        clock_skew_limit_s: float = 300.0,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.listener = listener
        self.now = now
        """Wall clock (float seconds) for freshness: the clock the streams stamp frames with."""
        self.market_time = market_time or (lambda: datetime.now(UTC))
        """The exchange's "now" for kline days and history ranges (frozen in snapshots)."""
        self.symbol = settings.symbol
        self.interval = KlineInterval.MIN1
        self.rest = GmoRestClient(
            settings.endpoint,
            credentials,
            tier=settings.tier,
            timeout=10.0,
            transport=http_transport,
        )
        # one subscribe command a second per IP, shared by both streams
        self.pacer = CommandPacer(settings.ws_command_interval)
        # the app's own stream; it writes its frames to a file only while recording
        self.public = RecordingPublicStream(settings.endpoint, pacer=self.pacer)
        self.deck = TapeDeck(
            self.public, settings.endpoint, recordings_dir(), transport=http_transport
        )
        """The record toggle and the replay controls (session/tape_deck.py)."""
        self.private: PrivateStream | None = None
        self.books = Books()
        self.tapes = Tapes(maxlen=500)
        self.rules: dict[str, models.SymbolRule] = {}
        self.tickers: dict[str, models.Ticker] = {}
        self.watchlist = Watchlist(
            spark_len=SPARK_LEN, spark_interval=max(1.0, settings.ticker_poll_seconds)
        )
        self.account = Account()
        self.candles = CandleSeries(self.symbol, self.interval, maxlen=CHART_CANDLES)
        self.candles_live = False
        self.exchange_status: ExchangeStatus | None = None
        self.latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self.rules_loaded = asyncio.Event()
        self.sizes = SizePresets(self.rules)
        """The size presets (keys ``1`` ... ``5``) and the active size of each symbol; the
        ``[sizes]`` overrides apply once the rules are loaded."""
        self._sizes_configured = False
        self.service: TradingService | None = None
        self.pnl = PnlLedger()
        """Every fill's realised P&L and the day's totals (fed from :meth:`on_fill`)."""
        if credentials is not None:
            self.service = TradingService(
                self.rest,
                tracker=OrderTracker(),
                fills=FillLedger(),
                books=self.books,
                rules=self.rules,
                limits=settings.safety_limits(),
                journal=Journal(journal_path) if journal_path else Journal(),
                positions=Positions(),
                watch_symbols=(self.symbol,),
                listener=self,
                clock_skew_limit_s=clock_skew_limit_s,
            )
        self.alerts = SessionAlerts(AlertStore(alerts_path(journal_path)), listener, now)
        self.brackets: BracketManager | None = None
        """Entries with a stop-loss / take-profit built by the app (trading/brackets.py); it
        hears the service next to the session (FanOutListener), its file next to the journal."""
        if self.service is not None:
            store = BracketStore(
                Path(journal_path).with_name(BRACKETS_FILE) if journal_path else None
            )
            self.brackets = BracketManager(self.service, store, listener=self)
            self.service.listener = FanOutListener(self, self.brackets)
        self._channel_symbol: dict[str, str] = {}
        self._subscribing: asyncio.Task[None] | None = None
        self._status_wake = asyncio.Event()
        self._balances_wake = asyncio.Event()
        self._banners: dict[Banner, str] = {}
        self._book_ok: bool | None = None
        self._first_book = asyncio.Event()
        self._book_stream_live = False
        self._closed = False
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ small helpers
    def symbols(self) -> list[str]:
        """Every known symbol: spot first, then the margin (``_JPY``) ones."""
        return sorted(self.rules, key=lambda s: (s.endswith("_JPY"), s))

    @property
    def gates(self) -> EntryGates | None:
        return None if self.service is None else self.service.gates

    def _gate(self, gate: Gate, ok: bool, reason: str = "") -> None:
        gates = self.gates
        if gates is not None and gates.set(gate, ok, reason):
            self.listener.on_entry_changed(gates)

    def banner(self, banner: Banner, reason: str | None) -> None:
        """Raise (``reason``) or clear (None) a permanent banner; repeated calls are free."""
        if self._banners.get(banner) == reason or (reason is None and banner not in self._banners):
            return
        if reason is None:
            del self._banners[banner]
        else:
            self._banners[banner] = reason
        self.listener.on_banner(banner, reason)

    @property
    def book_live(self) -> bool:
        """The book channel of the current symbol is LIVE."""
        return self._book_stream_live

    @property
    def banners(self) -> dict[Banner, str]:
        return dict(self._banners)

    async def retry(self, what: str, call: Callable[[], Awaitable[T]]) -> T:
        """``call()`` until it succeeds (GETs only), backing off from 0.5 s to 10 s, while it
        fails for a reason that passes (:data:`RETRYABLE`; any other error is raised). While
        it fails the banner says why; an unreachable endpoint is named as such."""
        delay = RETRY_FIRST_S
        while True:
            try:
                result = await call()
            except RETRYABLE as exc:
                log.info("%s failed, retrying in %.1f s: %s", what, delay, exc)
                self._note_failure(exc)
                await asyncio.sleep(delay)
                delay = min(RETRY_CAP_S, delay * 2)
                continue
            self.banner(Banner.UNREACHABLE, None)
            return result

    def _note_failure(self, exc: BaseException) -> None:
        if unreachable(exc):
            self.banner(
                Banner.UNREACHABLE,
                _("{endpoint} unreachable ({error}); retrying").format(
                    endpoint=self.settings.endpoint, error=exc
                ),
            )
        elif isinstance(exc, MaintenanceError):
            self._set_status(ExchangeStatus.MAINTENANCE)
        elif isinstance(exc, AuthenticationError):
            self.banner(
                Banner.AUTH,
                _("API key rejected by the exchange: {error}").format(error=describe(exc)),
            )

    # ------------------------------------------------------------------ start-up loads
    async def bootstrap(self) -> None:
        """Symbols and rules, exchange status, the first book/trades of the symbol, its
        candles and every symbol's 24h reference; each retried until it succeeds."""
        rules = await self.retry("symbols", self.rest.get_symbols)
        self.rules.clear()
        self.rules.update({r.symbol: r for r in rules})
        if self.symbol not in self.rules and self.rules:
            self.listener.on_message(
                _("Unknown symbol {symbol}; switching to {other}").format(
                    symbol=self.symbol, other=self.symbols()[0]
                ),
                Severity.WARNING,
            )
            self.symbol = self.symbols()[0]
            self._new_candles()
        if not self._sizes_configured:
            self._sizes_configured = True
            self.sizes = SizePresets(self.rules, self.settings.size_overrides())
            for problem in self.sizes.problems:
                self.listener.on_message(
                    _("config: {problem}").format(problem=problem), Severity.WARNING
                )
        self.rules_loaded.set()
        self._gate(Gate.RULES, True)
        self.listener.on_rules()
        status = await self.retry("status", self.rest.get_status)
        self._set_status(status.status)
        await self.load_snapshot(self.symbol)
        await self.load_klines(self.symbol, self.interval)
        await self.load_day_opens()

    async def first_book_in(self, limit: float) -> bool:
        """Wait until the current symbol has a sane book, from REST or the stream (the start's other
        loads follow it, so that the book is on screen first), ``limit`` seconds at most."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_book.wait(), limit)
        return self._first_book.is_set()

    async def load_snapshot(self, symbol: str) -> None:
        book, trades = await self.retry(
            f"book {symbol}",
            lambda: asyncio.gather(
                self.rest.get_orderbook(symbol), self.rest.get_trades(symbol, count=100)
            ),
        )
        tape = self.tapes[symbol]
        if tape.appended == 0:
            tape.load(list(trades.list))
            self.listener.on_trades(symbol)
        if self.books[symbol].snapshots == 0:
            self.books[symbol].apply(book, self.now())
            self.book_changed(symbol)

    async def load_klines(self, symbol: str, interval: KlineInterval) -> None:
        klines: list[models.Kline] = []
        for day in kline_dates(interval, self.market_time()):
            try:
                klines.extend(
                    await self.retry(f"klines {symbol}", self._klines(symbol, interval, day))
                )
            except ApiError as exc:  # e.g. a day before the symbol's release: none that day
                log.info("klines %s %s %s: %s", symbol, interval, day, exc)
        klines.sort(key=lambda k: k.open_ms)
        series = self.candles
        if series.symbol == symbol and series.interval == interval:
            series.load(klines)
            self.candles_live = True
            self.listener.on_klines(symbol, interval)

    def _klines(
        self, symbol: str, interval: KlineInterval, day: str
    ) -> Callable[[], Awaitable[list[models.Kline]]]:
        return lambda: self.rest.get_klines(symbol, interval, day)

    async def load_day_opens(self) -> None:
        """The price 24 hours ago of every symbol (hourly candles), for the 24h change: the
        current symbol first, the others a moment later, paced."""
        now = self.market_time()
        target = int((now - timedelta(hours=24)).timestamp() * 1000)
        day = gmo_day(now - timedelta(hours=24)).strftime("%Y%m%d")

        async def one(symbol: str) -> None:
            try:
                candles = await self.retry(
                    f"day open {symbol}", self._klines(symbol, KlineInterval.HOUR1, day)
                )
            except ApiError as exc:  # no hourly candles that day: no 24h reference
                log.info("day open %s: %s", symbol, exc)
                return
            if candles:
                ref = min(candles, key=lambda k: abs(k.open_ms - target))
                self.watchlist.set_daily_open(symbol, ref.open, now)

        await one(self.symbol)
        self.listener.on_tickers(tuple(self.tickers))
        await asyncio.sleep(DAY_OPEN_DELAY_S)
        tasks = []
        for symbol in self.symbols():
            if symbol != self.symbol:
                tasks.append(asyncio.create_task(one(symbol)))
                await asyncio.sleep(DAY_OPEN_SPACING_S)
        await asyncio.gather(*tasks)
        self.listener.on_tickers(tuple(self.tickers))

    # ------------------------------------------------------------------ symbol / interval
    def set_symbol(self, symbol: str) -> bool:
        """Make ``symbol`` current (the caller then runs :meth:`resubscribe`)."""
        if symbol == self.symbol and self._channel_symbol:
            return False
        self.symbol = symbol
        self._new_candles()
        self.book_changed(symbol)
        if self.service is not None:
            self.service.watch_symbols.add(symbol)
        return True

    def set_chart_interval(self, interval: KlineInterval) -> bool:
        if interval == self.interval:
            return False
        self.interval = interval
        self._new_candles()
        return True

    def _new_candles(self) -> None:
        self.candles = CandleSeries(self.symbol, self.interval, maxlen=CHART_CANDLES)
        self.candles_live = False

    async def resubscribe(self, symbol: str) -> None:
        await self.load_snapshot(symbol)
        await self._subscribe(symbol)

    async def _subscribe(self, symbol: str) -> None:
        """Per channel (book first): unsubscribe the old symbol, then subscribe the new one."""
        for channel in PUBLIC_CHANNELS:
            old = self._channel_symbol.get(channel)
            if old == symbol:
                continue
            if old is not None:
                await self.public.unsubscribe(channel, old)
                self._channel_symbol.pop(channel, None)
            await self.public.subscribe(channel, symbol)
            self._channel_symbol[channel] = symbol

    # ------------------------------------------------------------------ public side
    def book_changed(self, symbol: str) -> None:
        """The book of ``symbol`` changed (stream or REST snapshot): the BOOK gate and the
        book row of the status follow its sanity; the UI re-renders it."""
        if symbol == self.symbol:
            book = self.books[symbol]
            ok = self._book_stream_live and book.snapshots > 0 and book.sane
            if book.snapshots and book.sane:  # from REST or the stream: on screen
                self._first_book.set()
            if ok != self._book_ok:
                self._book_ok = ok
                why = book.issue or N_("book stream not live")
                self._gate(
                    Gate.BOOK,
                    ok,
                    "" if ok else _("book of {symbol}: {why}").format(symbol=symbol, why=_(why)),
                )
                if book.snapshots and not book.sane:
                    self.listener.on_stream_state("book", CROSSED, book.issue or "")
                elif self._book_stream_live:
                    self.listener.on_stream_state("book", StreamState.LIVE.value, "")
            self.check_losscuts()
        if self.brackets is not None:
            self.brackets.on_book(symbol)  # emulated take-profits, trailing stops (no wait)
        self.listener.on_book(symbol)

    def check_losscuts(self) -> None:
        """Losscut alerts on the current symbol's book, while its stream is live."""
        if self.service is not None and self._book_stream_live:
            self.alerts.positions(self.service.positions, {self.symbol: self.books[self.symbol]})

    def on_bracket(self, bracket: Bracket, message: str, level: str) -> None:
        """A bracket changed: said as a notice; the Orders pane and the ladder re-render."""
        severity = {"error": Severity.ERROR, "warning": Severity.WARNING}.get(level, Severity.INFO)
        self.listener.on_message(message, severity)
        self.listener.on_account_changed(AccountPart.ORDERS)

    async def run_public_stream(self) -> None:
        """The public WebSocket: book, trades and ticker of the current symbol."""
        self._subscribing = asyncio.create_task(self._subscribe(self.symbol))
        books, tapes, latencies = self.books, self.tapes, self.latencies
        async for item in self.public:
            match item:
                case Received(event=models.OrderBookEvent() as event, received_at=at):
                    books.apply(event, at)
                    if event.timestamp is not None:
                        latencies.append(at - event.timestamp.timestamp())
                    self.book_changed(event.symbol)
                case Received(event=models.TradeEvent() as event):
                    symbol = event.symbol or self.symbol
                    tapes[symbol].append(event)
                    self.alerts.trade(event, symbol)
                    if self.candles_live and symbol == self.candles.symbol:
                        self.candles.apply_trade(event)
                    self.listener.on_trades(symbol)
                case Received(event=models.TickerEvent() as event):
                    self._ticker(event)
                    self.alerts.ticker(event, self._channel_symbol.get("trades"))
                    self.listener.on_tickers((event.symbol,))
                case StreamStatus() as status:
                    self._public_status(status)
                case ServerError(message=text):
                    log.warning("public stream server error: %s", text)
                case BadFrame(reason=reason):
                    log.warning("public stream bad frame: %s", reason)

    def _public_status(self, status: StreamStatus) -> None:
        self.alerts.stream(status)
        name = PUBLIC_CHANNELS.get(status.channel or "", "public")
        state = status.state
        if name in ("book", "public"):
            live = state is StreamState.LIVE
            if live != self._book_stream_live:
                self._book_stream_live = live
                self._book_ok = None
                self.book_changed(self.symbol)
            if not live and status.channel is None:
                # the socket going down takes every channel with it
                self._gate(Gate.BOOK, False, f"book stream {state.value}")
        if state is StreamState.LIVE and status.channel is None:
            self.deck.reconnected()  # a replaying exchange? (asked again after a reconnect)
        if state is StreamState.RECONNECTING and socket_says_down(status.detail):
            self._status_wake.set()  # the socket hints at maintenance: ask /v1/status now
        if state is StreamState.LIVE and self.exchange_status is not ExchangeStatus.OPEN:
            self._status_wake.set()  # the socket is back: the exchange may be OPEN again
        if name == "book" and state is StreamState.LIVE and not self.books[self.symbol].sane:
            return  # the book row keeps saying CROSSED until a sane book arrives
        self.listener.on_stream_state(name, state.value, status.detail)

    def _ticker(self, ticker: models.Ticker) -> None:
        self.tickers[ticker.symbol] = ticker
        self.watchlist.update_ticker(ticker, self.now())

    async def poll_tickers(self) -> None:
        """Every symbol's ticker, and the exchange status every ``status_poll_seconds`` (at
        once when a socket was refused)."""
        last_status = -1e9
        while True:
            try:
                tickers = await self.rest.get_ticker()
            except (GmoError, OSError) as exc:
                log.info("ticker poll failed: %s", exc)
                self._note_failure(exc)
            else:
                self.banner(Banner.UNREACHABLE, None)
                for ticker in tickers:
                    self._ticker(ticker)
                    self.alerts.ticker(ticker, self._channel_symbol.get("trades"))
                self.listener.on_tickers(tuple(t.symbol for t in tickers))
            every = self.settings.status_poll_seconds
            if self.exchange_status is not ExchangeStatus.OPEN:
                every = min(every, HALTED_STATUS_POLL_S)  # notice the reopening soon
            if self._status_wake.is_set() or self.now() - last_status >= every:
                self._status_wake.clear()
                last_status = self.now()
                await self.poll_status()
            wait = self.settings.ticker_poll_seconds
            if self.exchange_status is not ExchangeStatus.OPEN:
                wait = min(wait, HALTED_STATUS_POLL_S)
            try:
                await asyncio.wait_for(self._status_wake.wait(), wait)
            except TimeoutError:
                pass

    async def poll_status(self) -> None:
        try:
            status = await self.rest.get_status()
        except (GmoError, OSError) as exc:
            self._note_failure(exc)
        else:
            self.banner(Banner.UNREACHABLE, None)
            self._set_status(status.status)

    def _set_status(self, status: ExchangeStatus) -> None:
        if status is self.exchange_status:
            return
        previous = self.exchange_status
        self.exchange_status = status
        match status:
            case ExchangeStatus.OPEN:
                self.banner(Banner.MAINTENANCE, None)
            case _:
                self.banner(
                    Banner.MAINTENANCE,
                    _("Exchange {status}: order entry halted until it is OPEN again").format(
                        status=_(status.value)
                    ),
                )
        self.listener.on_exchange_status(status)
        self.alerts.exchange_status(status)
        if self.service is not None:
            task = asyncio.create_task(self._status_to_service(status, previous))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _status_to_service(
        self, status: ExchangeStatus, previous: ExchangeStatus | None
    ) -> None:
        assert self.service is not None
        await self.service.on_exchange_status(status)
        if status is ExchangeStatus.OPEN and previous not in (None, ExchangeStatus.OPEN):
            await self.reconcile(ReconcileReason.MAINTENANCE_END)

    # ------------------------------------------------------------------ private side
    async def start_service(self) -> None:
        """Start-up reconciliation of the journal (retried until the exchange answers)."""
        service = self.service
        assert service is not None
        await self.rules_loaded.wait()
        while True:
            try:
                await self.retry("start-up reconciliation", service.start)
            except AuthenticationError as exc:  # the service closed its AUTH gate: until restart
                self.banner(
                    Banner.AUTH,
                    _("API key rejected by the exchange: {error}").format(error=describe(exc)),
                )
                return
            except TimestampError as exc:  # the local clock is off: say so, try again later
                why = service.gates.reason_of(Gate.CLOCK) or str(exc)
                self.banner(Banner.CLOCK, _("Clock: {why}").format(why=why))
                await asyncio.sleep(RETRY_CAP_S)
                continue
            self.banner(Banner.CLOCK, None)
            if self.brackets is not None:
                # the brackets' orders read back and linked to the journal before any acts
                await self.retry("restoring brackets", self.brackets.restore)
            return

    async def run_private_stream(self) -> None:
        """The private WebSocket: every event goes to the service at once (no REST); a
        reconnect or a silent channel reconciles now."""
        service = self.service
        assert service is not None
        positions = service.positions

        def holds_positions() -> bool:  # without one the exchange sends no position summary
            return len(positions) > 0 or any(
                s.sum_position_quantity > 0 for s in positions.summaries()
            )

        stream = self.private = PrivateStream(
            self.rest, self.settings.endpoint, pacer=self.pacer, holds_positions=holds_positions
        )

        async def subscribe_all() -> None:
            for channel in PRIVATE_CHANNELS:
                periodic = channel is PrivateChannel.POSITION_SUMMARY_EVENTS
                await stream.subscribe(channel, "PERIODIC" if periodic else None)

        subscribing = asyncio.create_task(subscribe_all())
        was_live = False
        try:
            async for item in stream:
                match item:
                    case Received(event=event):
                        await service.on_private_event(event)
                        self._private_notice(event)
                    case StreamStatus(channel=None) as status:
                        self.alerts.stream(status)
                        live = status.state is StreamState.LIVE
                        self._gate(Gate.PRIVATE_STREAM, live, self._private_reason(status))
                        self.listener.on_stream_state("private", status.state.value, status.detail)
                        self._private_detail(status.detail)
                        await service.on_stream_status(status)
                        if live:
                            self.banner(Banner.AUTH, None)  # the exchange took our key
                            if was_live:
                                await self.reconcile(ReconcileReason.RECONNECT)
                            was_live = True
                    case StreamStatus(channel=channel) as status:
                        self.alerts.stream(status)
                        name = f"private.{channel}"
                        self.listener.on_stream_state(name, status.state.value, status.detail)
                        await service.on_stream_status(status)
                        if status.state is StreamState.STALE:
                            await self.reconcile(ReconcileReason.SILENCE)
                    case ServerError(message=text):
                        log.warning("private stream server error: %s", text)
                    case BadFrame(reason=reason):
                        log.warning("private stream bad frame: %s", reason)
        finally:
            subscribing.cancel()

    def _private_notice(self, event: object) -> None:
        """What a private event tells the trader beyond the models (fills, and the positions
        they open or close: ``on_fill``)."""
        match event:
            # positions opened or closed: the fills' one notice per order burst says so, with
            # the P&L (a MARKET order that sweeps 14 levels opens 14 positions)
            case models.OrderEvent(msg_type="COR", cancel_type=kind) as e if kind not in (
                None,
                "USER",
            ):
                self.listener.on_message(
                    _("Order {id} cancelled by the exchange: {kind}").format(
                        id=e.order_id, kind=kind
                    ),
                    Severity.WARNING,
                )

    @staticmethod
    def _auth_failure(detail: str) -> str | None:
        """The exchange's words when a stream's failure was our key being rejected."""
        if "AuthenticationError" not in detail:
            return None
        return _("API key rejected by the exchange: {error}").format(
            error=detail.split("AuthenticationError: ")[-1]
        )

    def _private_reason(self, status: StreamStatus) -> str:
        return self._auth_failure(status.detail) or _("private stream {state}").format(
            state=_(status.state.value)
        )

    def _private_detail(self, detail: str) -> None:
        rejected = self._auth_failure(detail)
        if rejected is not None:
            self.banner(Banner.AUTH, rejected)
        if socket_says_down(detail):
            self._status_wake.set()

    async def reconcile(self, reason: ReconcileReason) -> None:
        service = self.service
        if service is None:
            return
        try:
            await service.reconcile(reason)
        except (GmoError, OSError) as exc:
            log.info("reconcile (%s) failed: %s", reason, exc)
            self._note_failure(exc)

    async def reconcile_clock(self) -> None:
        """Reconcile while anything is working or open and the last reconcile is old."""
        service = self.service
        assert service is not None
        while True:
            await asyncio.sleep(RECONCILE_TICK_S)
            if service.reconcile_due(self.now()):
                await self.reconcile(ReconcileReason.TIMER)

    # ------------------------------------------------------------------ TradingListener
    def on_notice(self, notice: TradingNotice) -> None:
        self.listener.on_notice(notice)

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        self.pnl.add(fill)
        self.refresh_balances()
        self.listener.on_fill(fill, source)
        if source is not FillSource.HISTORY:  # executed before the start: no fill alert
            self.alerts.fill(fill)

    def on_account_changed(self, part: AccountPart) -> None:
        self.listener.on_account_changed(part)
        if part is AccountPart.POSITIONS:
            self.check_losscuts()

    def on_entry_changed(self, gates: EntryGates) -> None:
        self.listener.on_entry_changed(gates)

    # ------------------------------------------------------------------ balances
    def refresh_balances(self) -> None:
        """Margin and assets soon (trailing debounce): after every fill, never skipped."""
        self._balances_wake.set()

    async def poll_balances(self) -> None:
        """Margin and assets every BALANCES_POLL_S and BALANCES_DEBOUNCE_S after the last
        of a burst of fills; the trading volume (fee tier) every minute."""
        volume_at = -1e9
        self._balances_wake.set()  # the first fetch at once
        while True:
            try:
                await asyncio.wait_for(self._balances_wake.wait(), BALANCES_POLL_S)
            except TimeoutError:
                pass
            while self._balances_wake.is_set():  # trailing: wait out the burst
                self._balances_wake.clear()
                await asyncio.sleep(BALANCES_DEBOUNCE_S)
            rest = self.rest
            want_volume = self.now() - volume_at >= VOLUME_EVERY_S
            margin, assets = await asyncio.gather(
                rest.get_margin(), rest.get_assets(), return_exceptions=True
            )
            if isinstance(margin, models.Margin):
                self.account.set_margin(margin)
            if isinstance(assets, list):
                self.account.set_assets(assets)
            if want_volume:
                try:
                    volume = await rest.get_trading_volume()
                except (GmoError, OSError) as exc:
                    log.info("trading volume: %s", exc)
                else:
                    volume_at = self.now()
                    self.account.set_volume(volume)
                    rest.set_tier(volume.tier_level)
            self.listener.on_balances()
            self.alerts.margin(self.account)

    # ------------------------------------------------------------------ account requests
    async def transfer(self, amount: Decimal, kind: TransferType) -> None:
        try:
            result = await self.rest.transfer(amount, kind)
        except ApiError as exc:
            self.listener.on_message(
                _("Transfer rejected: {error}").format(error=describe(exc)), Severity.ERROR
            )
            return
        self.listener.on_message(
            _("Transferred {amount} JPY ({kind})").format(
                amount=f"{result.transferred_amount:,.0f}", kind=_(kind.value)
            ),
            Severity.INFO,
        )
        self.refresh_balances()

    async def load_history(self, start: datetime, end: datetime) -> None:
        """JPY and crypto deposits/withdrawals over ``[start, end)`` in 30-minute windows."""
        rest, account = self.rest, self.account
        windows = list(iter_history_windows(start, end))
        crypto, skipped = history_assets(account.assets, self.symbol, self.rules)
        for index, (a, b) in enumerate(windows):
            self.listener.on_history(HistoryProgress(False, index, len(windows)))
            account.add_history(
                TransferKind.FIAT_DEPOSIT, await rest.get_fiat_deposit_history(a, b)
            )
            account.add_history(
                TransferKind.FIAT_WITHDRAWAL, await rest.get_fiat_withdrawal_history(a, b)
            )
            for symbol in crypto:
                account.add_history(
                    TransferKind.DEPOSIT, await rest.get_deposit_history(symbol, a, b)
                )
                account.add_history(
                    TransferKind.WITHDRAWAL, await rest.get_withdrawal_history(symbol, a, b)
                )
        rows = tuple(e for e in account.history() if start <= e.timestamp < end)
        self.listener.on_history(
            HistoryProgress(True, len(windows), len(windows), rows, tuple(crypto), skipped)
        )

    # ------------------------------------------------------------------ shutdown
    async def aclose(self) -> None:
        """Close the streams (the private one deletes its token), the service and the client."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for stream in (self.private, self.public):
            if stream is not None:
                try:
                    await asyncio.wait_for(stream.close(), 5)
                except Exception as exc:  # noqa: BLE001 - quitting must not fail
                    log.warning("closing %r: %s", stream, exc)
        if self.service is not None:
            try:
                await self.service.aclose()
                self.service.journal.close()
            except Exception as exc:  # noqa: BLE001
                log.warning("closing the trading service: %s", exc)
        await self.deck.aclose()
        await self.rest.aclose()

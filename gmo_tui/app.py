"""The Textual app: owns the REST client, the streams, the market state and the trading service.

Workers (``@work(exclusive=True, group=..., exit_on_error=False)``, one per stream or poll)
update the headless models of :mod:`gmo_tui.market` and post the messages of
:mod:`gmo_tui.messages`; the handlers here push the models into the (dumb) panes. Every order
action goes through :class:`gmo_tui.trading.service.TradingService`. Worker errors land in one
:meth:`GmoTuiApp.on_worker_state_changed` handler: a notification and the status bar; the app
keeps running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections import deque
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from gmo_tui import config as cfg
from gmo_tui import messages as msg
from gmo_tui.exchange import models
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import (
    ExchangeStatus,
    ExecutionType,
    KlineInterval,
    PrivateChannel,
    PublicChannel,
    Side,
)
from gmo_tui.exchange.errors import ApiError, GmoError
from gmo_tui.exchange.rest import GmoRestClient, iter_history_windows
from gmo_tui.exchange.streams import (
    BadFrame,
    CommandPacer,
    PrivateStream,
    PublicStream,
    Received,
    ServerError,
    StreamStatus,
)
from gmo_tui.heap import freeze_startup_heap
from gmo_tui.market.account import Account, TransferKind
from gmo_tui.market.book import Books
from gmo_tui.market.candles import CandleSeries
from gmo_tui.market.positions import Positions
from gmo_tui.market.tape import Tapes
from gmo_tui.market.watchlist import Watchlist as WatchModel
from gmo_tui.order_flows import OrderFlows
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.help import HelpScreen, binding_rows
from gmo_tui.screens.main import MainScreen
from gmo_tui.screens.symbol_search import SymbolSearch
from gmo_tui.themes import DOMAIN_DEFAULTS, load_themes
from gmo_tui.when_mounted import when_mounted as _when_mounted
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.formatting import JST, decimals_of, fmt
from gmo_tui.widgets.market_header import MarketHeader
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.order_ticket import OrderTicket
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from gmo_tui.widgets.status_bar import StatusBar
from gmo_tui.widgets.trades_tape import TradesTape
from gmo_tui.widgets.watchlist import Watchlist

log = logging.getLogger(__name__)

INTERVAL_KEYS = tuple(KlineInterval)
LATENCY_WINDOW = 200
# at most one tape repaint a frame (60 fps): a print is on screen in the next frame, and a burst
# of prints within one frame costs one repaint
TAPE_PAINT_S = 1 / 60
ACCOUNT_DEBOUNCE_S = 0.15
BALANCES_EVERY_S = 2.0
BALANCES_POLL_S = 15.0
VOLUME_EVERY_S = 60.0
DAY_OPEN_SPACING_S = 0.1
DAY_OPEN_DELAY_S = 1.0
DAY_OPEN_RELOAD_S = 3600.0
CHART_PAINT_S = 0.5
HEAP_FREEZE_AFTER_S = 6.0
CHART_CANDLES = 1000
HISTORY_ASSETS = 8
"""At most this many crypto assets get their deposit/withdrawal history fetched."""
SPARK_LEN = 12
PRIVATE_CHANNELS = (
    PrivateChannel.EXECUTION_EVENTS,
    PrivateChannel.ORDER_EVENTS,
    PrivateChannel.POSITION_EVENTS,
    PrivateChannel.POSITION_SUMMARY_EVENTS,
)
PUBLIC_CHANNELS = (
    (PublicChannel.ORDERBOOKS, "book"),
    (PublicChannel.TRADES, "trades"),
    (PublicChannel.TICKER, "ticker"),
)


def gmo_day(now: datetime) -> date:
    """GMO's kline day: the JST date, rolling over at 06:00 JST."""
    return (now.astimezone(JST) - timedelta(hours=6)).date()


def kline_dates(interval: KlineInterval, now: datetime) -> list[str]:
    """The ``date`` values to fetch for a chart: the previous and the current day (or year)."""
    day = gmo_day(now)
    if interval.date_format == "YYYYMMDD":
        return [(day - timedelta(days=1)).strftime("%Y%m%d"), day.strftime("%Y%m%d")]
    return [str(day.year - 1), str(day.year)]


class GmoCommands(Provider):
    """Command palette: switch symbol, run any action, switch theme."""

    def _commands(self) -> list[tuple[str, Any, str]]:
        app: GmoTuiApp = self.app  # type: ignore[assignment]
        commands: list[tuple[str, Any, str]] = []
        for symbol in app.symbols():
            commands.append(
                (
                    f"Symbol: {symbol}",
                    partial(app.switch_symbol, symbol),
                    "Switch the app to this symbol",
                )
            )
        for name in sorted(app.available_themes):
            commands.append(
                (f"Theme: {name}", partial(setattr, app, "theme", name), "Switch theme")
            )
        for interval in KlineInterval:
            commands.append(
                (
                    f"Chart interval: {interval.value}",
                    partial(app.set_interval_to, interval),
                    "Candle length",
                )
            )
        for action, title, help_text in app.PALETTE_ACTIONS:
            commands.append((title, partial(app.run_action, action), help_text))
        return commands

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            if title.startswith(("Symbol:", "Theme:", "Chart")):
                continue
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


class GmoTuiApp(OrderFlows, App):
    """The gmo-tui terminal trading app."""

    TITLE = "gmo-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {GmoCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("b", "ticket('BUY')", "Buy", id="ticket.buy", tooltip="BUY LIMIT at the best bid"),
        Binding(
            "s", "ticket('SELL')", "Sell", id="ticket.sell", tooltip="SELL LIMIT at the best ask"
        ),
        Binding("o", "focus_orders", "Orders", id="focus.orders", tooltip="Focus the orders table"),
        Binding(
            "p",
            "focus_positions",
            "Positions",
            id="focus.positions",
            tooltip="Focus the positions table",
        ),
        Binding("v", "focus_book", "Book", id="focus.book", tooltip="Focus the order book ladder"),
        Binding(
            "slash", "search", "Symbol", id="symbol.search", tooltip="Search and switch symbol"
        ),
        Binding(
            "t", "pane('tape')", "Tape", show=False, id="pane.tape", tooltip="Show the trades tape"
        ),
        Binding(
            "g", "pane('chart')", "Chart", show=False, id="pane.chart", tooltip="Show the chart"
        ),
        Binding(
            "w",
            "pane('watchlist')",
            "Watch",
            show=False,
            id="pane.watchlist",
            tooltip="Show the watchlist",
        ),
        Binding(
            "a",
            "pane('account')",
            "Account",
            show=False,
            id="pane.account",
            tooltip="Show the account tabs",
        ),
        Binding(
            "comma",
            "interval(-1)",
            "Shorter",
            show=False,
            id="chart.shorter",
            tooltip="Shorter candles",
        ),
        Binding(
            "full_stop",
            "interval(1)",
            "Longer",
            show=False,
            id="chart.longer",
            tooltip="Longer candles",
        ),
        Binding("question_mark", "help", "Help", id="app.help", tooltip="All keys"),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Close streams and quit"),
    ]
    PALETTE_ACTIONS = (
        ("ticket('BUY')", "Buy: open the ticket (BUY LIMIT)", "Ticket at the best bid"),
        ("ticket('SELL')", "Sell: open the ticket (SELL LIMIT)", "Ticket at the best ask"),
        ("focus_orders", "Orders: focus the orders table", "c cancel, e change, C cancel all"),
        (
            "focus_positions",
            "Positions: focus the positions table",
            "x close, l losscut, X close all",
        ),
        ("search", "Symbol search", "Type to filter symbols"),
        ("pane('chart')", "Show chart", ""),
        ("pane('tape')", "Show trades tape", ""),
        ("pane('watchlist')", "Show watchlist", ""),
        ("pane('account')", "Show account tabs", ""),
        (
            "refresh_account",
            "Refresh account data",
            "Orders, positions, executions, assets, margin",
        ),
        ("help", "Help: every key", ""),
        ("quit", "Quit", "Close the streams, delete the private token"),
    )

    def __init__(
        self,
        settings: cfg.Settings | None = None,
        credentials: Credentials | None = None,
        *,
        mode: str = "LIVE",
        journal_path: str | None = None,
        now: Any = time.time,
        market_time: Any = None,
        show_metrics: bool = True,
        freeze_heap: bool = False,
    ):
        self.settings = settings or cfg.Settings()
        # the CLI freezes the start-up heap (gmo_tui/heap.py); tests and embedders keep the
        # process's garbage collector as they set it
        self.freeze_heap = freeze_heap
        super().__init__()
        self.credentials = credentials
        self.mode = mode
        self.journal_path = journal_path
        self.now = now
        """Wall clock (float seconds) for freshness: the same clock the streams stamp frames with."""
        self.market_time = market_time or (lambda: datetime.now(UTC))
        """The exchange's "now" for choosing kline days and history ranges (frozen in snapshots)."""
        self.show_metrics = show_metrics
        self.symbol = self.settings.symbol
        self.interval = KlineInterval.MIN1
        self.rest: GmoRestClient | None = None
        self.public: PublicStream | None = None
        self.private: PrivateStream | None = None
        self.service: Any = None
        self.tracker: Any = None
        self.books = Books()
        self.tapes = Tapes(maxlen=500)
        self.rules: dict[str, models.SymbolRule] = {}
        self._watch_places: dict[str, int] | None = None
        self.tickers: dict[str, models.Ticker] = {}
        self.watch = WatchModel(
            spark_len=SPARK_LEN, spark_interval=max(1.0, self.settings.ticker_poll_seconds)
        )
        """Every symbol's last, 24h reference and sparkline (the watchlist and header read it)."""
        self.exchange_status = "?"
        self.orders: dict[int, models.Order] = {}
        self.positions = Positions()
        """Open positions of every symbol (REST loads and positionEvents); shared with the
        trading service, which finds positions to close in it."""
        self.executions: dict[int, models.Execution] = {}
        self.account = Account()
        """Assets, margin, trading volume and transfer history (the account tabs read it)."""
        self.latencies: deque[float] = deque(maxlen=LATENCY_WINDOW)
        self._book_pending: set[str] = set()
        self._subscribed: str | None = None
        self._channel_symbol: dict[str, str] = {}
        self._pending_subscribe: asyncio.Task[None] | None = None
        self._private_subscribe: asyncio.Task[None] | None = None
        self._last_positions_touch: tuple[Decimal | None, Decimal | None] = (None, None)
        self.fills_seen = 0
        self._closing_down = False
        self._tape_timer = False
        self._tape_painted = 0.0
        self._balances_at = -1e9
        self._volume_at = -1e9
        self._chart_timer = False
        self.candles = CandleSeries(self.symbol, self.interval, maxlen=CHART_CANDLES)
        """Candles of the current (symbol, interval): loaded from klines, fed every trade."""
        self._candles_live = False
        self.notices: list[str] = []
        self.main = MainScreen()

    # ------------------------------------------------------------------ set-up
    def get_default_screen(self) -> Screen:
        return self.main

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    @property
    def has_credentials(self) -> bool:
        return self.credentials is not None

    def on_mount(self) -> None:
        for theme in load_themes(cfg.config_dir() / "themes"):
            self.register_theme(theme)
        try:
            self.theme = self.settings.theme
        except Exception:  # noqa: BLE001 - an unknown theme name must not stop the app
            self.notify(
                f"Unknown theme {self.settings.theme!r}; using gmo-dark", severity="warning"
            )
            self.theme = "gmo-dark"
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.rest = GmoRestClient(
            self.settings.endpoint, self.credentials, tier=self.settings.tier, timeout=10.0
        )
        # one subscribe command a second per IP, shared by both streams
        self.pacer = CommandPacer(self.settings.ws_command_interval)
        self.public = PublicStream(self.settings.endpoint, pacer=self.pacer)

    @_when_mounted
    def start_ui(self) -> None:
        """Called by the main screen once its panes exist: fill them and start the workers."""
        header = self.main.query_one(MarketHeader)
        header.mode = self.mode
        header.symbol = self.symbol
        self.main.query_one(StatusBar).streams = {
            "book": "CONNECTING",
            "trades": "CONNECTING",
            "ticker": "CONNECTING",
        }
        account = self.main.query_one(AccountPanel)
        account.set_has_key(self.has_credentials, cfg.HOW_TO_ADD_KEY)
        self.main.query_one(OrderTicket).private = self.has_credentials
        self.main.query_one(CandleChart).set_loading(self.symbol, self.interval)
        self.bootstrap()
        self.run_public_stream()
        self.poll_tickers()
        if self.has_credentials:
            self.main.query_one(StatusBar).set_stream("private", "CONNECTING")
            self.start_trading()
        self.set_interval(1.0, self.update_metrics)
        # once the first book, candles and day opens are in: keep the start-up heap out of
        # every later full garbage collection (each one was an ~80 ms stall)
        if self.freeze_heap:
            self.set_timer(HEAP_FREEZE_AFTER_S, freeze_startup_heap)
        # the 24h reference moves with the clock: reload it (the model marks it provisional
        # once a day old)
        self.set_interval(DAY_OPEN_RELOAD_S, self.load_day_opens)
        if self.has_credentials:
            self.set_interval(BALANCES_POLL_S, self.refresh_balances)
        self.main.query_one(OrderBookLadder).focus()

    # ------------------------------------------------------------------ workers
    @work(exclusive=True, group="bootstrap", exit_on_error=False)
    async def bootstrap(self) -> None:
        """Symbols and rules, exchange status, the first book/trades/candles of the symbol."""
        assert self.rest is not None
        rules = await self.rest.get_symbols()
        self.post_message(msg.SymbolsLoaded(tuple(rules)))
        status = await self.rest.get_status()
        self.post_message(msg.ExchangeStatusChanged(status.status))
        await self._load_symbol_snapshot(self.symbol)
        self.load_day_opens()

    async def _load_symbol_snapshot(self, symbol: str) -> None:
        assert self.rest is not None
        book, trades = await asyncio.gather(
            self.rest.get_orderbook(symbol), self.rest.get_trades(symbol, count=100)
        )
        tape = self.tapes[symbol]
        if tape.appended == 0:
            tape.load(list(trades.list))
            self.post_message(msg.TradesArrived(symbol, ()))
        if self.books[symbol].snapshots == 0:
            self.books[symbol].apply(book, self.now())
            self._post_book(symbol)

    @work(exclusive=True, group="klines", exit_on_error=False)
    async def load_klines(self, symbol: str, interval: KlineInterval) -> None:
        assert self.rest is not None
        klines: list[models.Kline] = []
        for day in kline_dates(interval, self.market_time()):
            try:
                klines.extend(await self.rest.get_klines(symbol, interval, day))
            except ApiError as exc:
                log.info("klines %s %s %s: %s", symbol, interval, day, exc)
        klines.sort(key=lambda k: k.open_ms)
        self.post_message(msg.KlinesLoaded(symbol, interval, tuple(klines)))

    @work(exclusive=True, group="day-open", exit_on_error=False)
    async def load_day_opens(self) -> None:
        """The price 24 hours ago of every symbol (from hourly candles), for the 24h change.

        The current symbol first; the others concurrently (the REST client paces them)."""
        assert self.rest is not None
        now = self.market_time()
        target = int((now - timedelta(hours=24)).timestamp() * 1000)
        rest = self.rest

        day = gmo_day(now - timedelta(hours=24)).strftime("%Y%m%d")  # the day holding that hour

        async def one(symbol: str) -> None:
            try:
                candles = await rest.get_klines(symbol, KlineInterval.HOUR1, day)
            except ApiError:
                return
            if candles:
                ref = min(candles, key=lambda k: abs(k.open_ms - target))
                # the reference is the price 24h before ``now``; it is stale (and the model
                # goes provisional) once a day has passed since ``now``
                self.watch.set_daily_open(symbol, ref.open, now)

        await one(self.symbol)
        self.post_message(msg.TickersPolled(tuple(self.tickers.values())))
        # the others in the background, a moment after the first paint, paced so the chart
        # and book requests never queue behind them
        await asyncio.sleep(DAY_OPEN_DELAY_S)
        tasks = []
        for symbol in self.symbols():
            if symbol != self.symbol:
                tasks.append(asyncio.create_task(one(symbol)))
                await asyncio.sleep(DAY_OPEN_SPACING_S)
        await asyncio.gather(*tasks)
        self.post_message(msg.TickersPolled(tuple(self.tickers.values())))

    @work(exclusive=True, group="ticker-poll", exit_on_error=False)
    async def poll_tickers(self) -> None:
        assert self.rest is not None
        last_status = 0.0
        while True:
            try:
                tickers = await self.rest.get_ticker()
                self.post_message(msg.TickersPolled(tuple(tickers)))
            except GmoError as exc:
                log.info("ticker poll failed: %s", exc)
                self._maybe_maintenance(exc)
            if self.now() - last_status >= self.settings.status_poll_seconds:
                last_status = self.now()
                try:
                    status = await self.rest.get_status()
                except GmoError as exc:
                    self._maybe_maintenance(exc)
                else:
                    if status.status.value != self.exchange_status:
                        self.post_message(msg.ExchangeStatusChanged(status.status))
            await asyncio.sleep(self.settings.ticker_poll_seconds)

    def _maybe_maintenance(self, exc: BaseException) -> None:
        """ERR-5201/5202 on any call means maintenance: show the banner at once."""
        codes = getattr(exc, "all_codes", ())
        if "ERR-5201" in codes or "ERR-5202" in codes:
            if self.exchange_status != ExchangeStatus.MAINTENANCE.value:
                self.post_message(msg.ExchangeStatusChanged(ExchangeStatus.MAINTENANCE))

    @work(exclusive=True, group="public-stream", exit_on_error=False)
    async def run_public_stream(self) -> None:
        """The public WebSocket: book, trades and ticker of the current symbol."""
        stream = self.public
        assert stream is not None
        # subscribing is paced (one command a second per IP): iterate meanwhile
        self._pending_subscribe = asyncio.create_task(self._subscribe(self.symbol))
        books, tapes, post = self.books, self.tapes, self.post_message
        pending = self._book_pending
        latencies = self.latencies
        async for item in stream:
            if isinstance(item, Received):
                event = item.event
                if isinstance(event, models.OrderBookEvent):
                    books.apply(event, item.received_at)
                    if event.timestamp is not None:
                        latencies.append(item.received_at - event.timestamp.timestamp())
                    if event.symbol not in pending:
                        pending.add(event.symbol)
                        post(msg.BookUpdated(event.symbol, item.received_at))
                elif isinstance(event, models.TradeEvent):
                    tapes[event.symbol or self.symbol].append(event)
                    series = self.candles
                    if self._candles_live and event.symbol in (None, series.symbol):
                        series.apply_trade(event)
                    post(msg.TradesArrived(event.symbol or self.symbol, (event,)))
                elif isinstance(event, models.TickerEvent):
                    post(msg.TickerUpdated(event))
            elif isinstance(item, StreamStatus):
                name = (
                    dict(PUBLIC_CHANNELS).get(item.channel, "public") if item.channel else "public"
                )
                post(msg.StreamStateChanged(name, str(item.state), item.detail, item.reconnects))
            elif isinstance(item, ServerError):
                log.warning("public stream server error: %s", item.message)
            elif isinstance(item, BadFrame):
                log.warning("public stream bad frame: %s", item.reason)

    async def _subscribe(self, symbol: str) -> None:
        """Per channel (book first): unsubscribe the old symbol, then subscribe the new one."""
        stream = self.public
        assert stream is not None
        self._subscribed = symbol
        for channel, _ in PUBLIC_CHANNELS:
            old = self._channel_symbol.get(channel)
            if old == symbol:
                continue
            if old is not None:
                await stream.unsubscribe(channel, old)
                self._channel_symbol.pop(channel, None)
            await stream.subscribe(channel, symbol)
            self._channel_symbol[channel] = symbol

    @work(exclusive=True, group="resubscribe", exit_on_error=False)
    async def resubscribe(self, symbol: str) -> None:
        await self._load_symbol_snapshot(symbol)
        await self._subscribe(symbol)

    # ------------------------------------------------------------------ private side
    def start_trading(self) -> None:
        """Build the trading service (every order action goes through it) and the private feed."""
        try:
            from gmo_tui.market.orders import OrderTracker
            from gmo_tui.trading.journal import Journal
            from gmo_tui.trading.service import TradingService
        except ImportError as exc:  # the service lands separately; the app still shows data
            log.warning("trading service unavailable: %s", exc)
            self.notify(f"Order entry unavailable: {exc}", severity="error", timeout=10)
        else:
            try:
                fills: Any = _fills_ledger()
                self.tracker = OrderTracker()
                self.service = TradingService(
                    self.rest,
                    tracker=self.tracker,
                    fills=fills,
                    books=self.books,
                    rules=self.rules,
                    limits=self.settings.safety_limits(),
                    journal=Journal(self.journal_path) if self.journal_path else Journal(),
                    notify=self._trading_notice,
                    watch_symbols=(self.symbol,),
                    positions=self.positions,
                )
            except Exception as exc:  # noqa: BLE001 - show why, keep the market panes
                log.exception("trading service could not start")
                self.notify(f"Order entry unavailable: {exc}", severity="error", timeout=10)
                self.service = None
        self.run_private_stream()

    @work(exclusive=True, group="private-stream", exit_on_error=False)
    async def run_private_stream(self) -> None:
        assert self.rest is not None
        if self.service is not None:
            self.start_service()
        self.private = PrivateStream(self.rest, self.settings.endpoint, pacer=self.pacer)
        stream = self.private

        async def subscribe_all() -> None:
            for channel in PRIVATE_CHANNELS:
                option = "PERIODIC" if channel is PrivateChannel.POSITION_SUMMARY_EVENTS else None
                await stream.subscribe(channel, option)

        self._private_subscribe = asyncio.create_task(subscribe_all())
        self.refresh_account()
        was_live = False
        async for item in stream:
            if isinstance(item, Received):
                if self.service is not None:
                    # the service applies it to the order tracker and the fills ledger and
                    # journals status changes of our orders
                    try:
                        await self.service.on_private_event(item.event)
                    except Exception:  # noqa: BLE001 - one bad event must not stop the feed
                        log.exception("trading service could not apply a private event")
                self._route_private(item.event)
            elif isinstance(item, StreamStatus):
                if item.channel is None:
                    self.post_message(
                        msg.StreamStateChanged(
                            "private", str(item.state), item.detail, item.reconnects
                        )
                    )
                    if str(item.state) == "LIVE":
                        if was_live and self.service is not None:
                            await self.service.on_private_reconnected()
                            self.refresh_account()
                        was_live = True
                if self.service is not None and hasattr(self.service, "on_stream_status"):
                    await self.service.on_stream_status(item)
            elif isinstance(item, ServerError):
                log.warning("private stream server error: %s", item.message)

    @work(exclusive=True, group="service-start", exit_on_error=False)
    async def start_service(self) -> None:
        """Reconcile the journal with the exchange, then enable order entry."""
        await self._wait_for_rules()
        await self.service.start()

    async def _wait_for_rules(self) -> None:
        for _ in range(200):
            if self.rules:
                return
            await asyncio.sleep(0.05)

    def _route_private(self, event: Any) -> None:
        """Panes and notifications for a private event (the models are the service's job)."""
        if isinstance(event, models.ExecutionEvent):
            self.post_message(msg.FillArrived(event))
            self.refresh_account()
        elif isinstance(event, models.OrderEvent):
            self.post_message(msg.PrivateEvent(event))
            self.refresh_account()
        elif isinstance(event, models.PositionEvent):
            self.positions.apply_event(event)
            self.post_message(msg.PrivateEvent(event))
            self.refresh_account()
        elif isinstance(event, models.PositionSummaryEvent):
            if event.msg_type != "PERIODIC":
                self.refresh_account()

    @work(exclusive=True, group="account", exit_on_error=False)
    async def refresh_account(self) -> None:
        """Orders, positions, executions, margin, assets and volume of the account (debounced)."""
        if self.rest is None or not self.has_credentials:
            return
        await asyncio.sleep(ACCOUNT_DEBOUNCE_S)  # a burst of private events: one refresh
        symbol = self.symbol
        rest = self.rest
        orders = await rest.get_active_orders(symbol)
        self.post_message(msg.OrdersChanged(symbol, orders.list))
        rule = self.rules.get(symbol)
        if rule is None or rule.is_margin:
            positions = await rest.get_open_positions(symbol)
            self.post_message(msg.PositionsChanged(symbol, positions.list))
        else:
            self.post_message(msg.PositionsChanged(symbol, ()))
        executions = await rest.get_latest_executions(symbol)
        self.post_message(msg.ExecutionsChanged(symbol, executions.list))
        if self.now() - self._balances_at >= BALANCES_EVERY_S:
            self.refresh_balances()

    @work(exclusive=True, group="balances", exit_on_error=False)
    async def refresh_balances(self) -> None:
        """Margin and assets (at most every BALANCES_EVERY_S), trading volume every minute."""
        rest = self.rest
        if rest is None or not self.has_credentials:
            return
        now = self.now()
        want_volume = now - self._volume_at >= VOLUME_EVERY_S
        calls = [rest.get_margin(), rest.get_assets()]
        if want_volume:
            calls.append(rest.get_trading_volume())
        results = await asyncio.gather(*calls, return_exceptions=True)
        margin, assets = results[0], results[1]
        volume = results[2] if want_volume else None
        self._balances_at = now
        if isinstance(volume, models.TradingVolume):
            self._volume_at = now
        self.post_message(
            msg.AccountChanged(
                margin=margin if isinstance(margin, models.Margin) else None,
                assets=tuple(assets) if isinstance(assets, list) else None,
                volume=volume if isinstance(volume, models.TradingVolume) else None,
            )
        )
        if isinstance(volume, models.TradingVolume):
            rest.set_tier(volume.tier_level)

    @work(exclusive=True, group="history", exit_on_error=False)
    async def load_history(self, start: datetime, end: datetime) -> None:
        """JPY and crypto deposits/withdrawals over ``[start, end)`` in 30-minute windows, into
        the account model. Crypto: the assets the account holds and the current symbol's base
        asset (see :func:`history_assets`)."""
        rest = self.rest
        assert rest is not None
        windows = list(iter_history_windows(start, end))
        crypto, skipped = history_assets(
            self.account.assets, self.symbol, self.rules, HISTORY_ASSETS
        )
        account = self.account
        for index, (a, b) in enumerate(windows):
            self.post_message(msg.HistoryLoaded("progress", (), index))
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
        self.post_message(
            msg.HistoryLoaded("done", rows, len(windows), assets=tuple(crypto), skipped=skipped)
        )

    # ------------------------------------------------------------------ worker errors
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker errors are handled: notify, show in the status bar, keep going."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or self._closing_down:
            return
        error = worker.error
        text = str(error) if isinstance(error, GmoError) else f"{type(error).__name__}: {error}"
        log.error("worker %s failed: %s", worker.group, text, exc_info=error)
        self.notify(f"{worker.group}: {text}", severity="error", timeout=8)
        with contextlib.suppress(NoMatches):
            self.main.query_one(StatusBar).message = f"{worker.group} failed"
        if (
            worker.group in ("public-stream", "private-stream", "ticker-poll")
            and not self._closing_down
        ):
            # a stream worker never stays dead: retry after a pause
            self.set_timer(3.0, getattr(self, _RESTART[worker.group]))

    # ------------------------------------------------------------------ message handlers
    @_when_mounted
    def on_symbols_loaded(self, message: msg.SymbolsLoaded) -> None:
        self.rules.clear()
        self.rules.update({r.symbol: r for r in message.rules})
        self._watch_places = None
        if self.symbol not in self.rules and self.rules:
            self.notify(
                f"Unknown symbol {self.symbol}; switching to {next(iter(self.rules))}",
                severity="warning",
            )
            self.switch_symbol(next(iter(self.rules)))
            return
        self._apply_rules()
        self._show_watchlist()
        self.load_klines(self.symbol, self.interval)

    def _apply_rules(self) -> None:
        rule = self.rules.get(self.symbol)
        if rule is None:
            return
        self.main.query_one(OrderBookLadder).set_rules(rule.tick_size, rule.size_step)
        tape = self.main.query_one(TradesTape)
        tape.set_tape(self.tapes[self.symbol], rule.tick_size, rule.size_step)
        self.main.query_one(CandleChart).tick = rule.tick_size
        self.main.query_one(MarketHeader).tick = rule.tick_size
        self.main.query_one(OrderTicket).set_symbol(self.symbol, rule)

    @_when_mounted
    def on_exchange_status_changed(self, message: msg.ExchangeStatusChanged) -> None:
        previous = self.exchange_status
        self.exchange_status = message.status.value
        self.main.query_one(MarketHeader).exchange_status = message.status.value
        if message.status is not ExchangeStatus.OPEN:
            self.notify(
                f"Exchange {message.status.value}: order entry is halted until it is OPEN again",
                severity="warning",
                timeout=15,
            )
        elif previous not in ("?", "OPEN"):
            self.notify("Exchange OPEN again", severity="information")
        if self.service is not None and hasattr(self.service, "on_exchange_status"):
            self.run_worker(
                self.service.on_exchange_status(message.status), group="status", exit_on_error=False
            )

    @_when_mounted
    def on_book_updated(self, message: msg.BookUpdated) -> None:
        self._book_pending.discard(message.symbol)
        if message.symbol != self.symbol:
            return
        self._post_book_to_panes()

    def _post_book(self, symbol: str) -> None:
        if symbol not in self._book_pending:
            self._book_pending.add(symbol)
            self.post_message(msg.BookUpdated(symbol, self.now()))

    @_when_mounted
    def _post_book_to_panes(self) -> None:
        book = self.books[self.symbol]
        self.main.query_one(OrderBookLadder).set_book(book, self._own_levels())
        # the header's bid/ask come from the ticker (about once a second): a header repaint on
        # every book would widen each frame's repaint to the whole screen (Textual repaints the
        # bounding box of the dirty regions); the ladder shows the live touch
        self.main.query_one(OrderTicket).set_touch(book.best_bid, book.best_ask)
        if len(self.positions):
            touch = (book.best_bid, book.best_ask)
            if touch != self._last_positions_touch:
                self._last_positions_touch = touch
                self._show_positions()

    def _own_levels(self) -> dict[tuple[Side, Decimal], Decimal]:
        own: dict[tuple[Side, Decimal], Decimal] = {}
        for order in self.orders.values():
            if order.symbol != self.symbol or order.execution_type is not ExecutionType.LIMIT:
                continue
            if not order.status.is_active:
                continue
            key = (order.side, order.price)
            own[key] = own.get(key, Decimal(0)) + order.size - order.executed_size
        return own

    @_when_mounted
    def on_trades_arrived(self, message: msg.TradesArrived) -> None:
        if message.symbol != self.symbol:
            return
        # leading edge: the first print after a quiet spell paints at once; a burst then costs
        # at most one tape repaint every TAPE_PAINT_S (the chart: every CHART_PAINT_S); no
        # timer runs while nothing trades
        if not self._tape_timer:
            wait = self._tape_painted + TAPE_PAINT_S - self.now()
            if wait <= 0:
                self._paint_tape()
            else:
                self._tape_timer = True
                self.set_timer(wait, self._paint_tape)
        if message.trades:
            if not self._chart_timer:
                self._chart_timer = True
                self.set_timer(CHART_PAINT_S, self._paint_chart)

    @_when_mounted
    def _paint_tape(self) -> None:
        self._tape_timer = False
        self._tape_painted = self.now()
        self.main.query_one(TradesTape).update()

    @_when_mounted
    def _paint_chart(self) -> None:
        self._chart_timer = False
        self.main.query_one(CandleChart).refresh_if_changed()

    @_when_mounted
    def on_ticker_updated(self, message: msg.TickerUpdated) -> None:
        ticker = message.ticker
        self._remember_ticker(ticker)
        if ticker.symbol == self.symbol:
            self.main.query_one(MarketHeader).ticker = ticker
            self._update_header_change()
        if ticker.symbol in self.rules:
            self._show_watchlist()  # only the changed row is rebuilt

    @_when_mounted
    def on_tickers_polled(self, message: msg.TickersPolled) -> None:
        for ticker in message.tickers:
            self._remember_ticker(ticker)
            if ticker.symbol == self.symbol:
                self.main.query_one(MarketHeader).ticker = ticker
        self._update_header_change()
        self._show_watchlist()

    def _remember_ticker(self, ticker: models.Ticker) -> None:
        self.tickers[ticker.symbol] = ticker
        self.watch.update_ticker(ticker, self.now())

    def change_24h(self, symbol: str) -> Decimal | None:
        """The 24h change as a fraction; None until the reference price 24h ago is loaded."""
        if symbol not in self.watch:
            return None
        row = self.watch.row(symbol)
        pct = None if row.provisional else row.change_pct
        return None if pct is None else pct / 100

    @_when_mounted
    def _update_header_change(self) -> None:
        self.main.query_one(MarketHeader).change = self.change_24h(self.symbol)

    @_when_mounted
    def _show_watchlist(self) -> None:
        # price places per symbol: recomputed only when the rules are reloaded (a ticker
        # arrives ten times a second)
        places = self._watch_places
        if places is None or len(places) != len(self.rules):
            places = {s: decimals_of(rule.tick_size) for s, rule in self.rules.items()}
            self._watch_places = places
        self.main.query_one(Watchlist).show(self.watch.rows(self.symbols()), places)

    @_when_mounted
    def on_klines_loaded(self, message: msg.KlinesLoaded) -> None:
        series = self.candles
        if message.symbol == series.symbol and message.interval == series.interval:
            series.load(message.klines)
            self._candles_live = True
            self.main.query_one(CandleChart).show_series(series)

    @_when_mounted
    def on_stream_state_changed(self, message: msg.StreamStateChanged) -> None:
        bar = self.main.query_one(StatusBar)
        if message.stream == "public":
            # the socket's state is every channel's state; a channel shows on its own only
            # while it differs (e.g. trades STALE on a live socket)
            for name in [n for n in bar.streams if n in _CHANNEL_NAMES]:
                bar.set_stream(name, message.state)
        bar.set_stream(message.stream, message.state)

    @_when_mounted
    def update_metrics(self) -> None:
        if not self.show_metrics:
            return
        lat = None
        if self.latencies:
            lat = statistics.median(self.latencies) * 1000
        offset = usage = None
        if self.rest is not None:
            offset = float(self.rest.clock.offset_ms) if self.rest.clock.synced else None
            u = self.rest.limiter.usage()
            if self.has_credentials:
                usage = max(u.get, u.post) / u.limit if u.limit else None
            else:
                usage = u.public / u.public_limit if getattr(u, "public_limit", 0) else None
        bad = sum(
            stream.counters.get("bad_frames", 0)
            for stream in (self.public, self.private)
            if stream is not None
        )
        bar = self.main.query_one(StatusBar)
        bar.latency_ms, bar.clock_offset_ms, bar.rest_usage = lat, offset, usage
        bar.bad_frames = bad

    # ------------------------------------------------------------------ account messages
    def _places(self) -> tuple[int, int]:
        rule = self.rules.get(self.symbol)
        if rule is None:
            return 0, 4
        return decimals_of(rule.tick_size), decimals_of(rule.size_step)

    def _colours(self) -> dict[str, str]:
        return self.theme_variables

    @_when_mounted
    def on_orders_changed(self, message: msg.OrdersChanged) -> None:
        if message.symbol != self.symbol:
            return
        self.orders = {o.order_id: o for o in message.orders}
        tp, sp = self._places()
        self.main.query_one(OrdersTable).show(message.orders, tp, sp, self._colours())
        self.main.query_one(OrderBookLadder).set_own(self._own_levels())

    @_when_mounted
    def on_positions_changed(self, message: msg.PositionsChanged) -> None:
        self.positions.load(message.positions, message.symbol)
        if message.symbol != self.symbol:
            return
        self._show_positions()

    @_when_mounted
    def _show_positions(self) -> None:
        book = self.books[self.symbol]
        tp, sp = self._places()
        positions = self.positions.all(self.symbol)
        pnl = {p.position_id: self.positions.unrealised(p, book) for p in positions}
        self.main.query_one(PositionsTable).show(positions, pnl, tp, sp, self._colours())

    @_when_mounted
    def on_executions_changed(self, message: msg.ExecutionsChanged) -> None:
        if message.symbol != self.symbol:
            return
        self.executions = {e.execution_id: e for e in message.executions}
        tp, sp = self._places()
        self.main.query_one(AccountPanel).show_executions(
            message.executions, tp, sp, self._colours()
        )

    @_when_mounted
    def on_account_changed(self, message: msg.AccountChanged) -> None:
        panel = self.main.query_one(AccountPanel)
        account = self.account
        if message.margin is not None:
            account.set_margin(message.margin)
            panel.show_margin(message.margin)
        if message.assets is not None:
            account.set_assets(message.assets)
            panel.show_assets(account)
        if message.volume is not None:
            account.set_volume(message.volume)
            panel.show_volume(message.volume)

    @_when_mounted
    def on_history_loaded(self, message: msg.HistoryLoaded) -> None:
        panel = self.main.query_one(AccountPanel)
        if message.kind == "progress":
            panel.query_one("#history-status").update(f"fetching window {message.windows + 1}…")  # type: ignore[attr-defined]
            return
        crypto = ", ".join(message.assets) or "none"
        more = f"; {message.skipped} more held assets not fetched" if message.skipped else ""
        panel.show_history(
            message.rows,
            f"{len(message.rows)} entries from {message.windows} windows of 30 minutes"
            f" · JPY and crypto {crypto} (held assets and {self.symbol}'s base,"
            f" at most {HISTORY_ASSETS}){more}",
        )

    @_when_mounted
    def on_fill_arrived(self, message: msg.FillArrived) -> None:
        e = message.event
        self.fills_seen += 1
        rule = self.rules.get(e.symbol)
        pd = decimals_of(rule.tick_size) if rule else 0
        self._notice(
            f"Fill: {e.side.value} {e.execution_size:f} {e.symbol} @ {fmt(e.execution_price, pd)}"
            f" (order {e.order_id}, fee {fmt(e.fee, 0)} JPY)",
            "information",
        )
        if self.settings.bell:
            self.bell()

    @_when_mounted
    def on_private_event(self, message: msg.PrivateEvent) -> None:
        event = message.event
        if isinstance(event, models.PositionEvent):
            if event.symbol == self.symbol:
                self._show_positions()
            if event.msg_type == "OPR":
                self._notice(
                    f"Position {event.position_id} opened: {event.side.value} {event.size:f} {event.symbol} @ {event.price:f}"
                )
            elif event.msg_type == "CPR":
                self._notice(f"Position {event.position_id} closed ({event.symbol})")
        elif (
            isinstance(event, models.OrderEvent)
            and event.msg_type == "COR"
            and event.cancel_type not in (None, "USER")
        ):
            self._notice(
                f"Order {event.order_id} cancelled by the exchange: {event.cancel_type}", "warning"
            )

    def _notice(self, text: str, severity: str = "information", timeout: float = 6) -> None:
        self.notices.append(text)
        log.info("notice: %s", text)
        self.notify(text, severity=severity, timeout=timeout)  # type: ignore[arg-type]

    def _trading_notice(self, notice: Any) -> None:
        severity = {"error": "error", "warning": "warning"}.get(
            getattr(notice, "level", "info"), "information"
        )
        kind = str(getattr(notice, "kind", ""))
        if kind.endswith("REJECTED"):
            # the action's own result already says so, with the exchange's message
            log.info("trading notice: %s", notice.message)
            return
        if kind.endswith("ENABLED") or kind.endswith("RECONCILED"):
            self.main.query_one(StatusBar).message = notice.message
            return
        self._notice(notice.message, severity)

    # ------------------------------------------------------------------ symbol / interval
    def symbols(self) -> list[str]:
        return sorted(self.rules, key=lambda s: (s.endswith("_JPY"), s))

    def switch_symbol(self, symbol: str) -> None:
        """Make ``symbol`` current: resubscribe (unsubscribe the old first) and reload panes."""
        if symbol == self.symbol and self._subscribed == symbol:
            return
        self.symbol = symbol
        self.orders, self.executions = {}, {}
        header = self.main.query_one(MarketHeader)
        header.symbol = symbol
        header.ticker = self.tickers.get(symbol)
        header.bid = header.ask = None
        self._update_header_change()
        self.main.query_one(OrderBookLadder).clear()
        self._apply_rules()
        self.main.query_one(TradesTape).set_tape(self.tapes[symbol])
        self._new_candles()
        self.main.query_one(OrdersTable).show((), 0, 0, {})
        self._show_positions()
        if self.books[symbol].snapshots:
            self._post_book_to_panes()
        if self.public is not None:
            self.resubscribe(symbol)
        self.load_klines(symbol, self.interval)
        if self.service is not None:
            self.service.watch_symbols.add(symbol)
        self.refresh_account()

    @_when_mounted
    def on_symbol_chosen(self, message: msg.SymbolChosen) -> None:
        self.switch_symbol(message.symbol)

    def set_interval_to(self, interval: KlineInterval) -> None:
        if interval == self.interval:
            return
        self.interval = interval
        self._new_candles()
        self.load_klines(self.symbol, interval)

    def _new_candles(self) -> None:
        """A fresh series for the current (symbol, interval); live once its klines load."""
        self.candles = CandleSeries(self.symbol, self.interval, maxlen=CHART_CANDLES)
        self._candles_live = False
        with contextlib.suppress(NoMatches):
            self.main.query_one(CandleChart).set_loading(self.symbol, self.interval)

    @_when_mounted
    def on_interval_chosen(self, message: msg.IntervalChosen) -> None:
        self.set_interval_to(message.interval)

    def action_interval(self, delta: int) -> None:
        index = INTERVAL_KEYS.index(self.interval)
        self.set_interval_to(INTERVAL_KEYS[max(0, min(len(INTERVAL_KEYS) - 1, index + delta))])

    @_when_mounted
    def on_price_picked(self, message: msg.PricePicked) -> None:
        ticket = self.main.query_one(OrderTicket)
        ticket.set_price(message.price)
        if message.side is not None:
            ticket.prepare(message.side, message.price)

    # ------------------------------------------------------------------ actions
    def action_ticket(self, side: str) -> None:
        book = self.books[self.symbol]
        side_ = Side(side)
        price = book.best_bid if side_ is Side.BUY else book.best_ask
        self.main.show_pane(self.main.active_pane)
        self.main.query_one(OrderTicket).prepare(side_, price)

    def action_focus_book(self) -> None:
        self.main.query_one(OrderBookLadder).focus()

    def _focus_account(self, tab: str, table: type) -> None:
        screen = self.main
        screen.show_pane("account")
        panel = self.main.query_one(AccountPanel)
        panel.active = tab
        self.main.query_one(table).focus()

    def action_focus_orders(self) -> None:
        self._focus_account("orders", OrdersTable)

    def action_focus_positions(self) -> None:
        self._focus_account("positions", PositionsTable)

    def action_pane(self, key: str) -> None:
        self.main.show_pane(key)

    def action_search(self) -> None:
        def chosen(symbol: str | None) -> None:
            if symbol:
                self.switch_symbol(symbol)

        self.push_screen(SymbolSearch(self.symbols(), self.symbol), chosen)

    def action_help(self) -> None:
        sections: list[tuple[str, list[tuple[str, str, str]]]] = [
            ("App", binding_rows(list(self.BINDINGS))),  # type: ignore[arg-type]
            ("Order book", binding_rows(OrderBookLadder.BINDINGS)),  # type: ignore[arg-type]
            ("Ticket", binding_rows(OrderTicket.BINDINGS)),  # type: ignore[arg-type]
            ("Orders table", binding_rows(OrdersTable.BINDINGS)),  # type: ignore[arg-type]
            ("Positions table", binding_rows(PositionsTable.BINDINGS)),  # type: ignore[arg-type]
            ("Chart", binding_rows(CandleChart.BINDINGS)),  # type: ignore[arg-type]
            ("Dialogs", binding_rows(ConfirmScreen.BINDINGS)),  # type: ignore[arg-type]
            ("Palette", [("ctrl+p", "Command palette: symbols, actions, themes", "")]),
        ]
        self.push_screen(HelpScreen(sections))

    def action_refresh_account(self) -> None:
        self.refresh_account()

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Close the streams (the private one deletes its token), the service and the client."""
        if self._closing_down:
            return
        self._closing_down = True
        self.workers.cancel_all()
        for stream in (self.private, self.public):
            if stream is not None:
                try:
                    await asyncio.wait_for(stream.close(), 5)
                except Exception as exc:  # noqa: BLE001 - quitting must not fail
                    log.warning("closing %r: %s", stream, exc)
        if self.service is not None:
            try:
                await self.service.aclose()
                journal = getattr(self.service, "journal", None)
                if journal is not None:
                    journal.close()
            except Exception as exc:  # noqa: BLE001
                log.warning("closing the trading service: %s", exc)
        if self.rest is not None:
            await self.rest.aclose()


_CHANNEL_NAMES = {name for _, name in PUBLIC_CHANNELS}
_RESTART = {
    "public-stream": "run_public_stream",
    "private-stream": "run_private_stream",
    "ticker-poll": "poll_tickers",
}


def _fills_ledger() -> Any:
    """The fills ledger of :mod:`gmo_tui.market.fills` (a simple list until it lands)."""
    try:
        from gmo_tui.market.fills import FillsLedger  # type: ignore[attr-defined]
    except ImportError:
        try:
            from gmo_tui.market import fills as fills_module  # type: ignore[attr-defined]
        except ImportError:
            return None
        for name in ("Fills", "FillLedger", "Ledger"):
            if hasattr(fills_module, name):
                return getattr(fills_module, name)()
        return None
    return FillsLedger()


def history_assets(
    assets: Iterable[models.Asset],
    symbol: str,
    rules: Iterable[str],
    limit: int = HISTORY_ASSETS,
) -> tuple[list[str], int]:
    """Crypto assets whose deposit/withdrawal history to fetch, and how many were left out.

    The current symbol's base asset first, then the assets held (non-zero amount, in the
    order given: the account model lists the largest JPY value first); JPY and anything that
    is not a spot symbol of ``rules`` (when rules are known) are skipped; at most ``limit``."""
    known = {s for s in rules if "_" not in s}
    wanted: list[str] = []
    for name in [symbol.split("_")[0], *(a.symbol for a in assets if a.amount != 0)]:
        if name == "JPY" or name in wanted or (known and name not in known):
            continue
        wanted.append(name)
    return wanted[:limit], max(0, len(wanted) - limit)


def iter_symbols(rules: Iterable[models.SymbolRule]) -> list[str]:
    return sorted(r.symbol for r in rules)

"""The Textual app: composes the headless :class:`~gmo_tui.session.session.Session` and the main screen.

The session owns the client, the streams, the models and the trading service; the app's
workers only run its loops (one per stream or poll), and worker errors land in one
:meth:`GmoTuiApp.on_worker_state_changed` handler. The session talks to the screen through a
:class:`~gmo_tui.messages.ScreenListener`; the screen renders its panes from the models.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from gmo_tui import config as cfg
from gmo_tui.commands import GmoCommands
from gmo_tui.deck_keys import DECK_BINDINGS
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.errors import ApiError, GmoError
from gmo_tui.heap import freeze_startup_heap
from gmo_tui.i18n import N_, _
from gmo_tui.i18n.bindings import start_language
from gmo_tui.i18n.exchange_errors import describe
from gmo_tui.messages import ScreenListener
from gmo_tui.screens.alerts import AlertsScreen
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.help import HelpScreen, binding_rows
from gmo_tui.screens.main import MainScreen
from gmo_tui.session.listener import Banner, Severity
from gmo_tui.session.session import Session
from gmo_tui.themes import DOMAIN_DEFAULTS, load_themes
from gmo_tui.trade_keys import TRADE_BINDINGS
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.order_ticket import OrderTicket
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.output_pacing import OutputPacer
from gmo_tui.widgets.positions_table import PositionsTable
from gmo_tui.widgets.screen_diff import with_screen_diff

log = logging.getLogger(__name__)

HEAP_FREEZE_AFTER_S = 6.0
DAY_OPEN_RELOAD_S = 3600.0
RESTART_AFTER_S = 3.0
FIRST_BOOK_WAIT_S = 2.0  # the account's loops wait this long at most for the first book


def _key(key: str, action: str, title: str, tooltip: str, *, id: str, show: bool = True) -> Binding:
    return Binding(key, action, title, show=show, id=id, tooltip=tooltip)


class GmoTuiApp(App[None]):
    """The gmo-tui terminal trading app."""

    TITLE = "gmo-tui"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {GmoCommands}
    ENABLE_COMMAND_PALETTE = True
    # the actions are the main screen's (``screen.``): a dialog on top does not run them
    BINDINGS = [
        _key("b", "screen.ticket('BUY')", "Buy", "BUY LIMIT at the best bid", id="ticket.buy"),
        _key("s", "screen.ticket('SELL')", "Sell", "SELL LIMIT at the best ask", id="ticket.sell"),
        _key("o", "screen.focus_orders", "Orders", "Focus the orders table", id="focus.orders"),
        _key(
            "p", "screen.focus_positions", "Positions", "Focus the positions", id="focus.positions"
        ),
        _key("v", "screen.focus_book", "Book", "Focus the order book ladder", id="focus.book"),
        _key("slash", "screen.search", "Symbol", "Search and switch symbol", id="symbol.search"),
        _key(
            "t", "screen.pane('tape')", "Tape", "Show the trades tape", id="pane.tape", show=False
        ),
        _key("g", "screen.pane('chart')", "Chart", "Show the chart", id="pane.chart", show=False),
        _key(
            "w",
            "screen.pane('watchlist')",
            "Watch",
            "Show the watchlist",
            id="pane.watchlist",
            show=False,
        ),
        _key(
            "a",
            "screen.pane('account')",
            "Account",
            "Show the account",
            id="pane.account",
            show=False,
        ),
        _key(
            "comma",
            "screen.interval(-1)",
            "Shorter",
            "Shorter candles",
            id="chart.shorter",
            show=False,
        ),
        _key(
            "full_stop",
            "screen.interval(1)",
            "Longer",
            "Longer candles",
            id="chart.longer",
            show=False,
        ),
        _key("A", "screen.alerts", "Alerts", "Alerts: list, dismiss", id="alerts.list", show=False),
        *TRADE_BINDINGS,
        *DECK_BINDINGS,
        _key("question_mark", "help", "Help", "All keys", id="app.help"),
        _key("q", "quit", "Quit", "Close streams and quit", id="app.quit"),
        # Textual's own palette binding, here so that its footer label is translated too
        Binding(
            "ctrl+p",
            "command_palette",
            "palette",
            show=False,
            priority=True,
            id="app.palette",
            tooltip="Open the command palette",
        ),
    ]

    def __init__(
        self,
        settings: cfg.Settings | None = None,
        credentials: Credentials | None = None,
        *,
        mode: str = "LIVE",
        journal_path: str | None = None,
        now: Callable[[], float] = time.time,
        market_time: Callable[[], datetime] | None = None,
        show_metrics: bool = True,
        freeze_heap: bool = False,
        clock_skew_limit_s: float = 300.0,
    ):
        start_language((settings or cfg.Settings()).language)
        super().__init__()
        self.settings = settings or cfg.Settings()
        if self.settings.output_diff:  # only the cells that changed (widgets/screen_diff.py)
            self.driver_class = with_screen_diff(self.driver_class)
        # the CLI freezes the start-up heap (gmo_tui/heap.py); tests and embedders keep the
        # process's garbage collector as they set it
        self.freeze_heap = freeze_heap
        self.show_metrics = show_metrics
        self.session = Session(
            self.settings,
            credentials,
            ScreenListener(self._post_to_main),
            journal_path=journal_path,
            now=now,
            market_time=market_time,
            clock_skew_limit_s=clock_skew_limit_s,
        )
        self.main = MainScreen(self.session, self.settings, mode)
        self.pacer = OutputPacer(self, enabled=self.settings.output_pacing)
        self._held_frames_shown = 0
        self._closing_down = False

    def _post_to_main(self, message: Message) -> bool:
        # nothing reaches the screen once the app is shutting down (its panes are going)
        return self.is_running and self.main.post_message(message)

    def post_display_hook(self) -> None:
        self.pacer.frame_written()  # a cursor position request after each frame

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def on_mount(self) -> None:
        theme_problems: list[str] = []
        for theme in load_themes(cfg.config_dir() / "themes", problems=theme_problems):
            self.register_theme(theme)
        for problem in theme_problems:  # a user theme hard to read, or not loaded: say so
            self.main.say(problem, Severity.WARNING, 20)
        try:
            self.theme = self.settings.theme
        except Exception:  # noqa: BLE001 - an unknown theme name must not stop the app
            self.theme = "gmo-dark"
            self.session.banner(
                Banner.CONFIG,
                _("config: unknown theme {theme}; using gmo-dark").format(
                    theme=repr(self.settings.theme)
                ),
            )
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self.bootstrap()
        self.public_stream()
        self.after_the_book()
        self.set_interval(1.0, self.update_metrics)
        self.set_interval(1.0, self.session.alerts.tick)  # streams not live for too long
        self.pacer.start()
        # the 24h reference moves with the clock: reload it hourly
        self.set_interval(DAY_OPEN_RELOAD_S, self.day_opens)
        # once the first book, candles and day opens are in: keep the start-up heap out of
        # every later full garbage collection (each one was an ~80 ms stall)
        if self.freeze_heap:
            self.set_timer(HEAP_FREEZE_AFTER_S, freeze_startup_heap)

    # ------------------------------------------------------------------ workers: the loops
    @work(exclusive=True, group="bootstrap", exit_on_error=False, description=N_("start-up loads"))
    async def bootstrap(self) -> None:
        await self.session.bootstrap()

    @work(exclusive=True, group="start", exit_on_error=False, description=N_("start-up loads"))
    async def after_the_book(self) -> None:
        """The book first: the other loops start once it is painted (or a while without it)."""
        await self.session.first_book_in(FIRST_BOOK_WAIT_S)
        self.call_after_refresh(self.replay_watch)
        self.call_after_refresh(self.ticker_poll)
        if self.session.service is not None:
            for start in (self.service_start, self.private_stream, self.reconcile_clock):
                self.call_after_refresh(start)
            self.call_after_refresh(self.balances)

    @work(exclusive=True, group="day-open", exit_on_error=False, description=N_("24h references"))
    async def day_opens(self) -> None:
        await self.session.load_day_opens()

    @work(exclusive=True, group="public-stream", exit_on_error=False, description=N_("public feed"))
    async def public_stream(self) -> None:
        await self.session.run_public_stream()

    @work(exclusive=True, group="replay", exit_on_error=False, description=N_("replay status"))
    async def replay_watch(self) -> None:
        await self.session.deck.watch_replay()

    @work(
        exclusive=True, group="ticker-poll", exit_on_error=False, description=N_("tickers, status")
    )
    async def ticker_poll(self) -> None:
        await self.session.poll_tickers()

    @work(exclusive=True, group="service-start", exit_on_error=False, description=N_("reconcile"))
    async def service_start(self) -> None:
        await self.session.start_service()

    @work(
        exclusive=True, group="private-stream", exit_on_error=False, description=N_("private feed")
    )
    async def private_stream(self) -> None:
        await self.session.run_private_stream()

    @work(exclusive=True, group="reconcile", exit_on_error=False, description=N_("reconcile clock"))
    async def reconcile_clock(self) -> None:
        await self.session.reconcile_clock()

    @work(exclusive=True, group="balances", exit_on_error=False, description=N_("margin, assets"))
    async def balances(self) -> None:
        await self.session.poll_balances()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place worker errors are handled: notify, show in the status bar, restart
        the loops (a loop never stays dead)."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or self._closing_down:
            return
        error = worker.error
        text = str(error) if isinstance(error, GmoError) else f"{type(error).__name__}: {error}"
        log.error("worker %s failed: %s", worker.group, text, exc_info=error)
        shown = describe(error) if isinstance(error, ApiError) else text
        self.notify(
            f"{_(worker.description or worker.group)}: {shown}", severity="error", timeout=8
        )
        if self.main.is_mounted:
            self.main.status.message = _("{task} failed").format(task=worker.group)
        restart = self._restarts().get(worker.group)
        if restart is not None:
            self.set_timer(RESTART_AFTER_S, restart)

    def _restarts(self) -> dict[str, Callable[[], object]]:
        return {
            "bootstrap": self.bootstrap,
            "public-stream": self.public_stream,
            "replay": self.replay_watch,
            "ticker-poll": self.ticker_poll,
            "service-start": self.service_start,
            "private-stream": self.private_stream,
            "reconcile": self.reconcile_clock,
            "balances": self.balances,
        }

    def update_metrics(self) -> None:
        """Feed latency p50, server clock offset, REST budget in use, bad frames: status bar;
        the entry gates' current reason in the ticket."""
        if not self.is_running or not self.main.is_mounted:
            return
        self.main.show_entry()
        self.main.deck_flows.show(self.main.status, self.main.header)  # REC; REPLAY; its position
        if not self.show_metrics:
            return
        session = self.session
        rest = session.rest
        usage = rest.limiter.usage()
        bar = self.main.status
        bar.latency_ms = statistics.median(session.latencies) * 1000 if session.latencies else None
        bar.clock_offset_ms = float(rest.clock.offset_ms) if rest.clock.synced else None
        if session.service is not None:
            bar.rest_usage = max(usage.get, usage.post) / usage.limit if usage.limit else None
        else:
            bar.rest_usage = usage.public / usage.public_limit if usage.public_limit else None
        held = self.pacer.held_frames
        bar.link_held_frames = held - self._held_frames_shown
        self._held_frames_shown = held
        bar.bad_frames = sum(
            stream.counters.get("bad_frames", 0)
            for stream in (session.public, session.private)
            if stream is not None
        )

    # ------------------------------------------------------------------ app actions
    def action_help(self) -> None:
        sections = [
            (N_("App"), binding_rows([*self.BINDINGS, *MainScreen.BINDINGS])),
            (N_("Order book"), binding_rows(OrderBookLadder.BINDINGS)),
            (N_("Ticket"), binding_rows(OrderTicket.BINDINGS)),
            (N_("Orders table"), binding_rows(OrdersTable.BINDINGS)),
            (N_("Positions table"), binding_rows(PositionsTable.BINDINGS)),
            (N_("Chart"), binding_rows(CandleChart.BINDINGS)),
            (N_("Dialogs"), binding_rows(ConfirmScreen.BINDINGS)),
            (N_("Alerts"), binding_rows(AlertsScreen.BINDINGS)),
            (N_("Palette"), [("ctrl+p", N_("Command palette: symbols, actions, themes"), "")]),
        ]
        self.push_screen(HelpScreen(sections))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own palette commands (theme, quit, keys …) in the current language."""
        for command in super().get_system_commands(screen):
            yield command._replace(title=_(command.title), help=_(command.help))

    def action_command_palette(self) -> None:
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                CommandPalette(placeholder=_("Search for commands…"), id="--command-palette")
            )

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    async def shutdown(self) -> None:
        """Stop the loops; close the streams (the private one deletes its token), the
        service and the client."""
        if self._closing_down:
            return
        self._closing_down = True
        self.pacer.stop()
        self.workers.cancel_all()
        await self.session.aclose()

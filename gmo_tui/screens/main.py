"""The main screen: header, banners, ladder, ticket, tape, chart, watchlist, account tabs, status.

Wide terminals (>= 140x34) show every pane at once in a grid; smaller ones keep the ladder and
the ticket visible and put tape / chart / watchlist / account behind a tab strip. The screen
handles the session's messages (:mod:`gmo_tui.messages`) by re-rendering its panes from the
session's models, and each action message of the panes with its own handler (the flows live in
:mod:`gmo_tui.screens.flows`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import partial
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.events import Resize
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Footer, Static, Tab, Tabs
from textual.widgets._footer import FooterKey

from gmo_tui import config as cfg
from gmo_tui import messages as msg
from gmo_tui.alerts import AlertKind, Delivery
from gmo_tui.exchange.enums import ExchangeStatus, KlineInterval, Side
from gmo_tui.i18n import N_, _
from gmo_tui.market.fill_bursts import Burst, BurstCollector
from gmo_tui.market.formatting import decimals_of, fmt
from gmo_tui.market.pnl import NO_FILLS, is_margin_symbol
from gmo_tui.market.positions import marked_pnl
from gmo_tui.market.rules import round_to_step
from gmo_tui.screens.alert_flows import AlertFlows
from gmo_tui.screens.alerts import AlertsScreen
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.deck_flows import DeckFlows
from gmo_tui.screens.export_flow import ExportFlow
from gmo_tui.screens.flows import OrderFlows
from gmo_tui.screens.symbol_search import SymbolSearch
from gmo_tui.serve import read_only_reason
from gmo_tui.session.listener import Banner, Severity
from gmo_tui.session.loads import HISTORY_ASSETS
from gmo_tui.session.session import Session
from gmo_tui.trading.brackets import ExitKind
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.results import NoticeKind
from gmo_tui.view_state import ViewState, load_view_state, save_view_state
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.alert_strip import AlertStrip
from gmo_tui.widgets.banner_bar import BannerBar
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.market_header import MarketHeader
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.order_ticket import OrderTicket
from gmo_tui.widgets.orders_table import EmulatedRow, OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from gmo_tui.widgets.render_memo import RenderMemo
from gmo_tui.widgets.screen_diff import redraw
from gmo_tui.widgets.status_bar import StatusBar
from gmo_tui.widgets.trades_tape import TradesTape
from gmo_tui.widgets.watchlist import Watchlist

log = logging.getLogger(__name__)
T = TypeVar("T")

WIDE_WIDTH = 140
MIN_WIDTH = 72
MIN_HEIGHT = 16
"""Below this the ladder (38 columns) leaves no usable ticket: a notice instead."""
WIDE_HEIGHT = 34
TICKET_EXITS_HEIGHT = 30
WIDE_ORDER = ("book", "tape", "chart", "ticket", "account", "watchlist", "pane-tabs")
COMPACT_ORDER = ("book", "ticket", "pane-tabs", "chart", "tape", "watchlist", "account")
PANE_TABS = (
    ("tape", N_("Tape")),
    ("chart", N_("Chart")),
    ("watchlist", N_("Watch")),
    ("account", N_("Account")),
)
INTERVALS = tuple(KlineInterval)
# at most one tape repaint a frame (60 fps); the chart coalesces its own (CandleChart)
TAPE_PAINT_S = 1 / 60
BURST_SLACK_S = 0.005
PINNED_ACTIONS = ("help", "quit", "command_palette")
"""The footer's keys that stay in view however narrow the terminal."""


class KeyFooter(RenderMemo, Footer):
    """Textual's footer; its lines are reused while unchanged (RenderMemo). Help, Quit and the
    palette are pinned to the right edge: at 80 columns the context keys scroll under them
    instead of pushing ``? Help`` and ``q Quit`` off the screen."""

    DEFAULT_CSS = """
    KeyFooter > .footer-pinned {
        dock: right; width: auto; height: 1; background: $panel;
    }
    KeyFooter > .footer-pinned > FooterKey.-command-palette { dock: none; }
    """

    def compose(self) -> ComposeResult:
        pinned: list[Widget] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in PINNED_ACTIONS:
                pinned.append(widget)
            else:
                yield widget
        if pinned:
            yield HorizontalGroup(*pinned, classes="footer-pinned")


class PaneTabs(RenderMemo, Tabs):
    """Textual's tab strip; its lines are reused while unchanged (RenderMemo)."""


class MainScreen(RenderMemo, Screen[None]):
    DEFAULT_CSS = """
    MainScreen {
        layout: grid; grid-size: 2 3; grid-columns: 38 1fr; grid-rows: auto 2 1fr;
    }
    MainScreen > MarketHeader { dock: top; }
    MainScreen > BannerBar { dock: top; }
    MainScreen > AlertStrip { dock: bottom; margin-bottom: 2; }
    MainScreen > StatusBar { dock: bottom; margin-bottom: 1; }
    MainScreen > #book { row-span: 3; height: 1fr; }
    #book { border: round $panel; border-title-color: $text-muted; }
    #book:focus { border: round $primary; }
    MainScreen > .pane { height: 1fr; border: round $panel; border-title-color: $text-muted; }
    MainScreen > .pane:focus, MainScreen > .pane:focus-within { border: round $primary; }
    MainScreen > .-inactive { display: none; }
    MainScreen.-wide {
        grid-size: 4 2; grid-columns: 44 36 1fr 46; grid-rows: 1fr 1fr;
    }
    MainScreen.-wide > #book { row-span: 2; }
    MainScreen.-wide > #tape { row-span: 2; }
    MainScreen.-wide > #pane-tabs { display: none; }
    MainScreen.-wide > .-inactive { display: block; }
    MainScreen.-wide > #ticket { height: 1fr; }
    MainScreen > #too-small { display: none; }
    MainScreen.-too-small > * { display: none; }
    MainScreen.-too-small > #too-small {
        display: block; dock: top; width: 1fr; height: 1fr; content-align: center middle;
        text-align: center; color: $warning;
    }
    """

    BINDINGS = [
        Binding(
            "ctrl+l",
            "redraw",
            "Redraw",
            show=False,
            id="app.redraw",
            tooltip="Paint every cell again",
        ),
        Binding(
            "asterisk",
            "all_symbols",
            "All symbols",
            show=False,
            id="view.all_symbols",
            tooltip="Orders, positions and executions of every symbol (toggle; remembered)",
        ),
        Binding(
            "less_than_sign",
            "account_tab(-1)",
            "Previous account tab",
            show=False,
            id="account.previous_tab",
            tooltip="The account pane's previous tab (Positions … History)",
        ),
        Binding(
            "greater_than_sign",
            "account_tab(1)",
            "Next account tab",
            show=False,
            id="account.next_tab",
            tooltip="The account pane's next tab (Positions … History)",
        ),
    ]

    def __init__(self, session: Session, settings: cfg.Settings, mode: str) -> None:
        super().__init__()
        self.session = session
        self.settings = settings
        self.mode = mode
        self.flows = OrderFlows(session, self)
        secrets = session.credentials.secrets() if session.credentials else ()
        delivery = Delivery(settings.alerts, self.write_terminal, secrets=secrets)
        self.alert_flows = AlertFlows(session, self, delivery)
        self.deck_flows = DeckFlows(session, self)
        self.exports = ExportFlow(session, self)
        self.active_pane = "tape"
        self.notices: list[str] = []
        """Every notice said, oldest first (toasts fade; this does not)."""
        self.fills_seen = 0
        self._tape_timer = False
        self._tape_painted = 0.0
        self._touch: tuple[Decimal | None, Decimal | None] = (None, None)
        self._watch_places: dict[str, int] = {}
        self.bursts = BurstCollector()
        """Fills of one order told as one notice, one bell (see market/fill_bursts.py)."""
        self._burst_due: float | None = None
        self._late_orders: set[int] = set()
        self.all_symbols = load_view_state().all_symbols
        """Orders, Positions and Executions list every symbol (``*``; remembered)."""

    # ------------------------------------------------------------------ typed pane accessors
    @property
    def header(self) -> MarketHeader:
        return self.query_one(MarketHeader)

    @property
    def banners(self) -> BannerBar:
        return self.query_one(BannerBar)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def ladder(self) -> OrderBookLadder:
        return self.query_one(OrderBookLadder)

    @property
    def ticket(self) -> OrderTicket:
        return self.query_one(OrderTicket)

    @property
    def tape(self) -> TradesTape:
        return self.query_one(TradesTape)

    @property
    def chart(self) -> CandleChart:
        return self.query_one(CandleChart)

    @property
    def watchlist(self) -> Watchlist:
        return self.query_one(Watchlist)

    @property
    def account(self) -> AccountPanel:
        return self.query_one(AccountPanel)

    @property
    def orders(self) -> OrdersTable:
        return self.query_one(OrdersTable)

    @property
    def positions(self) -> PositionsTable:
        return self.query_one(PositionsTable)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        # flat on purpose: every container layer would be repainted under its panes each frame.
        # Initial classes are given here so nothing restyles right after the first paint.
        size = self.app.size
        self.set_class(size.width >= WIDE_WIDTH and size.height >= WIDE_HEIGHT, "-wide")
        self.set_class(size.width < MIN_WIDTH or size.height < MIN_HEIGHT, "-too-small")
        yield MarketHeader(id="header")
        yield Static(
            _("Window too small: at least {width}x{height} needed").format(
                width=MIN_WIDTH, height=MIN_HEIGHT
            ),
            id="too-small",
        )
        yield BannerBar(id="banners")
        yield AlertStrip(id="alert-strip")
        yield StatusBar(id="status")
        yield KeyFooter()
        yield OrderBookLadder(id="book")
        yield OrderTicket(
            id="ticket", classes="-short" if size.height < TICKET_EXITS_HEIGHT else ""
        )
        yield PaneTabs(
            *(Tab(_(label), id=f"tab-{key}") for key, label in PANE_TABS), id="pane-tabs"
        )
        yield CandleChart(id="chart", classes="pane -inactive")
        yield TradesTape(id="tape", classes="pane")
        yield Watchlist(id="watchlist", classes="pane -inactive")
        yield AccountPanel(self.session.market_time, id="account", classes="pane -inactive")

    def on_mount(self) -> None:
        self.ladder.border_title = _("Book  [ ] group")
        for pane, title in (
            (self.chart, _("Chart  , . interval")),
            (self.tape, _("Trades")),
            (self.watchlist, _("Watchlist")),
            (self.account, _("Account  < > tab")),
        ):
            pane.border_title = title
        self._apply_layout(self.size.width, self.size.height)
        session = self.session
        header = self.header
        header.mode, header.symbol = self.mode, session.symbol
        if self.settings.endpoint != cfg.DEFAULT_ENDPOINT and self.mode not in ("DEMO", "PAPER"):
            # not GMO's own endpoint (DEMO / PAPER already say it is the built-in exchange)
            header.endpoint = self.settings.endpoint
        self.status.streams = {"book": "CONNECTING", "trades": "CONNECTING", "ticker": "CONNECTING"}
        has_key = session.service is not None
        read_only = read_only_reason()  # served to a browser without --allow-trading
        self.account.set_has_key(has_key, _(read_only) if read_only else cfg.how_to_add_key())
        self.ticket.private = has_key
        if read_only:
            self.ticket.no_key_reason = _(read_only)
            self.banners.set_banner(Banner.READ_ONLY, _(read_only))
        if has_key:
            self.status.set_stream("private", "CONNECTING")
            self.ticket.set_entry_reason(_("reconciling with the exchange"))
        self.chart.show_loading(session.symbol, session.interval)
        for table in (self.orders, self.positions, self.account.executions_table):
            table.set_with_symbol(self.all_symbols)
        self.ladder.focus()
        for problem in session.alerts.problems:
            self.say(problem, Severity.WARNING, 15)
        self.show_alert_notices()

    def on_resize(self, event: Resize) -> None:
        self._apply_layout(event.size.width, event.size.height)

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    def _apply_layout(self, width: int, height: int) -> None:
        wide = width >= WIDE_WIDTH and height >= WIDE_HEIGHT
        self.set_class(wide, "-wide")
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")
        # the ticket's bracket rows only where they leave the panes room (30 rows or more)
        self.ticket.set_class(height < TICKET_EXITS_HEIGHT, "-short")
        self._arrange(wide)
        self._show_pane(self.active_pane)

    def _arrange(self, wide: bool) -> None:
        """Grid cells follow the DOM order. Wide: the tape sits right next to the ladder, so
        the frames where both change repaint only those two columns (Textual repaints the
        bounding box of the dirty regions); compact: ticket, tabs, then the panes."""
        order = WIDE_ORDER if wide else COMPACT_ORDER
        previous = self.query_one(f"#{order[0]}")
        for name in order[1:]:
            widget = self.query_one(f"#{name}")
            if self.children.index(widget) != self.children.index(previous) + 1:
                self.move_child(widget, after=previous)
            previous = widget

    def show_pane(self, key: str) -> None:
        """Bring ``key`` (tape / chart / watchlist / account) to the front (compact layout)."""
        self.active_pane = key
        tabs = self.query_one("#pane-tabs", Tabs)
        if tabs.active != f"tab-{key}":
            tabs.active = f"tab-{key}"
        self._show_pane(key)

    def _show_pane(self, key: str) -> None:
        for other, _label in PANE_TABS:
            pane = self.query_one(f"#{other}")
            if pane.has_class("-inactive") != (other != key):
                pane.set_class(other != key, "-inactive")

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab is not None and event.tab.id:
            key = event.tab.id.removeprefix("tab-")
            self.active_pane = key
            self._show_pane(key)

    # ------------------------------------------------------------------ FlowHost
    def ask(self, dialog: ModalScreen[T], then: Callable[[T | None], None]) -> None:
        self.app.push_screen(dialog, then)

    def run_flow(self, work: Callable[[], Awaitable[None]], what: str) -> None:
        # not exclusive: every confirmed action is sent, none cancels another
        self.run_worker(work, group="orders", description=what, exit_on_error=False)

    def load(self, group: str, work: Callable[[], Awaitable[None]]) -> None:
        """One of the session's loads as a worker (a newer one of ``group`` replaces it;
        errors go to the app's one handler)."""
        self.run_worker(work, group=group, description=group, exclusive=True, exit_on_error=False)

    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None:
        self.notices.append(text)
        log.info("notice: %s", text)
        self.app.notify(text, severity=severity.value, timeout=timeout)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ actions (bindings)
    def action_ticket(self, side: str) -> None:
        book = self.session.books[self.session.symbol]
        side_ = Side(side)
        self.show_pane(self.active_pane)
        self.ticket.prepare(side_, book.best_bid if side_ is Side.BUY else book.best_ask)

    def action_redraw(self) -> None:
        """Every cell painted again: after something else wrote to the terminal."""
        redraw(self.app)

    def action_focus_book(self) -> None:
        self.ladder.focus()

    def action_size_preset(self, key: int) -> None:
        """``1`` ... ``5``: the active size of the symbol (ticket, status bar)."""
        if self.session.sizes.select(self.session.symbol, key) is None:
            self.say(
                _("No size preset {key} for {symbol} yet").format(
                    key=key, symbol=self.session.symbol
                ),
                Severity.WARNING,
            )
        self.show_active_size()

    def show_active_size(self) -> None:
        """The active size in the ticket's size field and the status bar."""
        sizes, symbol = self.session.sizes, self.session.symbol
        size = sizes.active(symbol)
        if size is None:
            return
        self.status.size_text = _("size {size} [{key}]").format(
            size=fmt(size, self.places_of(symbol)[1]), key=sizes.active_index(symbol) + 1
        )
        self.ticket.set_size(size)

    def action_market(self, side: str) -> None:
        self.flows.market(Side(side))

    def action_flatten(self) -> None:
        self.flows.flatten()

    def action_reverse(self) -> None:
        self.flows.reverse()

    def _focus_account(self, tab: str, table: Widget) -> None:
        self.show_pane("account")
        self.account.active = tab
        table.focus()

    def action_focus_orders(self) -> None:
        self._focus_account("orders", self.orders)

    def action_focus_positions(self) -> None:
        self._focus_account("positions", self.positions)

    def action_account_tab(self, delta: int) -> None:
        """The account pane's next / previous tab (wrapping), brought into view with its
        table focused, so every tab is reachable however narrow the pane."""
        self.show_pane("account")
        tab = self.account.step_tab(delta)
        self.call_after_refresh(self.account.focus_tab, tab)

    def action_export_csv(self) -> None:
        """The palette's export: a range of trading days to a private CSV file."""
        self.exports.ask()

    def action_pane(self, key: str) -> None:
        self.show_pane(key)

    def action_interval(self, delta: int) -> None:
        index = INTERVALS.index(self.session.interval) + delta
        self.set_chart_interval(INTERVALS[max(0, min(len(INTERVALS) - 1, index))])

    def action_search(self) -> None:
        def chosen(symbol: str | None) -> None:
            if symbol:
                self.switch_symbol(symbol)

        self.app.push_screen(SymbolSearch(self.session.symbols(), self.session.symbol), chosen)

    # ------------------------------------------------------------------ alerts
    def action_alerts(self) -> None:
        self.app.push_screen(AlertsScreen(self.session, self.show_alert_notices))

    def action_record(self) -> None:
        self.deck_flows.record()

    def action_replay_toggle(self) -> None:
        self.deck_flows.toggle()

    def action_replay_step(self) -> None:
        self.deck_flows.step()

    def action_replay_speed(self, speed: str | None = None) -> None:
        self.deck_flows.speed(speed)

    def action_new_alert(self, kind: str) -> None:
        self.alert_flows.new(AlertKind(kind))

    def show_alert_notices(self) -> None:
        self.query_one(AlertStrip).show(self.session.alerts.notices)

    def write_terminal(self, data: bytes) -> None:
        """Bytes to the terminal through the app's driver, in order with its frames (an
        OSC notification or the bell moves no cursor: the screen is not disturbed)."""
        driver = self.app._driver
        if not self.app.is_headless and driver is not None:
            driver.write(data.decode("utf-8"))

    @on(msg.AlertAtPrice)
    def on_alert_at_price(self, message: msg.AlertAtPrice) -> None:
        self.alert_flows.at_price(message.price)

    @on(msg.AlertFired)
    def on_alert_fired(self, message: msg.AlertFired) -> None:
        self.alert_flows.fired(message.fired)

    # ------------------------------------------------------------------ symbol / interval
    def switch_symbol(self, symbol: str) -> None:
        """Make ``symbol`` current: resubscribe (the old one first) and re-render every pane."""
        session = self.session
        if not session.set_symbol(symbol):
            return
        header = self.header
        header.symbol = symbol
        header.ticker = session.tickers.get(symbol)
        self._touch = (None, None)
        self.ladder.clear()
        self._apply_rules()
        self.chart.show_loading(symbol, session.interval)
        self._show_header_change()
        for part in AccountPart:
            self.show_account_part(part)
        self._show_pnl()
        if session.books[symbol].snapshots:
            self._show_book()
        self.load("resubscribe", partial(session.resubscribe, symbol))
        self.load("klines", partial(session.load_klines, symbol, session.interval))

    def set_chart_interval(self, interval: KlineInterval) -> None:
        session = self.session
        if session.set_chart_interval(interval):
            self.chart.show_loading(session.symbol, interval)
            self.load("klines", partial(session.load_klines, session.symbol, interval))

    @on(msg.SymbolChosen)
    def on_symbol_chosen(self, message: msg.SymbolChosen) -> None:
        self.switch_symbol(message.symbol)

    @on(msg.IntervalChosen)
    def on_interval_chosen(self, message: msg.IntervalChosen) -> None:
        self.set_chart_interval(message.interval)

    @on(msg.PricePicked)
    def on_price_picked(self, message: msg.PricePicked) -> None:
        self.ticket.set_price(message.price)
        if message.side is not None:
            self.ticket.prepare(message.side, message.price)

    @on(msg.GroupingChanged)
    def on_grouping_changed(self, message: msg.GroupingChanged) -> None:
        self.ladder.border_title = _("Book  [ ] group {step}").format(
            step=fmt(message.step, self._places()[0])
        )

    # ------------------------------------------------------------------ one handler per action
    @on(msg.LadderLimit)
    def on_ladder_limit(self, message: msg.LadderLimit) -> None:
        self.flows.ladder_limit(message.side, message.price)

    @on(msg.BracketSubmitted)
    def on_bracket_submitted(self, message: msg.BracketSubmitted) -> None:
        self.flows.bracket(message.spec)

    @on(msg.CancelBracket)
    def on_cancel_bracket(self, message: msg.CancelBracket) -> None:
        self.flows.cancel_bracket(message.bracket_id)

    @on(msg.LadderStop)
    def on_ladder_stop(self, message: msg.LadderStop) -> None:
        self.flows.ladder_stop(message.price)

    @on(msg.LadderCancel)
    def on_ladder_cancel(self, message: msg.LadderCancel) -> None:
        self.flows.cancel_level(message.price, message.step)

    @on(msg.LadderMove)
    def on_ladder_move(self, message: msg.LadderMove) -> None:
        self.flows.move_to(message.price, self.orders.picked_order_id)

    @on(msg.TicketSubmitted)
    def on_ticket_submitted(self, message: msg.TicketSubmitted) -> None:
        self.flows.submit(message.intent)

    @on(msg.CancelOrder)
    def on_cancel_order(self, message: msg.CancelOrder) -> None:
        self.flows.cancel(message.order_id)

    @on(msg.ChangeOrder)
    def on_change_order(self, message: msg.ChangeOrder) -> None:
        self.flows.change(message.order_id)

    @on(msg.CancelAll)
    def on_cancel_all(self, message: msg.CancelAll) -> None:
        self.flows.cancel_all(message.symbol)

    @on(msg.ClosePosition)
    def on_close_position(self, message: msg.ClosePosition) -> None:
        self.flows.close(message.position_id)

    @on(msg.CloseAll)
    def on_close_all(self, message: msg.CloseAll) -> None:
        self.flows.close_all(message.symbol)

    @on(msg.ChangeLosscut)
    def on_change_losscut(self, message: msg.ChangeLosscut) -> None:
        self.flows.losscut(message.position_id)

    @on(msg.TransferRequested)
    def on_transfer_requested(self, message: msg.TransferRequested) -> None:
        if self.session.service is None:
            self.say(cfg.how_to_add_key(), Severity.ERROR)
            return
        amount = fmt(message.amount, 0)

        def answered(ok: bool | None) -> None:
            if ok:
                self.load(
                    "transfer",
                    partial(self.session.transfer, message.amount, message.transfer_type),
                )

        self.ask(
            ConfirmScreen(
                _("Transfer {amount} JPY?").format(amount=amount),
                [(_("Amount"), f"{amount} JPY"), (_("Type"), _(message.transfer_type.value))],
            ),
            answered,
        )

    @on(msg.HistoryRequested)
    def on_history_requested(self, message: msg.HistoryRequested) -> None:
        if self.session.service is not None:
            self.load("history", partial(self.session.load_history, message.start, message.end))

    # ------------------------------------------------------------------ market messages
    def _places(self) -> tuple[int, int]:
        rule = self.session.rules.get(self.session.symbol)
        if rule is None:
            return 0, 4
        return decimals_of(rule.tick_size), decimals_of(rule.size_step)

    def places_of(self, symbol: str) -> tuple[int, int]:
        """``symbol``'s (price decimals, size decimals)."""
        rule = self.session.rules.get(symbol)
        if rule is None:
            return 0, 4
        return decimals_of(rule.tick_size), decimals_of(rule.size_step)

    def _apply_rules(self) -> None:
        session = self.session
        rule = session.rules.get(session.symbol)
        if rule is None:
            return
        self.ladder.set_rules(rule.tick_size, rule.size_step)
        self.tape.set_tape(session.tapes[session.symbol], rule.tick_size, rule.size_step)
        self.chart.tick = rule.tick_size
        self.header.tick = rule.tick_size
        self.header.size_places = decimals_of(rule.size_step)
        self.ticket.set_symbol(session.symbol, rule)
        self.ladder.border_title = _("Book  [ ] group {step}").format(
            step=fmt(rule.tick_size, decimals_of(rule.tick_size))
        )
        self.show_active_size()

    @on(msg.RulesLoaded)
    def on_rules_loaded(self) -> None:
        session = self.session
        self._watch_places = {s: decimals_of(r.tick_size) for s, r in session.rules.items()}
        self.header.symbol = session.symbol
        self._apply_rules()
        self._show_watchlist()
        self._show_volume()

    def _show_volume(self) -> None:
        """Tier, volume and the fee table (every symbol of the rules)."""
        session = self.session
        if session.account.volume is not None:
            rules = [session.rules[s] for s in session.symbols()]
            self.account.show_volume(session.account.volume, rules)

    def own_levels(self) -> dict[tuple[Side, Decimal], Decimal]:
        """The user's resting LIMIT orders by (side, price), from the service's tracker."""
        service, symbol = self.session.service, self.session.symbol
        if service is None:
            return {}
        return {
            (side, price): size
            for side in (Side.BUY, Side.SELL)
            for price, size in service.tracker.own_levels(symbol, side).items()
        }

    def _show_book(self) -> None:
        session = self.session
        book = session.books[session.symbol]
        self.ladder.set_book(book, self.own_levels())
        # the header's bid/ask come from the ticker (about once a second): a header repaint on
        # every book would widen each frame's repaint to the whole screen
        self.ticket.set_touch(book.best_bid, book.best_ask)
        touch = (book.best_bid, book.best_ask)
        if touch != self._touch:
            self._touch = touch
            if session.service is not None and len(session.service.positions):
                self._show_positions()
            self._show_pnl()

    @on(msg.BookUpdated)
    def on_book_updated(self, message: msg.BookUpdated) -> None:
        if message.symbol == self.session.symbol:
            self._show_book()

    @on(msg.TradesArrived)
    def on_trades_arrived(self, message: msg.TradesArrived) -> None:
        if message.symbol != self.session.symbol:
            return
        # leading edge: the first print after a quiet spell paints at once; a burst then costs
        # at most one tape repaint every TAPE_PAINT_S; no timer runs while nothing trades
        if not self._tape_timer:
            wait = self._tape_painted + TAPE_PAINT_S - self.session.now()
            if wait <= 0:
                self._paint_tape()
            else:
                self._tape_timer = True
                self.set_timer(wait, self._paint_tape)
        self.chart.repaint_latest()

    def _paint_tape(self) -> None:
        self._tape_timer = False
        self._tape_painted = self.session.now()
        self.tape.update()

    @on(msg.KlinesLoaded)
    def on_klines_loaded(self, message: msg.KlinesLoaded) -> None:
        series = self.session.candles
        if (message.symbol, message.interval) == (series.symbol, series.interval):
            self.chart.show_series(series)

    def change_24h(self, symbol: str) -> Decimal | None:
        """The 24h change as a fraction; None until the reference price 24h ago is loaded."""
        watch = self.session.watchlist
        if symbol not in watch:
            return None
        row = watch.row(symbol)
        pct = None if row.provisional else row.change_pct
        return None if pct is None else pct / 100

    def _show_header_change(self) -> None:
        self.header.change = self.change_24h(self.session.symbol)

    def _show_watchlist(self) -> None:
        session = self.session
        self.watchlist.show(session.watchlist.rows(session.symbols()), self._watch_places)

    @on(msg.TickersUpdated)
    def on_tickers_updated(self) -> None:
        session = self.session
        self.header.ticker = session.tickers.get(session.symbol)
        self._show_header_change()
        if session.rules:
            self._show_watchlist()
        if self.all_symbols:  # other symbols' positions are marked at their tickers
            self._show_positions()

    @on(msg.StreamStateChanged)
    def on_stream_state_changed(self, message: msg.StreamStateChanged) -> None:
        bar = self.status
        if message.stream == "public":
            # the socket's state is every channel's state; a channel shows on its own only
            # while it differs (e.g. trades STALE on a live socket)
            for name in ("book", "trades", "ticker"):
                bar.set_stream(name, message.state)
        elif message.stream.startswith("private."):
            # a private channel shows only while it differs from the socket (STALE)
            name = "private:" + message.stream.removeprefix("private.")
            if message.state == bar.streams.get("private"):
                bar.drop_stream(name)
                return
            bar.set_stream(name, message.state)
            return
        bar.set_stream(message.stream, message.state)

    @on(msg.ExchangeStatusChanged)
    def on_exchange_status_changed(self, message: msg.ExchangeStatusChanged) -> None:
        previous = self.header.exchange_status
        self.header.exchange_status = message.status.value
        if message.status is ExchangeStatus.OPEN and previous not in ("?", "OPEN"):
            self.say(_("Exchange OPEN again"))

    @on(msg.BannerChanged)
    def on_banner_changed(self, message: msg.BannerChanged) -> None:
        self.banners.set_banner(message.banner, message.reason)
        if message.reason is not None:
            self.notices.append(message.reason)

    @on(msg.Notice)
    def on_notice(self, message: msg.Notice) -> None:
        self.say(message.text, message.severity)

    # ------------------------------------------------------------------ account messages
    def _view_symbol(self) -> str | None:
        """The symbol the account tables list (``None``: every symbol)."""
        return None if self.all_symbols else self.session.symbol

    def position_marks(self) -> dict[Decimal, str]:
        """My average entry (E), break-even after fees (BE) and losscut prices (LC) of the
        symbol's margin positions, for the ladder."""
        service, symbol = self.session.service, self.session.symbol
        rule = self.session.rules.get(symbol)
        if service is None or rule is None:
            return {}
        positions = service.positions.all(symbol)
        marks: dict[Decimal, str] = {}
        for side in {p.side for p in positions}:
            mine = [p for p in positions if p.side is side]
            size = sum((p.size for p in mine), Decimal(0))
            if size <= 0:
                continue
            entry = sum((p.price * p.size for p in mine), Decimal(0)) / size
            entry = round_to_step(entry, rule.tick_size, ROUND_HALF_UP)
            # the open's and the close's taker fees: the price the close must reach to net 0
            fees = entry * max(rule.taker_fee, Decimal(0)) * 2
            even = entry + fees if side is Side.BUY else entry - fees
            even = round_to_step(
                even, rule.tick_size, ROUND_CEILING if side is Side.BUY else ROUND_FLOOR
            )
            tags = [(entry, "E"), (even, "BE")]
            tags += [(p.losscut_price, "LC") for p in mine if p.losscut_price]
            for price, tag in tags:
                if tag not in marks.get(price, "").split("/"):
                    marks[price] = f"{marks[price]}/{tag}" if price in marks else tag
        brackets = self.session.brackets
        for level in [] if brackets is None else brackets.exit_levels(symbol):
            tag = "SL" if level.kind is ExitKind.STOP_LOSS else "TP"
            tag += "~" if level.emulated else "" if level.placed else "?"
            if tag not in marks.get(level.price, "").split("/"):
                marks[level.price] = f"{marks[level.price]}/{tag}" if level.price in marks else tag
        return marks

    def bracket_rows(self) -> tuple[dict[int, str], list[EmulatedRow]]:
        """The Orders pane's bracket tags (order id -> ``SL B1``) and emulated exits."""
        brackets = self.session.brackets
        notes: dict[int, str] = {}
        emulated: list[EmulatedRow] = []
        if brackets is None:
            return notes, emulated
        for bracket in brackets.open_brackets(self.session.symbol):
            if bracket.entry_order_id is not None:
                notes[bracket.entry_order_id] = _("entry B{id}").format(id=bracket.id)
        for level in brackets.exit_levels(self.session.symbol):
            if level.kind is ExitKind.STOP_LOSS and level.order_id is not None:
                notes[level.order_id] = _("SL B{id}").format(id=level.bracket_id)
            elif level.emulated:
                tag = _("TP~ B{id}").format(id=level.bracket_id)
                emulated.append(
                    EmulatedRow(
                        level.bracket_id,
                        level.side,
                        level.price,
                        level.size,
                        tag,
                        self.session.symbol,
                    )
                )
        return notes, emulated

    def _show_positions(self) -> None:
        service = self.session.service
        if service is None:
            return
        books, tickers = self.session.books, self.session.tickers
        positions = service.positions.all(self._view_symbol())
        # another symbol's book is not streamed: its ticker's bid / ask, and the table says so
        pnl = {
            p.position_id: marked_pnl(p, books.get(p.symbol), tickers.get(p.symbol))
            for p in positions
        }
        self.positions.show(positions, pnl, self.places_of, self.app.theme_variables)
        self.ladder.set_marks(self.position_marks())

    def action_all_symbols(self) -> None:
        """Toggle every symbol / the current one in Orders, Positions and Executions."""
        self.all_symbols = not self.all_symbols
        error = save_view_state(ViewState(all_symbols=self.all_symbols))
        self._apply_symbol_view()
        self.say(
            _("Orders, positions and executions: every symbol")
            if self.all_symbols
            else _("Orders, positions and executions: {symbol} only").format(
                symbol=self.session.symbol
            )
        )
        if error is not None:
            self.say(
                _("The view could not be saved for the next run: {error}").format(error=error),
                Severity.WARNING,
            )

    def _apply_symbol_view(self) -> None:
        for table in (self.orders, self.positions, self.account.executions_table):
            table.set_with_symbol(self.all_symbols)
        for part in AccountPart:
            self.show_account_part(part)

    @on(msg.AccountPartChanged)
    def on_account_part(self, message: msg.AccountPartChanged) -> None:
        self.show_account_part(message.part)

    def show_account_part(self, part: AccountPart) -> None:
        """Re-render one pane from the service's model (the only copy)."""
        service, symbol = self.session.service, self._view_symbol()
        if service is None:
            return
        colours = self.app.theme_variables
        match part:
            case AccountPart.ORDERS:
                notes, emulated = self.bracket_rows()
                self.orders.show(
                    service.tracker.active(symbol), self.places_of, colours, notes, emulated
                )
                self.ladder.set_own(self.own_levels())
                self.ladder.set_marks(self.position_marks())
            case AccountPart.POSITIONS:
                self._show_positions()
                self._show_pnl()
            case AccountPart.FILLS:
                fills = service.fills.latest(symbol=symbol)
                self.account.show_executions(fills, self.places_of, colours)
                self._show_pnl()

    def _show_pnl(self) -> None:
        """The header's net position and today's realised P&L of the current symbol."""
        session = self.session
        service, symbol = session.service, session.symbol
        if service is None:
            return
        book = session.books[symbol]
        header = self.header
        header.net = session.pnl.net_position(symbol, service.positions.all(symbol), book)
        header.realised = session.pnl.today(session.market_time(), symbol)

    @on(msg.FillArrived)
    def on_fill_arrived(self, message: msg.FillArrived) -> None:
        fill = message.fill
        self.fills_seen += 1
        match message.source:
            case FillSource.HISTORY:
                return  # executed before the app started: in the tables and P&L, not news
            case FillSource.RECONCILE:
                self._late_orders.add(fill.order_id)
            case FillSource.STREAM:
                pass
        service = self.session.service
        order = service.tracker.get(fill.order_id) if service is not None else None
        done = order is not None and order.remaining <= 0
        self.bursts.add(fill, time.monotonic(), order_done=done)
        self._schedule_bursts()

    def _schedule_bursts(self) -> None:
        due = self.bursts.next_due()
        if due is None or (self._burst_due is not None and self._burst_due <= due):
            return
        self._burst_due = due
        # Textual's timers may wake half a millisecond early and skip a zero delay: a margin
        self.set_timer(
            max(BURST_SLACK_S, due - time.monotonic() + BURST_SLACK_S), self._tell_bursts
        )

    def _tell_bursts(self) -> None:
        self._burst_due = None
        for burst in self.bursts.due(time.monotonic() + BURST_SLACK_S):
            self._tell_burst(burst)
        self._schedule_bursts()

    def _tell_burst(self, burst: Burst) -> None:
        """One notice and one bell for the fills of one order that arrived together."""
        rule = self.session.rules.get(burst.symbol)
        pd = decimals_of(rule.tick_size) if rule else 0
        sd = decimals_of(rule.size_step) if rule else 4
        late = _(" (recovered from the exchange)") if burst.order_id in self._late_orders else ""
        self._late_orders.discard(burst.order_id)
        parts = {
            "side": _(burst.side.value),
            "size": fmt(burst.size, sd),
            "symbol": burst.symbol,
            "price": fmt(burst.average_price, pd),
            "order": burst.order_id,
            "fee": fmt(burst.fee, 0),
            "late": late,
        }
        if burst.count == 1:
            text = _(
                "Fill: {side} {size} {symbol} @ {price} (order {order}, fee {fee} JPY){late}"
            ).format(**parts)
        else:
            text = _(
                "Fill: {side} {size} {symbol} @ {price} avg"
                " ({count} fills, order {order}, fee {fee} JPY){late}"
            ).format(count=burst.count, **parts)
        margin = is_margin_symbol(burst.symbol)
        closing = burst.is_close if margin else burst.side is Side.SELL
        if margin and not closing:
            text += _(" · opened")
        if closing:
            pnl = NO_FILLS
            for eid in burst.execution_ids:
                if eid in self.session.pnl:
                    pnl = pnl + self.session.pnl.fill_pnl(eid)
            net = pnl.net
            if net is None:
                text += _(" · sold, P&L unknown (bought before the fills seen)")
            elif margin:
                text += _(" · closed, P&L {pnl} JPY net of fees").format(pnl=fmt(net, 0, sign=True))
            else:
                text += _(" · sold, P&L {pnl} JPY net of fees").format(pnl=fmt(net, 0, sign=True))
        self.say(text)
        if self.settings.bell:
            self.app.bell()

    @on(msg.BalancesChanged)
    def on_balances_changed(self) -> None:
        account, panel = self.session.account, self.account
        if account.margin is not None:
            panel.show_margin(account.margin)
        panel.show_assets(account)
        if account.volume is not None:
            self._show_volume()

    @on(msg.HistoryUpdated)
    def on_history_updated(self, message: msg.HistoryUpdated) -> None:
        p = message.progress
        if not p.done:
            self.account.show_history_status(
                _("fetching window {n} of {windows}…").format(n=p.window + 1, windows=p.windows)
            )
            return
        crypto = ", ".join(p.assets) or _("none")
        more = _("; {n} more held assets not fetched").format(n=p.skipped) if p.skipped else ""
        self.account.show_history(
            p.rows,
            _(
                "{count} entries from {windows} windows of 30 minutes"
                " · JPY and crypto {crypto} (held assets and {symbol}'s base,"
                " at most {limit}){more}"
            ).format(
                count=len(p.rows),
                windows=p.windows,
                crypto=crypto,
                symbol=self.session.symbol,
                limit=HISTORY_ASSETS,
                more=more,
            ),
        )

    @on(msg.TradingNoticed)
    def on_trading_noticed(self, message: msg.TradingNoticed) -> None:
        notice = message.notice
        severity = {"error": Severity.ERROR, "warning": Severity.WARNING}.get(
            notice.level, Severity.INFO
        )
        match notice.kind:
            case NoticeKind.REJECTED:
                # the action's own result already says so, with the exchange's message
                log.info("trading notice: %s", notice.message)
            case NoticeKind.ENABLED | NoticeKind.RECONCILED:
                self.status.message = notice.message
            case NoticeKind.AUTH:
                self.banners.set_banner(Banner.AUTH, notice.message)
                self.notices.append(notice.message)
            case _:
                self.say(notice.message, severity)

    @on(msg.EntryChanged)
    def on_entry_changed(self, message: msg.EntryChanged) -> None:
        self.ticket.set_entry_reason(None if message.enabled else message.reason)
        self.status.message = (
            _("Order entry enabled")
            if message.enabled
            else _("Entry off: {reason}").format(reason=_(message.reason or ""))
        )

    def show_entry(self) -> None:
        """The gates' current reason in the ticket (a gate may change its reason while entry
        stays disabled, which posts no EntryChanged); called every second."""
        service = self.session.service
        if service is not None and not service.gates.enabled:
            self.ticket.set_entry_reason(service.gates.reason)

"""The main screen: header, ladder, ticket, tape, chart, watchlist, account tabs, status bar.

Wide terminals (>= 140x34) show every pane at once in a grid; smaller ones keep the ladder and
the ticket visible and put tape / chart / watchlist / account behind a tab strip.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Tab, Tabs

from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.market_header import MarketHeader
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.order_ticket import OrderTicket
from gmo_tui.widgets.render_memo import RenderMemo
from gmo_tui.widgets.status_bar import StatusBar
from gmo_tui.widgets.trades_tape import TradesTape
from gmo_tui.widgets.watchlist import Watchlist

WIDE_WIDTH = 140
WIDE_HEIGHT = 34
WIDE_ORDER = ("book", "tape", "chart", "ticket", "account", "watchlist", "pane-tabs")
COMPACT_ORDER = ("book", "ticket", "pane-tabs", "chart", "tape", "watchlist", "account")
PANE_TABS = (("tape", "Tape"), ("chart", "Chart"), ("watchlist", "Watch"), ("account", "Account"))


class KeyFooter(RenderMemo, Footer):
    """Textual's footer; its lines are reused while unchanged (RenderMemo)."""


class PaneTabs(RenderMemo, Tabs):
    """Textual's tab strip; its lines are reused while unchanged (RenderMemo)."""


class MainScreen(RenderMemo, Screen):
    DEFAULT_CSS = """
    MainScreen {
        layout: grid; grid-size: 2 3; grid-columns: 38 1fr; grid-rows: auto 2 1fr;
    }
    MainScreen > MarketHeader { dock: top; }
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
    """

    def compose(self) -> ComposeResult:
        # flat on purpose: every container layer would be repainted under its panes each frame.
        # Initial classes are given here so nothing restyles right after the first paint.
        size = self.app.size
        self.set_class(size.width >= WIDE_WIDTH and size.height >= WIDE_HEIGHT, "-wide")
        yield MarketHeader(id="header")
        yield StatusBar(id="status")
        yield KeyFooter()
        yield OrderBookLadder(id="book")
        yield OrderTicket(id="ticket")
        yield PaneTabs(*(Tab(label, id=f"tab-{key}") for key, label in PANE_TABS), id="pane-tabs")
        yield CandleChart(id="chart", classes="pane -inactive")
        yield TradesTape(id="tape", classes="pane")
        yield Watchlist(id="watchlist", classes="pane -inactive")
        yield AccountPanel(id="account", classes="pane -inactive")

    def on_mount(self) -> None:
        self.query_one("#book").border_title = "Book  [ ] group"
        for key, title in (
            ("chart", "Chart  , . interval"),
            ("tape", "Trades"),
            ("watchlist", "Watchlist"),
            ("account", "Account"),
        ):
            self.query_one(f"#{key}").border_title = title
        self.active_pane = "tape"
        self._apply_layout(self.size.width, self.size.height)
        start = getattr(self.app, "start_ui", None)
        if start is not None:
            start()

    def on_resize(self, event: Resize) -> None:
        self._apply_layout(event.size.width, event.size.height)

    @property
    def wide(self) -> bool:
        return self.has_class("-wide")

    def _apply_layout(self, width: int, height: int) -> None:
        wide = width >= WIDE_WIDTH and height >= WIDE_HEIGHT
        self.set_class(wide, "-wide")
        self._arrange(wide)
        self._show_pane(getattr(self, "active_pane", "tape"))

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
        for other, _ in PANE_TABS:
            pane = self.query_one(f"#{other}")
            if pane.has_class("-inactive") != (other != key):
                pane.set_class(other != key, "-inactive")

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab is not None and event.tab.id:
            key = event.tab.id.removeprefix("tab-")
            self.active_pane = key
            self._show_pane(key)

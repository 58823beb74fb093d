"""The header line: symbol, last, 24h change, high/low, volume, bid/ask/spread, exchange
status and mode (LIVE / DEMO). Market figures repaint at most every
:data:`~gmo_tui.widgets.repaint_rate.SIDE_PANE_PAINT_S` (coalesced, the latest shown)."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from gmo_tui.exchange.models import Ticker
from gmo_tui.i18n import _
from gmo_tui.market.formatting import compact, decimals_of, fmt
from gmo_tui.widgets.render_memo import RenderMemo
from gmo_tui.widgets.repaint_rate import SIDE_PANE_PAINT_S, Coalesced


class MarketHeader(RenderMemo, Widget):
    DEFAULT_CSS = """
    MarketHeader { height: 1; background: $panel; color: $foreground; }
    """

    symbol: reactive[str] = reactive("")
    # market figures: repainted through a Coalesced refresh (see watch_ticker)
    ticker: reactive[Ticker | None] = reactive(None, repaint=False, init=False)
    change: reactive[Decimal | None] = reactive(None, repaint=False, init=False)
    bid: reactive[Decimal | None] = reactive(None, repaint=False, init=False)
    ask: reactive[Decimal | None] = reactive(None, repaint=False, init=False)
    exchange_status: reactive[str] = reactive("?")
    mode: reactive[str] = reactive("LIVE")
    tick: reactive[Decimal] = reactive(Decimal("1"))
    endpoint: reactive[str] = reactive("")
    """A non-default endpoint (shown so nobody mistakes it for the real exchange)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._figures_changed = Coalesced(self, SIDE_PANE_PAINT_S, self.refresh)

    def watch_ticker(self) -> None:
        self._figures_changed()

    def watch_change(self) -> None:
        self._figures_changed()

    def watch_bid(self) -> None:
        self._figures_changed()

    def watch_ask(self) -> None:
        self._figures_changed()

    def render(self) -> Text:
        text = self._line(with_range=True)
        if self.size.width and text.cell_len > self.size.width:
            # Narrow terminal (80 columns): the touch and the exchange status matter more than
            # the day's range and volume.
            text = self._line(with_range=False)
        return text

    def _line(self, *, with_range: bool) -> Text:
        pd = decimals_of(self.tick)
        t = self.ticker
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(
            f" {self.mode} ",
            style=_style(self, "warning" if self.mode in ("DEMO", "PAPER") else "primary", True),
        )
        if self.endpoint:
            text.append(f" {self.endpoint} ", style=_style(self, "warning"))
        status = self.exchange_status
        # not OPEN: a reversed error badge (the header's background stays $panel: a tinted one
        # would need pastel colours every other badge then fails on)
        text.append(
            f" {_(status)} ",
            style=_style(self, "success", False)
            if status == "OPEN"
            else _style(self, "error", True),
        )
        text.append(f" {self.symbol} ", style="bold")
        if t is not None:
            text.append(fmt(t.last, pd), style="bold")
        if self.change is not None:
            up = self.change >= 0
            text.append(
                f" {fmt(self.change * 100, 2, sign=True)}%",
                style=_style(self, "pnl-up" if up else "pnl-down"),
            )
        bid = self.bid if self.bid is not None else (t.bid if t else None)
        ask = self.ask if self.ask is not None else (t.ask if t else None)
        if bid is not None and ask is not None:
            text.append("  ")
            text.append(fmt(bid, pd), style=_style(self, "bid"))
            text.append(" / ")
            text.append(fmt(ask, pd), style=_style(self, "ask"))
            text.append(f" ({fmt(ask - bid, pd)})")
        if t is not None and with_range:
            text.append(f"  H {fmt(t.high, pd)} L {fmt(t.low, pd)} V {compact(t.volume)}")
        return text


def _style(widget: Widget, variable: str, reverse: bool = False) -> str:
    colour = widget.app.theme_variables.get(variable, "") if widget.is_attached else ""
    style = f"bold {colour}" if colour else "bold"
    return f"{style} reverse" if reverse else style

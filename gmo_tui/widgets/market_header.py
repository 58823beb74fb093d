"""The header line: symbol, last, 24h change, the net position with its P&L (size, average
price, unrealised at the touch, today's realised net of fees), bid/ask/spread, high/low,
volume, exchange status and mode (LIVE, DEMO, SIM: a local exchange, PAPER; REPLAY with its speed
while the exchange replays a recording, whatever the mode it was started in). Market figures
and the P&L repaint at most every :data:`~gmo_tui.widgets.repaint_rate.SIDE_PANE_PAINT_S`
(coalesced, the latest shown).

Narrow terminals drop the least useful parts first: the day's range, then the touch (the
ladder shows it), then the 24h change; the position and its P&L stay."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from gmo_tui.exchange.models import Ticker
from gmo_tui.i18n import _
from gmo_tui.market.formatting import compact, decimals_of, fmt
from gmo_tui.market.pnl import DayPnl, NetPosition
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
    replay: reactive[str | None] = reactive(None)
    """The exchange replays a recording: its speed (``x2``, ``max``; ``""`` unknown); None: not."""
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

    net: reactive[NetPosition | None] = reactive(None, repaint=False, init=False)
    """The current symbol's net position (``None``: no key, nothing to show)."""
    realised: reactive[DayPnl | None] = reactive(None, repaint=False, init=False)
    """Today's realised P&L of the current symbol, net of fees."""
    size_places: reactive[int] = reactive(4)

    def watch_net(self) -> None:
        self._figures_changed()

    def watch_realised(self) -> None:
        self._figures_changed()

    def render(self) -> Text:
        width = self.size.width
        for drop in range(len(_OPTIONAL) + 1):
            text = self._line(_OPTIONAL[:drop])
            if not width or text.cell_len <= width:
                break
        return text

    def _position(self) -> Text:
        """``Pos +0.55 @ 15,006,000 uP&L +1,200 · Today -56 JPY`` (or ``Flat``; with a long and
        a short open, ``Pos L 0.55 / S 0.20 uP&L …``)."""
        text = Text()
        net, day = self.net, self.realised
        if net is None:
            return text
        pd = decimals_of(self.tick)
        text.append("  ")
        places = self.size_places
        if net.long.size and net.short.size:  # hedged: two open legs, whatever their net
            legs = _("Pos L {long} / S {short}").format(
                long=fmt(net.long.size, places), short=fmt(net.short.size, places)
            )
            text.append(legs, style="bold")
        elif net.long.size or net.short.size:
            text.append(_("Pos {size}").format(size=fmt(net.size, places, sign=True)), style="bold")
            if net.average_price is not None:
                text.append(f" @ {fmt(net.average_price, pd)}")
        else:
            text.append(_("Flat"), style="bold")
        if net.long.size or net.short.size:
            text.append(_(" uP&L "))
            _append_pnl(self, text, net.unrealised)
        if day is not None:
            text.append(_(" · Today "))
            _append_pnl(self, text, day.net)
            text.append(_(" JPY"))
        return text

    def mode_word(self) -> str:
        """``REPLAY x2`` while the exchange replays (a recording is not the market), else the
        mode the app was started in."""
        if self.replay is None:
            return self.mode
        return f"{_('REPLAY')} {self.replay}".rstrip()

    def _mode_colour(self) -> str:
        """Anything but the real market is drawn as a warning."""
        if self.replay is not None or self.mode in ("DEMO", "PAPER", "SIM"):
            return "warning"
        return "primary"

    def _line(self, dropped: tuple[str, ...] = ()) -> Text:
        with_range = "range" not in dropped
        pd = decimals_of(self.tick)
        t = self.ticker
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.mode_word()} ", style=_style(self, self._mode_colour(), True))
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
        if self.change is not None and "change" not in dropped:
            up = self.change >= 0
            text.append(
                f" {fmt(self.change * 100, 2, sign=True)}%",
                style=_style(self, "pnl-up" if up else "pnl-down"),
            )
        bid = self.bid if self.bid is not None else (t.bid if t else None)
        ask = self.ask if self.ask is not None else (t.ask if t else None)
        text.append_text(self._position())
        if bid is not None and ask is not None and "touch" not in dropped:
            text.append("  ")
            text.append(fmt(bid, pd), style=_style(self, "bid"))
            text.append(" / ")
            text.append(fmt(ask, pd), style=_style(self, "ask"))
            text.append(f" ({fmt(ask - bid, pd)})")
        if t is not None and with_range:
            text.append(
                _("  H {high} L {low} V {volume}").format(
                    high=fmt(t.high, pd), low=fmt(t.low, pd), volume=compact(t.volume)
                )
            )
        return text


_OPTIONAL = ("range", "touch", "change")
"""The parts a narrow header drops, first to last."""


def _append_pnl(widget: Widget, text: Text, value: Decimal | None) -> None:
    """A signed JPY amount in the P&L colours; ``?`` when unknown (no sane book, no basis)."""
    if value is None:
        text.append("?")
        return
    text.append(
        fmt(value, 0, sign=True), style=_style(widget, "pnl-up" if value >= 0 else "pnl-down")
    )


def _style(widget: Widget, variable: str, reverse: bool = False) -> str:
    colour = widget.app.theme_variables.get(variable, "") if widget.is_attached else ""
    style = f"bold {colour}" if colour else "bold"
    return f"{style} reverse" if reverse else style

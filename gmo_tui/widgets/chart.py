"""The candle chart: a dumb renderer of the app's :class:`~gmo_tui.market.candles.CandleSeries`
(klines of the chosen interval, the last candle kept live from trades by the app), with volume
bars underneath. Drawn with half blocks in a Line API widget (two price rows per cell); it
re-renders only when the series' ``version`` changed, and follows the trades that change it at
most once per :data:`CHART_PAINT_S` (coalesced: the first print after a quiet spell at once,
the latest candle always shown)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget

from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.i18n import _
from gmo_tui.i18n.cells import fit
from gmo_tui.market.candles import Candle, CandleSeries
from gmo_tui.market.formatting import JST, compact, decimals_of, fmt
from gmo_tui.messages import IntervalChosen
from gmo_tui.widgets.repaint_rate import Coalesced

INTERVALS = tuple(KlineInterval)
CHART_PAINT_S = 0.5
"""The live candle repaints at most twice a second (each repaint is the whole chart)."""


class CandleChart(Widget, can_focus=True):
    COMPONENT_CLASSES = {"chart--up", "chart--down", "chart--axis", "chart--volume", "chart--title"}
    DEFAULT_CSS = """
    CandleChart { height: 1fr; min-height: 6; }
    CandleChart > .chart--up { color: $pnl-up; }
    CandleChart > .chart--down { color: $pnl-down; }
    CandleChart > .chart--axis { color: $text-muted; }
    CandleChart > .chart--volume { color: $secondary; }
    CandleChart > .chart--title { color: $text; text-style: bold; }
    """
    BINDINGS = [
        Binding("comma", "interval(-1)", "Shorter", id="chart.shorter", tooltip="Shorter candles"),
        Binding("full_stop", "interval(1)", "Longer", id="chart.longer", tooltip="Longer candles"),
    ]
    IntervalChosen = IntervalChosen

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.interval = KlineInterval.MIN1
        self.symbol = ""
        self.series: CandleSeries | None = None
        self.tick = Decimal("1")
        self._styles: dict[str, Style] | None = None
        self._lines: list[Strip] | None = None
        self._drawn_version = -1
        self.status = _("loading…")
        self.repaint_latest = Coalesced(self, CHART_PAINT_S, self.refresh_if_changed)
        """Call when the series may have changed (a trade): :meth:`refresh_if_changed`, at
        most once per :data:`CHART_PAINT_S`."""

    # ------------------------------------------------------------------ data
    @property
    def candles(self) -> list[Candle]:
        """The candles on show (empty while loading)."""
        return self.series.candles if self.series is not None else []

    def show_series(self, series: CandleSeries) -> None:
        """Draw ``series`` (loaded from klines; the app keeps feeding it trades)."""
        self.series = series
        self.symbol, self.interval = series.symbol, series.interval
        self.status = "" if len(series) else _("no candles")
        self._invalidate()

    def show_loading(self, symbol: str, interval: KlineInterval) -> None:
        """Blank, saying loading…, until :meth:`show_series` (not Widget.loading)."""
        self.symbol, self.interval = symbol, interval
        self.series = None
        self.status = _("loading…")
        self._invalidate()

    def refresh_if_changed(self) -> bool:
        """Repaint when the series changed since the last paint; True when it did."""
        series = self.series
        if series is None or series.version == self._drawn_version:
            return False
        if len(series):
            self.status = ""
        self._invalidate()
        return True

    def _invalidate(self) -> None:
        self._drawn_version = self.series.version if self.series is not None else -1
        self._lines = None
        self.refresh()

    def action_interval(self, delta: int) -> None:
        index = INTERVALS.index(self.interval)
        new = INTERVALS[max(0, min(len(INTERVALS) - 1, index + delta))]
        if new != self.interval:
            self.post_message(IntervalChosen(new))

    # ------------------------------------------------------------------ rendering
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._lines = None

    def on_resize(self) -> None:
        self._lines = None

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                n: self.get_component_rich_style(n, partial=True) for n in self.COMPONENT_CLASSES
            }
            self._styles["base"] = self.rich_style
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        if self._lines is None or (self._lines and self._lines[0].cell_length != self.size.width):
            self._lines = self._render_all()
        if y < len(self._lines):
            return self._lines[y]
        return Strip.blank(self.size.width, self._style("base"))

    def _render_all(self) -> list[Strip]:
        width, height = self.size.width, self.size.height
        base = self._style("base")
        axis_w = 12
        plot_w = max(1, width - axis_w)
        vol_h = 2 if height >= 10 else (1 if height >= 6 else 0)
        price_h = max(1, height - 2 - vol_h)
        candles = self.candles
        last = candles[-1] if candles else None
        title = f" {self.symbol} {self.interval.value}"
        if last is not None:
            pd = decimals_of(self.tick)
            title += _("  O {open} H {high} L {low} C {close} V {volume}").format(
                open=fmt(last.open, pd),
                high=fmt(last.high, pd),
                low=fmt(last.low, pd),
                close=fmt(last.close, pd),
                volume=compact(last.volume),
            )
        else:
            title += f"  {self.status}"
        lines = [Strip([Segment(fit(title, width), base + self._style("chart--title"))], width)]
        shown = candles[-plot_w:]
        if not shown:
            lines.extend(Strip.blank(width, base) for _row in range(height - 1))
            return lines
        hi = max(c.high for c in shown)
        lo = min(c.low for c in shown)
        span = hi - lo or Decimal(1)
        rows2 = price_h * 2

        def level(price: Decimal) -> int:
            # 0 = top sub-row, rows2-1 = bottom
            return int((hi - price) / span * (rows2 - 1) + Decimal("0.5"))

        cols = []
        for c in shown:
            cols.append(
                (
                    level(c.high),
                    level(c.low),
                    level(max(c.open, c.close)),
                    level(min(c.open, c.close)),
                    c.close >= c.open,
                )
            )
        up, down, axis = (
            self._style("chart--up"),
            self._style("chart--down"),
            self._style("chart--axis"),
        )
        pd = decimals_of(self.tick)
        for r in range(price_h):
            top, bottom = 2 * r, 2 * r + 1
            segs: list[Segment] = []
            run_style = up
            run: list[str] = []
            for hi_l, lo_l, body_t, body_b, rising in cols:
                upper = body_t <= top <= body_b
                lower = body_t <= bottom <= body_b
                if upper and lower:
                    ch = "█"
                elif upper:
                    ch = "▀"
                elif lower:
                    ch = "▄"
                elif hi_l <= bottom and top <= lo_l:
                    ch = "│"
                else:
                    ch = " "
                # a blank cell shows no colour: it joins the run on its left, so a row changes
                # style only where the colour seen changes (each change is an SGR code sent)
                st = up if rising else down
                if ch != " " and st is not run_style:
                    if run:
                        segs.append(Segment("".join(run), base + run_style))
                        run = []
                    run_style = st
                run.append(ch)
            if run:
                segs.append(Segment("".join(run), base + run_style))
            pad = plot_w - len(cols)
            if pad > 0:
                segs.append(Segment(" " * pad, base))
            label = ""
            if r == 0:
                label = fmt(hi, pd)
            elif r == price_h - 1:
                label = fmt(lo, pd)
            elif r == price_h // 2:
                label = fmt((hi + lo) / 2, pd)
            segs.append(Segment(("┤" + label)[:axis_w].ljust(axis_w), base + axis))
            lines.append(Strip(segs, width).crop(0, width))
        if vol_h:
            vmax = max(c.volume for c in shown) or Decimal(1)
            blocks = " ▁▂▃▄▅▆▇█"
            vol = self._style("chart--volume")
            for r in range(vol_h):
                chars = []
                for c in shown:
                    eighths = int(c.volume / vmax * vol_h * 8)
                    cell = eighths - (vol_h - 1 - r) * 8
                    chars.append(blocks[max(0, min(8, cell))])
                text = "".join(chars).ljust(plot_w)
                label = "┤" + _("vol {volume}").format(volume=compact(vmax)) if r == 0 else "┤"
                lines.append(
                    Strip(
                        [
                            Segment(text, base + vol),
                            Segment(fit(label, axis_w), base + axis),
                        ],
                        width,
                    )
                )
        first = datetime.fromtimestamp(shown[0].open_ms / 1000, JST)
        lastt = datetime.fromtimestamp(shown[-1].open_ms / 1000, JST)
        fmt_t = "%m-%d %H:%M" if self.interval.seconds < 86400 else "%Y-%m-%d"
        left, right = first.strftime(fmt_t), lastt.strftime(fmt_t)
        gap = max(1, plot_w - len(left) - len(right))
        lines.append(
            Strip([Segment((left + " " * gap + right)[:width].ljust(width), base + axis)], width)
        )
        while len(lines) < height:
            lines.append(Strip.blank(width, base))
        return lines[:height]

"""The trades tape: newest print on top, coloured by taker side, large prints highlighted.

A Line API widget that reads a :class:`gmo_tui.market.tape.Tape` (a bounded ring); strips are
cached per print (by its sequence number), so a batch of new prints costs one render for each
new row and nothing is kept beyond the ring's capacity.

Every print moves every row down, so each repaint sends every row; but only the cells a print
uses change (the rest of a wide pane stays blank), and Textual sends a pane's line from its left
edge to the end of the dirty region: after the first full paint, the tape marks dirty only
the columns its rows use (at 120x40 that is 34 of 81 cells a row).
"""

from __future__ import annotations

from decimal import Decimal

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip

from gmo_tui.exchange.enums import Side
from gmo_tui.i18n import _
from gmo_tui.i18n.cells import fit, fit_right
from gmo_tui.market.formatting import JST, decimals_of, fmt
from gmo_tui.market.tape import Print, Tape
from gmo_tui.widgets.direct_lines import DirectLines


class TradesTape(DirectLines):
    COMPONENT_CLASSES = {"tape--buy", "tape--sell", "tape--large", "tape--time", "tape--header"}
    DEFAULT_CSS = """
    TradesTape { height: 1fr; min-height: 3; }
    TradesTape > .tape--buy { color: $bid; }
    TradesTape > .tape--sell { color: $ask; }
    TradesTape > .tape--large { text-style: bold reverse; }
    TradesTape > .tape--time { color: $text-muted; }
    TradesTape > .tape--header { color: $text-muted; text-style: bold; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.tape: Tape | None = None
        self.tick = Decimal("1")
        self.size_step = Decimal("0.0001")
        self._rows: list[Print] = []
        self._seen = -1
        self._cache: dict[int, Strip] = {}
        self._header: Strip | None = None
        self._styles: dict[str, Style] | None = None
        self.time_format = "%H:%M:%S"
        self._row_cells = 0
        """Cells the widest row drawn so far uses (the rest of every row is blank)."""
        self._painted = False
        """Whether the whole tape was marked dirty since the last change of tape, size or
        style: until then a repaint covers every cell."""

    def set_tape(
        self, tape: Tape | None, tick: Decimal | None = None, size_step: Decimal | None = None
    ) -> None:
        self.tape = tape
        if tick is not None:
            self.tick = tick
        if size_step is not None:
            self.size_step = size_step
        self._seen = -1
        self._cache.clear()
        self._painted = False
        self.update()

    def update(self) -> None:
        """Re-read the tape; repaint only when prints were added."""
        tape = self.tape
        appended = tape.appended if tape is not None else 0
        if appended == self._seen:
            return
        self._seen = appended
        self._rows = tape.newest_first(max(0, self.size.height - 1)) if tape is not None else []
        if len(self._cache) > 4 * max(self.size.height, 16):
            keep = {p.seq for p in self._rows}
            self._cache = {k: v for k, v in self._cache.items() if k in keep}
        if not self._painted:
            self._painted = True
            self.refresh()
            return
        for y in range(1, len(self._rows) + 1):
            self.render_line(y)  # (cached until painted) so the widest row is known
        width, height = self.size
        self.refresh(Region(0, 1, min(width, self._row_cells), max(0, height - 1)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._header = None
        self._cache.clear()
        self._painted = False

    def on_resize(self) -> None:
        self._header = None
        self._cache.clear()
        self._painted = False
        self._row_cells = 0
        self._seen = -1
        self.update()

    def direct_styles(self) -> list[Style]:
        self._style("base")
        assert self._styles is not None
        return list(self._styles.values())

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                n: self.get_component_rich_style(n, partial=True) for n in self.COMPONENT_CLASSES
            }
            self._styles["base"] = self.rich_style
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._style("base")
        if y == 0:
            header = self._header
            if header is None or header.cell_length != width:
                text = fit(
                    f"{fit(_('Time'), 8)} {fit_right(_('Price'), 12)} {fit_right(_('Size'), 10)}",
                    width,
                )
                header = Strip([Segment(text, base + self._style("tape--header"))], width)
                self._header = header
            return header
        if y - 1 >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[y - 1]
        strip = self._cache.get(row.seq)
        if strip is None or strip.cell_length != width:
            strip = self._render_print(row, width, base)
            self._cache[row.seq] = strip
        return strip

    def _render_print(self, p: Print, width: int, base: Style) -> Strip:
        side = self._style("tape--buy" if p.side is Side.BUY else "tape--sell")
        if p.large:
            side = side + self._style("tape--large")
        t = p.timestamp.astimezone(JST).strftime(self.time_format)
        price = fmt(p.price, decimals_of(self.tick))
        size = fmt(p.size, decimals_of(self.size_step), commas=False)
        arrow = "▲" if p.side is Side.BUY else "▼"
        rest = f" {price:>12} {size:>10} {arrow}"
        self._row_cells = max(self._row_cells, min(width, len(t) + len(rest)))
        segments = [Segment(t[:width], base + self._style("tape--time"))]
        if len(t) < width:
            segments.append(Segment(rest[: width - len(t)], base + side))
        return Strip(segments).extend_cell_length(width, base).crop(0, width)

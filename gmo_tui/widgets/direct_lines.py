"""``DirectLines``: a mixin for the hot Line API panes (ladder, tape) that hands their cached
strips to the compositor without re-styling them on every frame.

Textual's default ``Widget.render_lines`` passes every dirty line through the widget's styles
cache, which re-applies background, padding, border, tint and opacity and builds a *new* Strip
each time; the new Strip then misses the per-strip cache of the line filters, so the
ANSI-to-truecolor filter runs over every segment again. For a tape whose rows all move down
one line per print, or a ladder whose prices all change when the mid moves, that was most of a
busy frame (``bench.count_renders``: tape ~1.3 ms and ladder ~1.0 ms of a ~3.7 ms frame).

Here a content line is the pane's own cached strip framed by the left and right border cells,
and the framed strip is memoised per content strip, so a row that only moved costs a dict
lookup. The border cells and the top and bottom border rows (with the title) are taken from
Textual's own rendering of the widget and re-taken whenever the styles, the size or the title
change, so they look exactly as Textual draws them.

The direct path is used only while it is equivalent to Textual's: no padding, outline, hatch
or tint, full opacity and text opacity, borders at most one cell wide. Otherwise (a user theme
or stylesheet adding any of those) the mixin falls back to Textual's path, so nothing a
stylesheet can say is lost.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.style import Style
from textual.color import Color
from textual.filter import ANSIToTruecolor, LineFilter
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from gmo_tui.widgets.flat_strip import FlatStrip
from gmo_tui.widgets.render_memo import RenderMemo

_MEMO_PER_ROW = 4


def _has_ansi_colour(style: Style) -> bool:
    return any(c is not None and c.triplet is None for c in (style.color, style.bgcolor))


class DirectLines(RenderMemo, Widget):
    """Mixin for Line API panes whose ``render_line`` returns cached full-width strips."""

    _direct: tuple[bool, bool, bool, bool] | None | bool = None
    """(border top, right, bottom, left) when the direct path applies, False when it does not,
    None when not yet decided."""

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._direct_reset()

    def _direct_reset(self) -> None:
        self._direct = None
        self._direct_background: Color | None = None
        self._direct_edges: tuple[Strip, Strip] | None = None
        self._direct_rows: dict[tuple[int, int, object, object], Strip] = {}
        self._direct_memo: dict[int, tuple[Strip, Strip]] = {}
        self._direct_filters: list[LineFilter] | None = None
        self._direct_app_filters: tuple[LineFilter, ...] = ()

    def _direct_mode(self) -> tuple[bool, bool, bool, bool] | bool:
        styles = self.styles
        if any(styles.padding) or any(edge for edge, _ in styles.outline):
            return False
        if styles.tint.a or styles.text_opacity != 1.0 or self.opacity != 1.0:
            return False
        if styles.has_rule("hatch") and styles.hatch != "none":
            return False
        # (links: these panes' strips carry none, so the hover-link styling has nothing to do)
        top, right, bottom, left = (bool(edge) for edge, _ in styles.border)
        if tuple(styles.gutter) != (int(top), int(right), int(bottom), int(left)):
            return False
        return (top, right, bottom, left)

    def _fresh_lines(self, crop: Region) -> list[Strip]:
        """Called by RenderMemo.render_lines when the widget changed since the last frame."""
        mode = self._direct
        if mode is None:
            if not hasattr(self, "_direct_memo"):
                self._direct_reset()
            mode = self._direct = self._direct_mode()
        if mode is False:
            return Widget.render_lines(self, crop)
        assert isinstance(mode, tuple)
        top, right, bottom, left = mode
        width, height = self.outer_size  # crop and border rows are in outer coordinates
        app_filters = tuple(self.app.get_line_filters())
        if app_filters != self._direct_app_filters:  # e.g. ANSI colour mode switched
            self._direct_app_filters = app_filters
            self._direct_filters = None
            self._direct_memo.clear()
        filters = self._direct_filters
        if filters is None:
            filters = self._direct_filters = self._needed_filters(app_filters)
        background = self._direct_background
        if background is None:
            background = self._direct_background = self.background_colors[1]
        framed = left or right
        if framed and self._direct_edges is None:
            self._direct_edges = self._take_edges(int(top), width)
        memo = self._direct_memo
        if len(memo) > _MEMO_PER_ROW * max(height, 16):
            memo.clear()
        render_line = self.render_line
        strips: list[Strip] = []
        append = strips.append
        for y in crop.line_range:
            if (top and y == 0) or (bottom and y == height - 1):
                append(self._border_row(y, width))
                continue
            content = render_line(y - top)
            hit = memo.get(id(content))
            if hit is None or hit[0] is not content:
                strip = content
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                if framed:
                    edge_left, edge_right = self._direct_edges  # type: ignore[misc]
                    strip = FlatStrip(
                        [*(edge_left if left else ()), *strip, *(edge_right if right else ())],
                        strip.cell_length + left + right,
                    )
                else:
                    strip = FlatStrip.of(strip)
                hit = (content, strip)
                memo[id(content)] = hit
            append(hit[1])
        x1, x2 = crop.column_span
        if x1 != 0 or x2 != width:
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def direct_styles(self) -> Iterable[Style] | None:
        """Every style this pane's strips use, or None if unknown. When none of them holds an
        ANSI palette colour, the ANSI-to-truecolor filter (a no-op for them) is skipped."""
        return None

    def _needed_filters(self, app_filters: Iterable[LineFilter]) -> list[LineFilter]:
        filters = list(app_filters)
        styles = self.direct_styles()
        if styles is None:
            return filters
        if any(_has_ansi_colour(style) for style in styles):
            return filters
        return [f for f in filters if not isinstance(f, ANSIToTruecolor)]

    def _take_edges(self, y: int, width: int) -> tuple[Strip, Strip]:
        """The left and right border cells as Textual draws them on a content row."""
        line = Widget.render_lines(self, Region(0, y, width, 1))[0]
        return line.crop(0, 1), line.crop(width - 1, width)

    def _border_row(self, y: int, width: int) -> Strip:
        key = (y, width, self.border_title, self.border_subtitle)
        row = self._direct_rows.get(key)
        if row is None:
            if len(self._direct_rows) > 8:
                self._direct_rows.clear()
            row = self._direct_rows[key] = Widget.render_lines(self, Region(0, y, width, 1))[0]
        return row

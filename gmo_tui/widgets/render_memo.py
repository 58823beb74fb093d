"""``RenderMemo``: a mixin that hands the compositor the same lines again while a widget is
unchanged.

Textual's compositor asks *every* widget whose clip overlaps a frame's dirty area for all of
its lines, and a widget directly on the screen has the whole screen as its clip. So while the
ladder and the tape change, the header, status bar, ticket, tab strip, footer and the screen
itself were asked for every line of every frame (``bench.count_renders``: ~500 us a frame of
styles-cache look-ups for widgets that had not changed).

A widget's lines change only after it is marked dirty (``refresh``, a style update, a resize:
all go through ``Widget._set_dirty``) or its styles are updated (``notify_style_update``); the
mixin keeps the last answer for a crop until then.

It is a plain class, not a Widget subclass, and goes *before* the widget class in the bases
(``class KeyFooter(RenderMemo, Footer)``): Textual follows only the first DOMNode base when it
collects a widget's default CSS and CSS type names.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region, Size
from textual.strip import Strip


class RenderMemo:
    """Mixin: ``render_lines(crop)`` returns the previous answer while nothing changed."""

    _memo_lines: tuple[Region, Size, list[Strip]] | None = None

    def _set_dirty(self, *regions: Region) -> None:
        self._memo_lines = None
        super()._set_dirty(*regions)  # type: ignore[misc]

    def notify_style_update(self) -> None:
        self._memo_lines = None
        super().notify_style_update()  # type: ignore[misc]

    def render_lines(self, crop: Region) -> list[Strip]:
        memo = self._memo_lines
        size: Any = self.outer_size  # type: ignore[attr-defined]
        if memo is not None and memo[0] == crop and memo[1] == size:
            return memo[2]
        lines = self._fresh_lines(crop)
        self._memo_lines = (crop, size, lines)
        return lines

    def _fresh_lines(self, crop: Region) -> list[Strip]:
        """The lines as the widget draws them now (Textual's path unless overridden)."""
        lines: list[Strip] = super().render_lines(crop)  # type: ignore[misc]
        return lines

"""``FlatStrip``: a Textual Strip that never keeps a reference to itself.

Textual's ``Strip.divide``, ``adjust_cell_length`` and ``crop_extend`` cache their result in
the strip's own caches, and when nothing needs cutting that result is the strip itself: a
reference cycle (strip -> cache -> strip). The compositor divides every line it paints, so
every row the ladder and the tape replaced became cyclic garbage, ~8,000 objects a second at
the busy load (``gc.DEBUG_SAVEALL``: FIFO caches, strips, segments), freed only by the cyclic
collector in 15-35 ms pauses. A FlatStrip answers those cases with ``self`` without caching,
so a dropped row is freed at once by reference counting.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.style import Style
from textual.strip import Strip


class FlatStrip(Strip):
    __slots__ = ()

    @classmethod
    def of(cls, strip: Strip) -> FlatStrip:
        return strip if isinstance(strip, FlatStrip) else cls(list(strip), strip.cell_length)

    def divide(self, cuts: Iterable[int]) -> Sequence[Strip]:
        cell_length = self.cell_length
        cuts = [cut for cut in cuts if cut <= cell_length]
        if cuts == [cell_length]:
            return [self]
        return super().divide(cuts)

    def adjust_cell_length(self, cell_length: int, style: Style | None = None) -> Strip:
        if cell_length == self.cell_length:
            return self
        return super().adjust_cell_length(cell_length, style)

    def crop_extend(self, start: int, end: int, style: Style | None) -> Strip:
        if start == 0 and end == self.cell_length:
            return self
        return super().crop_extend(start, end, style)

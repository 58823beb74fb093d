"""FlatStrip: the compositor's no-op divide / adjust / crop-extend of a row must not leave a
reference cycle (a replaced ladder or tape row is then freed by reference counting, not by
the cyclic garbage collector's pauses)."""

from __future__ import annotations

import gc

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from gmo_tui.widgets.flat_strip import FlatStrip


def _rows(cls: type[Strip], n: int = 200) -> int:
    """Make ``n`` rows, put them through what the compositor does, drop them; return how many
    objects only the cyclic collector could free."""
    gc.collect()
    gc.disable()
    try:
        for i in range(n):
            strip = cls([Segment(f"{i:>10} 0.01", Style(bold=True))], 15)
            assert strip.divide([15]) == [strip]  # a line that no other widget cuts
            assert strip.adjust_cell_length(15) is strip
            assert strip.crop_extend(0, 15, None).text == strip.text
            del strip
        return gc.collect()
    finally:
        gc.enable()


def test_flat_strip_rows_leave_no_cyclic_garbage() -> None:
    assert _rows(FlatStrip) == 0
    assert _rows(Strip) > 0  # Textual's own Strip caches itself: what FlatStrip avoids


def test_flat_strip_cuts_like_a_strip() -> None:
    segments = [Segment("abcdef", Style(bold=True)), Segment("ghij", Style(italic=True))]
    flat, plain = FlatStrip(segments, 10), Strip(segments, 10)
    for cuts in ([3, 10], [10], [4, 6, 10], [12]):
        assert [s.text for s in flat.divide(cuts)] == [s.text for s in plain.divide(cuts)]
    assert flat.adjust_cell_length(12).text == plain.adjust_cell_length(12).text
    assert flat.crop_extend(2, 12, None).text == plain.crop_extend(2, 12, None).text
    assert FlatStrip.of(plain).text == plain.text and FlatStrip.of(flat) is flat

"""Padding and truncation in terminal cells: Japanese takes two cells a character."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from gmo_tui.i18n.cells import center, fit, fit_right, pad


@pytest.mark.parametrize(
    "text", ["Price", "価格", "ロスカット", "スプレッド 6,000  仲値 15,018,000.0", ""]
)
@pytest.mark.parametrize("width", [0, 1, 3, 8, 12, 40])
def test_exactly_width_cells(text: str, width: int) -> None:
    for shaped in (fit(text, width), fit_right(text, width), center(text, width)):
        assert cell_len(shaped) == width


def test_japanese_is_measured_in_cells_not_characters() -> None:
    assert fit_right("価格", 12) == " " * 8 + "価格"  # len() would have padded 10
    assert fit("時刻", 8) == "時刻    "
    assert center("— 板なし —", 20) == "     — 板なし —     "
    # cut on a double-width character: the half cell left is a space, never half a glyph
    assert fit("ロスカット", 5) == "ロス "
    assert pad("建玉", 6) == "建玉  "
    assert pad("ロスカットレート", 6) == "ロスカットレート"  # pad never cuts

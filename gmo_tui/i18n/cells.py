"""Text measured in terminal cells: Japanese is double-width, so padding and truncation go
by :func:`rich.cells.cell_len`, never ``len``/``ljust``/format widths."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

__all__ = ["cell_len", "center", "fit", "fit_right", "pad"]


def fit(text: str, width: int) -> str:
    """``text`` left-aligned in exactly ``width`` cells (cut, or padded with spaces)."""
    return set_cell_size(text, max(0, width))


def fit_right(text: str, width: int) -> str:
    """``text`` right-aligned in exactly ``width`` cells (cut at the right when too long)."""
    cells = cell_len(text)
    if cells >= width:
        return set_cell_size(text, max(0, width))
    return " " * (width - cells) + text


def center(text: str, width: int) -> str:
    """``text`` centred in exactly ``width`` cells (cut when too long)."""
    cells = cell_len(text)
    if cells >= width:
        return set_cell_size(text, max(0, width))
    left = (width - cells) // 2
    return " " * left + text + " " * (width - cells - left)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to at least ``width`` cells (never cut), like ``:<width``."""
    return text + " " * max(0, width - cell_len(text))

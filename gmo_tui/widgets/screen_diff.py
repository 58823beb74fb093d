"""Screen diff: each frame is rewritten to the cells that changed since the terminal last
showed them.

Textual writes a dirty line of a pane from the pane's left edge to the end of the dirty
region, every segment with its whole style and a reset after it
(``ESC[38;2;r;g;b;48;2;r;g;bm text ESC[0m``). A print moves every row of the tape down by
one, most of them to cells that already hold the same time and price; a size that changed at
the right of a ladder row resends its prices; and the colour codes outweigh the text about
three to one. :class:`ScreenDiff` keeps what the terminal shows (character and SGR parameters
per cell), writes each line only from its first changed cell to its last, and changes between
styles with only the parameters that differ, carrying the style across the frame's lines.

Anything it does not understand (a control sequence that may paint or clear, text whose
position is not known) it passes through unchanged after forgetting what the screen holds, so
the next frame is written in full. :class:`DiffingDriver` puts it in front of Textual's Linux
driver; ``output_diff`` in the config is the one switch. ``tests/app/test_screen_diff.py``
checks, with a terminal model, that the diffed stream leaves every cell as the original does.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import Any

from rich.cells import get_character_cell_size
from textual.app import App
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver

Cell = tuple[str, str]
"""One terminal cell: its character ('' for the right half of a wide one) and the SGR
parameters it is drawn with ('' for the default style)."""
UNKNOWN: Cell = ("\x00", "\x00")
"""A cell whose content is not known: equal to no cell a write makes."""

MOVE = re.compile(r"\x1b\[(\d*);?(\d*)H")
"""A cursor move: a frame is split at them into lines."""
TOKEN = re.compile(
    r"\x1b\[([0-9;]*)m([^\x00-\x1f\x7f]*?)\x1b\[0m"  # 1, 2: a styled segment, as Textual writes
    r"|\x1b\[([0-9;]*)m"  # 3: SGR
    r"|(\x1b\[6n|\x1b\[\?(?:2026|25)[hl]|\x1b\](?!8;)[^\x07\x1b]*(?:\x07|\x1b\\)|\x07)"  # 4: harmless
    r"|(\r\n|\n)"  # 5: new line
    r"|(\x1b\[[0-?]*[ -/]*[@-~]|\x1b[^\[]?|[\x00-\x1f\x7f])"  # 6: anything else
)
"""What a line holds, as Textual writes it. Harmless sequences neither move the cursor nor
paint: a cursor position request, synchronized output on/off, cursor shown/hidden, OSC (title,
clipboard, notification; not a hyperlink, which marks the cells after it), BEL."""
_STANDARD_FG = frozenset(str(n) for n in (*range(30, 38), *range(90, 98), 39))
_STANDARD_BG = frozenset(str(n) for n in (*range(40, 48), *range(100, 108), 49))


@lru_cache(maxsize=512)
def _parts(params: str) -> tuple[frozenset[str], str, str] | None:
    """(attribute codes, foreground, background) of one SGR parameter list; None for a list
    this does not model."""
    codes = params.split(";")
    flags: set[str] = set()
    fg = bg = ""
    i = 0
    while i < len(codes):
        code = codes[i]
        if code in ("38", "48"):
            width = (
                5 if codes[i + 1 : i + 2] == ["2"] else 3 if codes[i + 1 : i + 2] == ["5"] else 0
            )
            if not width or i + width > len(codes):
                return None
            colour = ";".join(codes[i : i + width])
            fg, bg = (colour, bg) if code == "38" else (fg, colour)
            i += width
            continue
        if code in _STANDARD_FG:
            fg = code
        elif code in _STANDARD_BG:
            bg = code
        elif code.isdigit() and code != "0":
            flags.add(code)
        else:
            return None
        i += 1
    return frozenset(flags), fg, bg


@lru_cache(maxsize=4096)
def sgr_change(old: str, new: str) -> str:
    """The shortest sequence this writes that takes the terminal from style ``old`` to style
    ``new`` (both as the parameters Textual writes after a reset; '' is the default)."""
    if old == new:
        return ""
    if not new:
        return "\x1b[0m"
    if not old:
        return f"\x1b[{new}m"
    was, now = _parts(old), _parts(new)
    if was is None or now is None or not was[0] <= now[0]:
        return f"\x1b[0;{new}m"  # an attribute turns off: start from the default
    codes = [code for code in new.split(";") if code in now[0] - was[0]]
    if now[1] != was[1]:
        codes.append(now[1] or "39")
    if now[2] != was[2]:
        codes.append(now[2] or "49")
    return f"\x1b[{';'.join(codes)}m"


class Unmodelled(Exception):
    """A write this does not model: it passes through as it is."""


@lru_cache(maxsize=4096)
def _widths(text: str) -> tuple[int, ...] | None:
    """The cell width of each character of ``text``; None when every one is one cell."""
    widths = tuple(get_character_cell_size(char) for char in text)
    return None if all(width == 1 for width in widths) else widths


_CELLS: dict[Cell, Cell] = {}
"""One tuple per distinct cell (a few thousand: characters x styles), shared by every line kept."""
CELLS_KEPT = 20_000


def _cells(text: str, style: str, into: list[Cell]) -> None:
    if len(_CELLS) > CELLS_KEPT:
        _CELLS.clear()
    cell = _CELLS.setdefault
    if text.isascii() or (widths := _widths(text)) is None:
        into.extend([cell((char, style), (char, style)) for char in text])
        return
    for char, width in zip(text, widths, strict=True):
        if width == 2:
            into.append(cell((char, style), (char, style)))
            into.append(cell(("", style), ("", style)))
        elif width == 1:
            into.append(cell((char, style), (char, style)))
        elif into and into[-1][0]:  # a combining mark joins the cell before it
            into[-1] = (into[-1][0] + char, into[-1][1])
        else:
            raise Unmodelled


_PARSED: dict[str, tuple[list[Cell], list[str]]] = {}
PARSED_KEPT = 1024
"""Lines parsed and kept (a tape row is written again on every print as it moves down); the
lines are lists of shared cells, a few KB each."""


def _parsed(content: str) -> tuple[list[Cell], list[str]]:
    """The cells of what follows one cursor move (up to the next), and the harmless sequences
    in it; raises :class:`Unmodelled` for anything else."""
    known = _PARSED.get(content)
    if known is not None:
        return known
    cells: list[Cell] = []
    harmless_found: list[str] = []
    style = ""
    ended = False  # after a new line the cursor is not known
    pos = 0
    for match in TOKEN.finditer(content):
        start = match.start()
        if start > pos:
            if ended:
                raise Unmodelled
            _cells(content[pos:start], style, cells)
        pos = match.end()
        segment_style, text, sgr, harmless, newline, _other = match.groups()
        if text is not None:
            if ended or style:
                raise Unmodelled
            _cells(text, "" if segment_style in ("", "0") else segment_style, cells)
        elif sgr is not None:
            if sgr in ("", "0"):
                style = ""
            elif style:
                raise Unmodelled  # a style on a style: Textual resets between segments
            else:
                style = sgr
        elif harmless is not None:
            harmless_found.append(harmless)
        elif newline is not None:
            ended = True
        else:
            raise Unmodelled  # a move is split off before; anything else may paint
    if pos < len(content):
        if ended:
            raise Unmodelled
        _cells(content[pos:], style, cells)
    if style:
        raise Unmodelled  # a style left open past the line
    if len(_PARSED) >= PARSED_KEPT:
        _PARSED.clear()
    _PARSED[content] = (cells, harmless_found)
    return cells, harmless_found


class ScreenDiff:
    """What the terminal shows, and the writes that change only what differs."""

    def __init__(self) -> None:
        self._rows: dict[int, list[Cell]] = {}
        self.bytes_in = 0
        """Characters Textual asked to write."""
        self.bytes_out = 0
        """Characters written after the diff."""

    def invalidate(self) -> None:
        """Forget what the screen shows: the next frame is written in full (after a resize, a
        suspend, anything written around the app)."""
        self._rows.clear()

    def frame(self, data: str) -> str:
        """``data`` as the terminal needs it, given what it shows now."""
        self.bytes_in += len(data)
        try:
            out = self._diff(data)
        except (Unmodelled, IndexError):
            self.invalidate()
            out = data
        self.bytes_out += len(out)
        return out

    def _diff(self, data: str) -> str:
        pieces = MOVE.split(data)  # what precedes the first move, then (row, column, what follows)
        lines: list[tuple[int, int, list[Cell]] | str] = []
        if pieces[0]:
            cells, harmless = _parsed(pieces[0])
            if cells:
                raise Unmodelled  # text where the cursor is not known
            lines.extend(harmless)
        for i in range(1, len(pieces), 3):
            cells, harmless = _parsed(pieces[i + 2])
            lines.append((int(pieces[i] or 1) - 1, int(pieces[i + 1] or 1) - 1, cells))
            lines.extend(harmless)
        return self._write(lines)

    def _write(self, lines: list[tuple[int, int, list[Cell]] | str]) -> str:
        out: list[str] = []
        state = ""
        rows = self._rows
        last = max((i for i, item in enumerate(lines) if not isinstance(item, str)), default=-1)
        for index, item in enumerate(lines):
            if isinstance(item, str) or (index == last and not item[2]):
                if state:
                    out.append("\x1b[0m")
                    state = ""
                # a harmless sequence, or the move to where Textual leaves the cursor
                out.append(item if isinstance(item, str) else f"\x1b[{item[0] + 1};{item[1] + 1}H")
                continue
            y, x, cells = item
            n = len(cells)
            if not n:
                continue
            row = rows.setdefault(y, [])
            end = x + n
            if len(row) < end:
                row.extend([UNKNOWN] * (end - len(row)))
            old = row[x:end]
            row[x:end] = cells
            if index == last:
                first, stop = 0, n  # the cursor must end where Textual's own write leaves it
            else:
                if old == cells:
                    continue
                first = 0
                while old[first] == cells[first]:
                    first += 1
                stop = n
                while old[stop - 1] == cells[stop - 1]:
                    stop -= 1
                while first and not cells[first][0]:
                    first -= 1  # the right half of a wide character: start at its left
            out.append(f"\x1b[{y + 1};{x + first + 1}H")
            for style, run in groupby(cells[first:stop], key=itemgetter(1)):
                out.append(sgr_change(state, style))
                state = style
                out.append("".join(map(itemgetter(0), run)))
        if state:
            out.append("\x1b[0m")
        return "".join(out)


class DiffingDriver(LinuxDriver):
    """Textual's Linux driver with every write passed through a :class:`ScreenDiff`, which
    forgets the screen whenever the terminal's size has changed (a terminal may reflow or
    clear what it shows when resized)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.screen_diff = ScreenDiff()
        self._size: os.terminal_size | None = None

    def write(self, data: str) -> None:
        try:
            size = os.get_terminal_size(self._file.fileno()) if self._file else None
        except (OSError, ValueError):
            size = None
        if size != self._size:
            self._size = size
            self.screen_diff.invalidate()
        super().write(self.screen_diff.frame(data))


def redraw(app: App[Any]) -> None:
    """Forget what the terminal shows and paint the whole screen (``Ctrl+L``): after a write
    from outside the app (a ``wall`` message, a stray ``cat``), cells the diff takes as
    unchanged are repaired too."""
    driver = app._driver
    if isinstance(driver, DiffingDriver):
        driver.screen_diff.invalidate()
    app.screen.refresh()


def with_screen_diff(driver_class: type[Driver]) -> type[Driver]:
    """:class:`DiffingDriver` in place of Textual's Linux driver; any other as it is (the web
    driver of ``gmo-tui serve``, the headless one of the tests)."""
    return DiffingDriver if driver_class is LinuxDriver else driver_class

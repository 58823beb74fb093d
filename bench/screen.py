"""What the terminal shows, from the app's output: a character grid that takes cursor moves and
text (styles and other sequences skipped), and the text of every row as it was after each
chunk that changed it.

The probes look for a marker (a trade's size, a level's total) on the *screen*, not in the
bytes: an app that writes only the cells that changed sends ``7.0123`` as ``3`` when the row
showed ``7.0122`` before, and the marker is on screen all the same.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

TOKEN = re.compile(
    r"\x1b\[([0-9;?]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[^\[\]]|(\r\n|\n|\r)"
)
PARTIAL = re.compile(r"\x1b(?:\[[0-9;?]*|\][^\x07\x1b]*|\x1b?)?\Z")
"""An escape sequence cut off at the end of a read: kept for the next one."""


@lru_cache(maxsize=4096)
def _width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


class ScreenText:
    """A ``cols`` x ``rows`` grid of characters fed with raw output."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.grid = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._tail = ""

    def feed(self, data: bytes) -> set[int]:
        """Apply one read; the rows it changed."""
        text = self._tail + self._decoder.decode(data)
        cut = PARTIAL.search(text)
        if cut is not None and cut.start() < len(text):
            text, self._tail = text[: cut.start()], text[cut.start() :]
        else:
            self._tail = ""
        touched: set[int] = set()
        pos = 0
        for match in TOKEN.finditer(text):
            if match.start() > pos:
                self._text(text[pos : match.start()], touched)
            pos = match.end()
            params, final, newline = match.groups()
            if final == "H":
                row, _, col = (params or "").partition(";")
                self.y = min(max(int(row or 1) - 1, 0), self.rows - 1)
                self.x = min(max(int(col or 1) - 1, 0), self.cols - 1)
            elif final == "J" and params == "2":
                self.grid = [[" "] * self.cols for _ in range(self.rows)]
                touched.update(range(self.rows))
            elif newline is not None:
                self.x = 0 if newline != "\n" else self.x
                if newline != "\r":
                    self.y = min(self.y + 1, self.rows - 1)
        if pos < len(text):
            self._text(text[pos:], touched)
        return touched

    def _text(self, text: str, touched: set[int]) -> None:
        row = self.grid[self.y]
        touched.add(self.y)
        if text.isascii():
            end = min(self.x + len(text), self.cols)
            row[self.x : end] = text[: end - self.x]
            self.x = end
            return
        for char in text:
            width = _width(char)
            if width == 0 or self.x >= self.cols:
                continue
            row[self.x] = char
            if width == 2 and self.x + 1 < self.cols:
                row[self.x + 1] = ""
            self.x += width

    def row_text(self, y: int) -> str:
        return "".join(self.grid[y])

    def text(self) -> str:
        return "\n".join(self.row_text(y) for y in range(self.rows))

"""The screen diff (gmo_tui/widgets/screen_diff.py) leaves every cell of the terminal as
Textual's own output does, and sends far less.

A terminal model takes both streams: characters (wide ones as two cells), cursor moves, and
SGR codes interpreted as the attributes and colours they set, so a shorter code that ends in
the same style counts as the same. The streams are the real ladder and tape's frames, and
random frames written the way Textual writes them."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import get_character_cell_size
from rich.color import ColorSystem
from rich.style import Style
from textual.strip import Strip

from gmo_tui.market.tape import Tape
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.screen_diff import ScreenDiff, sgr_change
from gmo_tui.widgets.trades_tape import TradesTape
from tests.app.test_output_pacing import SIZE, _book
from tests.app.test_tape_output import RecordingPanes
from tests.market.factories import trade

TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|\x07")
OFF = {"22": ("1", "2"), "23": ("3",), "24": ("4", "21"), "25": ("5", "6"), "27": ("7",)}
OFF |= {"28": ("8",), "29": ("9",), "55": ("53",)}


class StyledTerminal:
    """Cells of (character, attributes, foreground, background)."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cols, self.rows = cols, rows
        self.blank = (" ", frozenset[str](), "", "")
        self.cells = [[self.blank] * cols for _ in range(rows)]
        self.x = self.y = 0
        self.attrs: frozenset[str] = frozenset()
        self.fg = self.bg = ""

    def feed(self, data: str) -> None:
        pos = 0
        for m in TOKEN.finditer(data):
            self._text(data[pos : m.start()])
            pos = m.end()
            params, final = m.group(1), m.group(2)
            if final == "H":
                row, _, col = params.partition(";")
                self.y, self.x = int(row or 1) - 1, int(col or 1) - 1
            elif final == "m":
                self._sgr(params)
            elif final == "J" and params == "2":
                self.cells = [[self.blank] * self.cols for _ in range(self.rows)]
        self._text(data[pos:])

    def _sgr(self, params: str) -> None:
        codes = params.split(";") if params else ["0"]
        attrs = set(self.attrs)
        i = 0
        while i < len(codes):
            code = codes[i]
            if code in ("38", "48"):
                width = 5 if codes[i + 1] == "2" else 3
                colour = ";".join(codes[i + 1 : i + width])
                if code == "38":
                    self.fg = colour
                else:
                    self.bg = colour
                i += width
                continue
            number = int(code)
            if number == 0:
                attrs.clear()
                self.fg = self.bg = ""
            elif 30 <= number <= 37 or 90 <= number <= 97:
                self.fg = code
            elif 40 <= number <= 47 or 100 <= number <= 107:
                self.bg = code
            elif number == 39:
                self.fg = ""
            elif number == 49:
                self.bg = ""
            elif code in OFF:
                attrs -= set(OFF[code])
            else:
                attrs.add(code)
            i += 1
        self.attrs = frozenset(attrs)

    def _put(self, x: int, cell: tuple[str, frozenset[str], str, str]) -> None:
        row = self.cells[self.y]
        if row[x][0] == "" and x > 0:  # the right half of a wide character: it goes
            row[x - 1] = self.blank
        if x + 1 < self.cols and row[x + 1][0] == "":
            row[x + 1] = self.blank  # the left half of one: its right half goes
        row[x] = cell

    def _text(self, text: str) -> None:
        for ch in text:
            if ch == "\n":
                self.y, self.x = self.y + 1, 0
                continue
            if ch == "\r":
                self.x = 0
                continue
            width = get_character_cell_size(ch)
            assert 0 <= self.y < self.rows and self.x + width <= self.cols, (self.y, self.x)
            self._put(self.x, (ch, self.attrs, self.fg, self.bg))
            if width == 2:
                self._put(self.x + 1, ("", self.attrs, self.fg, self.bg))
            self.x += width

    def state(self) -> tuple[object, ...]:
        return (self.cells, self.x, self.y, self.attrs, self.fg, self.bg)


def _same_screens(writes: list[str], cols: int, rows: int) -> ScreenDiff:
    diff = ScreenDiff()
    plain, diffed = StyledTerminal(cols, rows), StyledTerminal(cols, rows)
    for n, data in enumerate(writes):
        plain.feed(data)
        diffed.feed(diff.frame(data))
        assert diffed.state() == plain.state(), n
    return diff


async def test_the_ladder_and_tape_frames_end_on_the_same_cells_with_far_fewer_bytes() -> None:
    app = RecordingPanes()
    async with app.run_test(size=SIZE) as pilot:
        ladder = app.query_one(OrderBookLadder)
        pane = app.query_one(TradesTape)
        tape = Tape("BTC")
        pane.set_tape(tape)
        for step in range(16):
            ladder.set_book(_book(step % 5), {})
            tape.append(trade(str(1000 + step % 3), f"0.0{step % 9 + 1}"))
            pane.update()
            await pilot.pause(0.03)
        await pilot.pause(0.1)
    assert len(app.writes) >= 10
    diff = _same_screens(app.writes, *SIZE)
    first = len(app.writes[0])
    # after the first full paint, what the market moves cost: less than half
    assert diff.bytes_out - first < 0.5 * (diff.bytes_in - first), (diff.bytes_in, diff.bytes_out)


def test_a_style_change_sends_only_what_differs() -> None:
    bold_red_on_black = "1;38;2;255;0;0;48;2;0;0;0"
    red_on_black = "38;2;255;0;0;48;2;0;0;0"
    assert sgr_change(red_on_black, "38;2;0;255;0;48;2;0;0;0") == "\x1b[38;2;0;255;0m"
    assert sgr_change(red_on_black, bold_red_on_black) == "\x1b[1m"
    assert sgr_change(bold_red_on_black, red_on_black) == f"\x1b[0;{red_on_black}m"
    assert sgr_change(red_on_black, "48;2;0;0;0") == "\x1b[39m"
    assert sgr_change(red_on_black, "") == "\x1b[0m"
    assert sgr_change("", red_on_black) == f"\x1b[{red_on_black}m"


def test_what_it_does_not_model_passes_through_and_the_next_frame_is_whole() -> None:
    diff = ScreenDiff()
    frame = "\x1b[1;1H\x1b[31mab\x1b[0m\x1b[1;3H"
    assert diff.frame(frame) == "\x1b[1;1H\x1b[31mab\x1b[0m\x1b[1;3H"
    assert diff.frame(frame) == "\x1b[1;3H"  # nothing changed: only the cursor
    assert diff.frame("\x1b[2J") == "\x1b[2J"  # a clear: passed on, and the screen forgotten
    assert diff.frame(frame) == frame
    assert diff.frame("no position") == "no position"
    assert diff.frame(frame) == frame


STYLES = [
    Style(),
    Style(color="#ff6b6b", bgcolor="#0d1117"),
    Style(color="#2ecc71", bgcolor="#0d1117"),
    Style(color="#9aa4b2", bgcolor="#0d1117", bold=True),
    Style(color="#9aa4b2", bgcolor="#3d1616", underline=True),
    Style(color="red", italic=True),
    Style(bgcolor="blue", reverse=True, dim=True),
    Style(color="color(208)", bgcolor="color(17)"),
]
SYSTEMS = [ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD]
TEXTS = st.text(alphabet="ab │▼0,.漢字", min_size=1, max_size=6)
SEGMENTS = st.lists(st.tuples(st.sampled_from(range(len(STYLES))), TEXTS), min_size=1, max_size=5)
LINES = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 10), SEGMENTS), min_size=1, max_size=6)
FRAMES = st.lists(
    st.tuples(LINES, st.sampled_from(["", "", "", "\x1b[?2026h", "\x1b[6n", "\x07", "\x1b[2J"])),
    min_size=1,
    max_size=8,
)


def _frame(
    lines: list[tuple[int, int, list[tuple[int, str]]]], extra: str, system: ColorSystem
) -> str:
    """A write as Textual makes it: a move to each line, its segments each with the whole style
    and a reset, new lines between, the cursor put back at the end."""
    parts: list[str] = [extra]
    for n, (y, x, segments) in enumerate(lines):
        if n:
            parts.append("\n")
        parts.append(f"\x1b[{y + 1};{x + 1}H")
        parts.extend(Strip.render_style(STYLES[s], text, system) for s, text in segments)
    parts.append("\x1b[8;1H")
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FRAMES, st.sampled_from(SYSTEMS))
def test_random_frames_end_on_the_same_cells(frames, system: ColorSystem) -> None:  # type: ignore[no-untyped-def]
    writes = [_frame(lines, extra, system) for lines, extra in frames]
    _same_screens(writes, 80, 8)  # the widest line: 10 + 5 segments of 6 wide characters


class _Writer:
    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, data: str) -> None:
        self.written.append(data)


async def test_the_driver_forgets_the_screen_when_the_terminal_is_resized() -> None:
    """A terminal may reflow or clear what it shows when resized: the frame after a size
    change is written whole. Textual's Linux driver is the one replaced; others are kept."""
    import fcntl
    import os
    import struct
    import termios

    from textual.app import App
    from textual.drivers.headless_driver import HeadlessDriver
    from textual.drivers.linux_driver import LinuxDriver

    from gmo_tui.widgets.screen_diff import DiffingDriver, with_screen_diff

    assert with_screen_diff(LinuxDriver) is DiffingDriver
    assert with_screen_diff(HeadlessDriver) is HeadlessDriver
    master, slave = os.openpty()
    try:
        driver = DiffingDriver(App(), debug=False, mouse=False, size=None)
        driver._file = os.fdopen(slave, "w", closefd=False)
        writer = _Writer()
        driver._writer_thread = writer  # type: ignore[assignment]
        frame = "\x1b[2;1H\x1b[31mbook\x1b[0m\x1b[1;1H"
        driver.write(frame)
        driver.write(frame)
        assert writer.written == [frame, "\x1b[1;1H"]
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0))
        driver.write(frame)
        assert writer.written[-1] == frame
    finally:
        os.close(master)
        os.close(slave)

"""Output pacing (gmo_tui/widgets/output_pacing.py): while the terminal is behind, no frame is
written; once it has caught up, one frame paints the latest state, and the terminal ends up
showing exactly what it shows without pacing.

The app's frames are replayed, escape sequence by escape sequence, into a plain character
grid (the test's stand-in for the terminal); the writer's backlog is the one thing the test
sets (a slow terminal is one whose writes stay queued)."""

from __future__ import annotations

import re

import pytest
from textual import events
from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.screen import Screen

from gmo_tui.market.book import Book
from gmo_tui.market.tape import Tape
from gmo_tui.themes import DOMAIN_DEFAULTS, load_themes
from gmo_tui.widgets import output_pacing
from gmo_tui.widgets.link_estimate import LinkEstimate
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.output_pacing import MAX_UNANSWERED, OutputPacer, writer_backlog
from gmo_tui.widgets.status_bar import StatusBar
from gmo_tui.widgets.trades_tape import TradesTape
from tests.market.factories import book_event, trade

SIZE = (100, 30)
ESCAPE = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])")


class Terminal:
    """A character grid fed with the app's output (cursor moves and text; styles ignored)."""

    def __init__(self, cols: int, rows: int) -> None:
        self.cells = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self.frames = 0
        self.last = ""

    def feed(self, data: str) -> None:
        self.frames += 1
        self.last = data
        pos = 0
        for m in ESCAPE.finditer(data):
            self._text(data[pos : m.start()])
            pos = m.end()
            if m.group(2) == "H":
                row, _, col = m.group(1).partition(";")
                self.y, self.x = int(row or 1) - 1, int(col or 1) - 1
        self._text(data[pos:])

    def _text(self, text: str) -> None:
        for ch in text:
            if ch == "\n":
                self.y, self.x = self.y + 1, 0
            elif ch >= " " and 0 <= self.y < len(self.cells) and 0 <= self.x < len(self.cells[0]):
                self.cells[self.y][self.x] = ch
                self.x += 1

    def text(self) -> list[str]:
        return ["".join(row) for row in self.cells]


class PacedPanes(App[None]):
    CSS = "Horizontal { height: 1fr; } OrderBookLadder, TradesTape { width: 1fr; }"

    def __init__(self, pacing: bool, answering: bool = False) -> None:
        super().__init__()
        self.terminal = Terminal(*SIZE)
        self.queued = 0
        self.requests = 0  # cursor position requests written
        self.unanswered_at_frames: list[int] = []  # requests unanswered as each frame went out
        # the queue alone decides here; the byte-rate estimate is tested on its own below;
        # with ``answering`` the terminal is asked after each frame (the test answers)
        self.pacer = OutputPacer(
            self,
            enabled=pacing,
            backlog=lambda: self.queued,
            written=lambda: None,
            ask=self._ask if answering else (lambda: False),
        )

    def _ask(self) -> bool:
        self.requests += 1
        return True

    def answer(self) -> None:
        """The terminal's answer to the oldest request, as the driver's parser posts it."""
        self.post_message(events.CursorPosition(0, 0))

    def post_display_hook(self) -> None:
        self.pacer.frame_written()

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OrderBookLadder()
            yield TradesTape()
        yield StatusBar()

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        self.theme = "gmo-dark"
        self.pacer.start()

    def _display(self, screen: Screen[object], renderable: object) -> None:
        # what the driver would write, had the test a terminal (headless writes nothing)
        if isinstance(renderable, CompositorUpdate) and not self._batch_count:
            self.unanswered_at_frames.append(self.pacer.unanswered)
            self.terminal.feed(renderable.render_segments(self.console))
        super()._display(screen, renderable)  # type: ignore[arg-type]


def _book(step: int) -> Book:
    book = Book("BTC")
    book.apply(
        book_event(
            bids=[(str(1000 - i), f"0.{i + 1}{step}") for i in range(12)],
            asks=[(str(1001 + i + step), f"0.{i + 2}{step}") for i in range(12)],
        ),
        0.0,
    )
    return book


async def _settle(pilot, app: PacedPanes) -> None:
    for _ in range(6):
        await pilot.pause(0.02)


async def _run(pacing: bool, relayout: bool = False) -> tuple[list[str], int, int, PacedPanes]:
    """The same market moves, with the terminal behind for the middle ones (and, with
    ``relayout``, the terminal narrowed meanwhile): the final terminal text, the frames
    written while behind, and in all."""
    app = PacedPanes(pacing)
    async with app.run_test(size=SIZE) as pilot:
        ladder = app.query_one(OrderBookLadder)
        tape_pane = app.query_one(TradesTape)
        tape = Tape("BTC")
        tape_pane.set_tape(tape)
        ladder.set_book(_book(0), {})
        await _settle(pilot, app)
        app.queued = 2  # the terminal stops taking output: frames stay queued
        for _ in range(30):  # the pacer notices within a couple of its polls
            await pilot.pause(0.02)
            if app.pacer.holding or not app.pacer.enabled:
                break
        before = app.terminal.frames
        for step in range(1, 8):
            ladder.set_book(_book(step), {})
            tape.append(trade(str(1000 + step), f"0.0{step}"))
            tape_pane.update()
            if relayout and step == 4:
                await pilot.resize_terminal(SIZE[0] - 10, SIZE[1])  # laid out while held
            await pilot.pause(0.03)
        while_behind = app.terminal.frames - before
        app.queued = 0  # caught up
        await _settle(pilot, app)
        return app.terminal.text(), while_behind, app.terminal.frames, app


async def test_paced_terminal_ends_on_the_same_screen() -> None:
    paced, paced_behind, _paced_all, app = await _run(pacing=True)
    free, free_behind, _free_all, _ = await _run(pacing=False)
    assert app.pacer.holds >= 1 and app.pacer.held_frames >= 5
    assert paced_behind == 0  # nothing written while the terminal was behind
    assert free_behind >= 5  # without pacing every move was another queued frame
    assert not app.pacer.holding
    assert any("1,007" in line for line in paced)  # the latest book is on screen
    assert paced == free


async def test_a_resize_while_held_ends_on_the_same_screen() -> None:
    """The terminal narrows while painting is held: once it has caught up, the terminal
    matches the unpaced one (Textual repaints the resized screen after the batch; the pacer's
    own full repaint after a layout refresh made while held is a second safety net)."""
    paced, paced_behind, _all, app = await _run(pacing=True, relayout=True)
    free, _free_behind, _free_all, _ = await _run(pacing=False, relayout=True)
    assert app.pacer.holds >= 1 and paced_behind == 0
    assert paced == free


async def _answered_run(pacing: bool) -> tuple[list[str], PacedPanes, list[int]]:
    """The same market moves, with a terminal that answers each request only when the test
    says: answered at once at first, then not at all during seven moves, then late, one
    answer at a time. The final terminal text, the app, and the requests unanswered as each
    frame of the middle part was written."""
    app = PacedPanes(pacing, answering=True)
    async with app.run_test(size=SIZE) as pilot:
        ladder = app.query_one(OrderBookLadder)
        tape_pane = app.query_one(TradesTape)
        tape = Tape("BTC")
        tape_pane.set_tape(tape)
        ladder.set_book(_book(0), {})
        answered = 0
        for _ in range(10):  # a prompt terminal: every request answered
            await pilot.pause(0.02)
            for _ in range(app.requests - answered):
                app.answer()
            answered = app.requests
        await _settle(pilot, app)
        for _ in range(app.requests - answered):
            app.answer()
        answered = app.requests
        await _settle(pilot, app)
        first = len(app.unanswered_at_frames)
        for step in range(1, 8):  # the terminal falls behind: no answers
            ladder.set_book(_book(step), {})
            tape.append(trade(str(1000 + step), f"0.0{step}"))
            tape_pane.update()
            await pilot.pause(0.03)
        while answered < app.requests:  # late answers, one at a time
            app.answer()
            answered += 1
            await pilot.pause(0.05)
        await _settle(pilot, app)
        return app.terminal.text(), app, app.unanswered_at_frames[first:]


async def test_late_answers_hold_frames_and_end_on_the_same_screen() -> None:
    """A terminal (or SSH link) that answers late: no frame is written while more than
    ``MAX_UNANSWERED`` are unanswered, and the terminal ends on the unpaced screen."""
    paced, app, unanswered = await _answered_run(pacing=True)
    free, free_app, _ = await _answered_run(pacing=False)
    assert app.pacer.answers >= 2 and app.pacer.holds >= 1
    assert unanswered and max(unanswered) <= MAX_UNANSWERED  # never more in flight
    assert len(unanswered) < 7  # moves were folded while the terminal was behind
    assert free_app.requests == 0  # the one switch off: the terminal is never asked
    assert not app.pacer.holding and app.pacer.unanswered == 0
    assert any("1,007" in line for line in paced)  # the latest book is on screen
    assert paced == free


async def test_a_terminal_that_never_answers_is_not_waited_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No answer ever (a terminal without cursor reports, a pipe): after ``FIRST_ANSWER_S``
    frames flow as without the requests, and later the terminal is no longer asked."""
    monkeypatch.setattr(output_pacing, "FIRST_ANSWER_S", 0.2)
    monkeypatch.setattr(output_pacing, "NEVER_ANSWERED_S", 0.5)
    app = PacedPanes(pacing=True, answering=True)
    async with app.run_test(size=SIZE) as pilot:
        ladder = app.query_one(OrderBookLadder)
        step = 0
        while app.pacer.asking and step < 200:
            step += 1
            ladder.set_book(_book(step % 9), {})
            await pilot.pause(0.03)
        frames, asked = app.terminal.frames, app.requests
        ladder.set_book(_book(step + 1), {})
        await _settle(pilot, app)
        assert not app.pacer.asking and not app.pacer.holding
        assert app.pacer.holds <= 1  # the wait for a first answer, once
        assert app.terminal.frames > frames  # still painting
        assert app.terminal.frames >= step // 3  # painting freely, not held
        # asked after frame upon frame while it waited (how many depends on the machine's
        # speed: 0.5 s of frames), then no more
        assert app.pacer.unanswered == 0 and asked >= 2 and app.requests == asked


async def test_answers_that_stop_are_taken_as_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """The terminal answered, then stops (say the app was suspended): the pacer holds, then
    after ``ANSWER_TIMEOUT_S`` paints the latest state again instead of freezing."""
    monkeypatch.setattr(output_pacing, "ANSWER_TIMEOUT_S", 0.3)
    app = PacedPanes(pacing=True, answering=True)
    async with app.run_test(size=SIZE) as pilot:
        ladder = app.query_one(OrderBookLadder)
        ladder.set_book(_book(0), {})
        await _settle(pilot, app)
        app.answer()
        await _settle(pilot, app)
        for step in range(1, 4):
            ladder.set_book(_book(step), {})
            await pilot.pause(0.03)
        assert app.pacer.holding
        for _ in range(50):
            await pilot.pause(0.05)
            if app.pacer.lost_answers:
                break
        await _settle(pilot, app)
        assert app.pacer.lost_answers >= 1
        assert any("1,004" in line for line in app.terminal.text())  # _book(3): asks from 1,004


async def test_no_writer_thread_no_backlog() -> None:
    """Headless (and any driver without Textual's writer thread): the backlog is unknown."""
    app = PacedPanes(pacing=True)
    async with app.run_test(size=SIZE):
        assert writer_backlog(app) is None


def test_status_bar_says_when_frames_are_skipped() -> None:
    bar = StatusBar()
    bar.link_held_frames = 0
    assert "link slow" not in bar.render().plain
    bar.link_held_frames = 12
    assert "link slow: 12 frames skipped" in bar.render().plain


def test_link_estimate_learns_the_rate_and_holds_until_the_buffer_drains() -> None:
    """A 100 KB/s link: the writer backs up for 0.5 s while 50 KB go out; then 20 KB more are
    written at once. The estimate says behind until ~0.2 s of link time have passed."""
    link = LinkEstimate()
    assert not link.behind() and not link.tracking
    link.update(0.0, 1_000_000, writer_blocked=True)
    link.update(0.25, 1_025_000, writer_blocked=True)
    assert link.tracking and link.rate is None
    link.update(0.5, 1_050_000, writer_blocked=False)  # the queue drained: one sample
    assert link.rate == pytest.approx(100_000, rel=0.02)
    assert link.behind()  # the kernel's buffer is taken to be full
    link.update(0.5, 1_070_000, writer_blocked=False)  # a 20 KB frame, at once
    t, behind_until = 0.5, None
    while t < 2.0:
        t += 0.01
        link.update(t, 1_070_000, writer_blocked=False)
        if behind_until is None and not link.behind():
            behind_until = t
    assert behind_until is not None and 0.75 < behind_until < 0.9  # (16 + 20 - 5) KB / 100 KB/s
    assert link.in_flight == 0


def test_link_estimate_forgets_a_link_that_got_fast() -> None:
    link = LinkEstimate()
    link.update(0.0, 0, writer_blocked=True)
    link.update(0.2, 20_000, writer_blocked=False)
    assert link.rate == pytest.approx(100_000, rel=0.02)
    written, t = 20_000, 0.2
    while link.rate is not None and t < 200:  # the writer keeps up: the estimate creeps up
        t += 0.5
        written += int(link.rate * 0.5 * 0.5)
        link.update(t, written, writer_blocked=False)
        assert not link.behind() or t < 1.0  # the 16 KB taken to be buffered drain first
    assert link.rate is None and not link.behind()


def test_a_short_stall_is_no_sample() -> None:
    link = LinkEstimate()
    link.update(0.0, 0, writer_blocked=True)
    link.update(0.02, 5_000, writer_blocked=False)
    assert link.rate is None and not link.behind()

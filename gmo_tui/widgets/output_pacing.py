"""Output pacing: when the terminal (or the SSH channel behind it) takes the app's output
slower than the app makes it, hold frames back and paint the latest state once it has caught
up, so the screen is never more than about one frame behind the market.

Textual writes every frame to the terminal from a writer thread (``textual-output``,
``textual/drivers/_writer_thread.py``) fed by a queue of up to 30 writes; the main thread only
blocks once that queue is full. On a slow link the queue fills with stale frames, each of
which is still written out in turn, and what the trader sees falls seconds behind while every
figure looks live. The queue's length is the signal: a frame still queued one poll after it
was written means the terminal is behind.

:class:`OutputPacer` polls that backlog once a frame period while writes are being seen
queued, ten times a second otherwise (a plain event-loop callback, not a Textual timer, so an
idle app pays next to nothing). While the backlog stays, it holds an
``App.batch_update()`` open: Textual keeps collecting dirty widgets and regions but paints
nothing. When the writer has drained, it closes the batch and asks the screen for the one
frame that shows everything changed meanwhile. A layout refresh made while holding (its paint
would be dropped by the batch) is answered by a full repaint on release.

The queue alone sees the lag only once the kernel's pty buffer (or an SSH channel) is full:
a buffer's worth behind. So once the writer has backed up, a
:class:`~gmo_tui.widgets.link_estimate.LinkEstimate` learns the link's rate from the bytes the
process wrote meanwhile and keeps holding while more than about a frame is still on its way.

Neither signal crosses an SSH session: sshd drains the app's pty as fast as the app writes
and the SSH client buffers what its terminal has not taken, so the writer never backs up. The
one signal that does is the terminal itself: after each frame the pacer writes a cursor
position request (``CSI 6 n``, which every terminal answers with ``CSI row;col R`` once it has
taken everything written before it; Textual parses the answer into
:class:`textual.events.CursorPosition`, which the app otherwise ignores). Frames in flight =
requests not yet answered; while more than ``max_unanswered`` are, the pacer holds as above,
and the frame after the answer paints the latest state. The first answer is waited for
``FIRST_ANSWER_S`` at most (a slow link's first frames take a while; a terminal that never
answers then paints freely, and is no longer asked after ``NEVER_ANSWERED_S``), and answers
that stop coming for ``ANSWER_TIMEOUT_S`` are taken as lost (the pacer paints freely again
and counts anew): the screen is never stalled for longer.

:attr:`OutputPacer.held_frames` counts the frame periods spent holding; the status bar shows
it as ``link slow`` while it grows.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import App, ScreenStackError
from textual.drivers._writer_thread import WriterThread
from textual.message import Message
from textual.screen import Screen

from gmo_tui.widgets.link_estimate import LinkEstimate, bytes_written

FRAME_S = 1 / 60
"""How often the backlog is looked at while the app paints freely (Textual's frame period)."""
HOLD_POLL_S = 0.004
"""How often it is looked at while holding: the caught-up terminal gets its frame promptly."""
QUIET_POLL_S = 0.1
"""How often while no write has been seen queued for a second and no link rate is known:
an idle app pays ten look-ups a second, not sixty."""

CURSOR_REQUEST = "\x1b[6n"
"""Device status report 6: the terminal answers ``CSI row;col R`` after drawing what came before."""
MAX_UNANSWERED = 1
"""Frames whose request may still be unanswered before the pacer holds."""
ANSWER_TIMEOUT_S = 3.0
"""No answer for this long while holding for one: the answers are taken as lost."""
FIRST_ANSWER_S = 5.0
"""How long the first answer is waited for while holding (then: paint freely until one comes)."""
NEVER_ANSWERED_S = 60.0
"""A terminal that has answered nothing this long after the first request is asked no more."""

Backlog = Callable[[], int | None]
"""Writes queued for the terminal and not yet taken by the writer thread (None: unknown)."""
Ask = Callable[[], bool]
"""Writes a cursor position request after the frame just written; False: there is no terminal
to ask (headless, web, Windows)."""


def _writer_thread(app: App[Any]) -> WriterThread | None:
    try:
        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:  # no termios: not a POSIX terminal
        return None
    driver = app._driver
    if not isinstance(driver, LinuxDriver) or not isinstance(driver._writer_thread, WriterThread):
        return None
    return driver._writer_thread


def writer_backlog(app: App[Any]) -> int | None:
    """The number of writes waiting in the app driver's writer-thread queue; None when the
    driver has no writer thread (headless, web, Windows)."""
    writer = _writer_thread(app)
    return None if writer is None else writer._queue.qsize()


def ask_terminal(app: App[Any]) -> bool:
    """Queue a cursor position request behind the frames already written (the writer thread
    keeps their order); False when the driver has no writer thread."""
    writer = _writer_thread(app)
    if writer is None:
        return False
    writer.write(CURSOR_REQUEST)
    return True


class OutputPacer:
    """Holds painting while the terminal is behind (see the module docstring).

    ``backlog`` reads the writer's queue (:func:`writer_backlog` by default), ``written`` the
    process's bytes written so far (:func:`~gmo_tui.widgets.link_estimate.bytes_written`),
    ``ask`` writes a cursor position request (:func:`ask_terminal`); the app calls
    :meth:`frame_written` after each display (``App.post_display_hook``). ``enabled`` is the
    one switch (``output_pacing`` in the config): off, it never holds nor asks.
    """

    def __init__(
        self,
        app: App[Any],
        *,
        enabled: bool = True,
        backlog: Backlog | None = None,
        written: Callable[[], int | None] = bytes_written,
        ask: Ask | None = None,
        max_unanswered: int = MAX_UNANSWERED,
    ) -> None:
        self.app = app
        self.enabled = enabled
        self._backlog: Backlog = backlog or (lambda: writer_backlog(app))
        self._written = written
        self._ask: Ask = ask or (lambda: ask_terminal(app))
        self.max_unanswered = max_unanswered
        self.link = LinkEstimate()
        self._hold: contextlib.ExitStack | None = None
        self._held_screen: Screen[Any] | None = None
        self._held_since = 0.0
        self._was_queued = False
        self._writer_behind = False
        self._queued_at = -1.0
        self._layout_while_held = False
        self._handle: asyncio.TimerHandle | None = None
        self._asking = enabled
        self._listening = False
        self._first_ask_at: float | None = None
        self._answer_clock = 0.0  # the last answer, or the request that began a wait
        self.unanswered = 0
        """Frames written whose request the terminal has not answered yet."""
        self.answers = 0
        """Requests the terminal has answered (never reset)."""
        self.lost_answers = 0
        """Times the answers stopped coming and the pacer painted freely again."""
        self.held_seconds = 0.0
        """Time painting was held for the terminal (never reset), the current hold excluded."""
        self.holds = 0
        """Times painting was held (each ends with one frame of the latest state)."""

    @property
    def held_frames(self) -> int:
        """Frame periods during which painting was held for the terminal (never reset)."""
        held = self.held_seconds
        if self._hold is not None:
            held += time.monotonic() - self._held_since
        return int(held / FRAME_S)

    @property
    def holding(self) -> bool:
        return self._hold is not None

    @property
    def asking(self) -> bool:
        """Whether frames are followed by a cursor position request."""
        return self._asking

    def start(self) -> None:
        """Begin polling and listening for answers (call once the app runs; a no-op when
        switched off)."""
        if self.enabled and self._handle is None:
            self.app.message_signal.subscribe(self.app, self._message, immediate=True)
            self._listening = True
            self._schedule(FRAME_S)

    def stop(self) -> None:
        """Stop polling and paint again freely."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._listening:
            self._listening = False
            self.app.message_signal.unsubscribe(self.app)
        self._asking = False
        self._release()

    def _schedule(self, delay: float) -> None:
        self._handle = asyncio.get_running_loop().call_later(delay, self.poll)

    # ------------------------------------------------------------------ the terminal's answers
    def frame_written(self) -> None:
        """After each display: a frame was written unless painting is batched; ask the
        terminal to answer once it has drawn it, and hold while too many are unanswered."""
        if not self._asking or self.app._batch_count or not self.app.is_running:
            return
        now = time.monotonic()
        if self._first_ask_at is None:
            self._first_ask_at = now
        elif not self.answers and now - self._first_ask_at > NEVER_ANSWERED_S:
            self._asking = False  # a terminal without cursor reports (or a plain pipe)
            self.unanswered = 0
            return
        if not self._ask():
            self._asking = False
            return
        if not self.unanswered:
            self._answer_clock = now
        self.unanswered += 1
        if self._hold is None and self._awaiting(now):
            self._begin_hold(now)

    def _message(self, message: Message) -> None:
        if isinstance(message, events.CursorPosition):
            self.answered()

    def answered(self) -> None:
        """The terminal answered the oldest request: it has drawn that frame."""
        self.answers += 1
        self.unanswered = max(0, self.unanswered - 1)
        now = self._answer_clock = time.monotonic()
        if self._hold is not None and not self._writer_behind and not self._awaiting(now):
            self._release()

    def _awaiting(self, now: float) -> bool:
        """More frames in flight than allowed, as the terminal's answers tell."""
        if self.unanswered <= self.max_unanswered:
            return False
        if not self.answers:  # a terminal that answers at all has a few seconds to show it
            return self._first_ask_at is not None and now - self._first_ask_at < FIRST_ANSWER_S
        if now - self._answer_clock > ANSWER_TIMEOUT_S:
            # answers lost (a suspend, a terminal that stopped answering): paint freely and
            # count anew, never a frozen screen
            self.unanswered = 0
            self.lost_answers += 1
            return False
        return True

    # ------------------------------------------------------------------ the writer's backlog
    def poll(self) -> None:
        """Look at the backlog once: hold, keep holding, or release (the poll callback)."""
        self._handle = None
        if not self.app.is_running:
            self._release()
            return
        now = time.monotonic()
        queued = bool(self._backlog())
        # a write still queued a whole poll later: the writer is blocked on the terminal
        blocked = queued and self._was_queued
        self._was_queued = queued
        link = self.link
        if blocked or link.tracking:
            written = self._written()
            if written is not None:
                link.update(now, written, blocked)
        else:
            link.reset()
        self._writer_behind = blocked or link.behind()
        wanted = self._writer_behind or self._awaiting(now)
        if self._hold is None:
            if wanted:
                self._begin_hold(now)
        elif not wanted:
            self._release()
        if queued:
            self._queued_at = now
        if self._hold is not None:
            self._schedule(HOLD_POLL_S if self._writer_behind else FRAME_S)
        elif link.tracking or now - self._queued_at < 1.0:
            self._schedule(FRAME_S)
        else:
            self._schedule(QUIET_POLL_S)

    def _begin_hold(self, now: float) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(self.app.batch_update())
        self._hold = stack
        self._held_since = now
        self._layout_while_held = False
        self.holds += 1
        screen = self._held_screen = self.app.screen
        screen.screen_layout_refresh_signal.subscribe(
            self.app, self._layout_refreshed, immediate=True
        )

    def _layout_refreshed(self, _screen: object) -> None:
        if self._hold is not None:
            self._layout_while_held = True

    def _release(self) -> None:
        hold, self._hold = self._hold, None
        if hold is None:
            return
        self.held_seconds += time.monotonic() - self._held_since
        held_screen, self._held_screen = self._held_screen, None
        if held_screen is not None:
            held_screen.screen_layout_refresh_signal.unsubscribe(self.app)
        hold.close()
        try:
            screen = self.app.screen
        except ScreenStackError:  # shutting down: nothing left to paint
            return
        if self._layout_while_held or screen is not held_screen:
            # the batch dropped the paint of a layout change (or of a screen pushed or popped
            # meanwhile): draw the whole screen once
            screen.refresh()
        screen.check_idle()

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

:attr:`OutputPacer.held_frames` counts the frame periods spent holding; the status bar shows
it as ``link slow`` while it grows.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from textual.app import App, ScreenStackError
from textual.drivers._writer_thread import WriterThread
from textual.screen import Screen

from gmo_tui.widgets.link_estimate import LinkEstimate, bytes_written

FRAME_S = 1 / 60
"""How often the backlog is looked at while the app paints freely (Textual's frame period)."""
HOLD_POLL_S = 0.004
"""How often it is looked at while holding: the caught-up terminal gets its frame promptly."""
QUIET_POLL_S = 0.1
"""How often while no write has been seen queued for a second and no link rate is known:
an idle app pays ten look-ups a second, not sixty."""

Backlog = Callable[[], int | None]
"""Writes queued for the terminal and not yet taken by the writer thread (None: unknown)."""


def writer_backlog(app: App[Any]) -> int | None:
    """The number of writes waiting in the app driver's writer-thread queue; None when the
    driver has no writer thread (headless, web, Windows)."""
    try:
        from textual.drivers.linux_driver import LinuxDriver
    except ImportError:  # no termios: not a POSIX terminal
        return None
    driver = app._driver
    if not isinstance(driver, LinuxDriver) or not isinstance(driver._writer_thread, WriterThread):
        return None
    return driver._writer_thread._queue.qsize()


class OutputPacer:
    """Holds painting while the terminal is behind (see the module docstring).

    ``backlog`` reads the writer's queue (:func:`writer_backlog` by default), ``written`` the
    process's bytes written so far (:func:`~gmo_tui.widgets.link_estimate.bytes_written`);
    ``enabled`` is the one switch (``output_pacing`` in the config): off, it never holds.
    """

    def __init__(
        self,
        app: App[Any],
        *,
        enabled: bool = True,
        backlog: Backlog | None = None,
        written: Callable[[], int | None] = bytes_written,
    ) -> None:
        self.app = app
        self.enabled = enabled
        self._backlog: Backlog = backlog or (lambda: writer_backlog(app))
        self._written = written
        self.link = LinkEstimate()
        self._hold: contextlib.ExitStack | None = None
        self._held_screen: Screen[Any] | None = None
        self._was_queued = False
        self._queued_at = -1.0
        self._last_poll = 0.0
        self._layout_while_held = False
        self._handle: asyncio.TimerHandle | None = None
        self.held_seconds = 0.0
        """Time painting was held for the terminal (never reset)."""
        self.holds = 0
        """Times painting was held (each ends with one frame of the latest state)."""

    @property
    def held_frames(self) -> int:
        """Frame periods during which painting was held for the terminal (never reset)."""
        return int(self.held_seconds / FRAME_S)

    @property
    def holding(self) -> bool:
        return self._hold is not None

    def start(self) -> None:
        """Begin polling (call once the app runs; a no-op when switched off)."""
        if self.enabled and self._handle is None:
            self._schedule(FRAME_S)

    def stop(self) -> None:
        """Stop polling and paint again freely."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        self._release()

    def _schedule(self, delay: float) -> None:
        self._handle = asyncio.get_running_loop().call_later(delay, self.poll)

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
        wanted = blocked or link.behind()
        if self._hold is None:
            if wanted:
                self._begin_hold()
        elif wanted:
            self.held_seconds += now - self._last_poll
        else:
            self._release()
        self._last_poll = now
        if queued:
            self._queued_at = now
        if self._hold is not None:
            self._schedule(HOLD_POLL_S)
        elif link.tracking or now - self._queued_at < 1.0:
            self._schedule(FRAME_S)
        else:
            self._schedule(QUIET_POLL_S)

    def _begin_hold(self) -> None:
        stack = contextlib.ExitStack()
        stack.enter_context(self.app.batch_update())
        self._hold = stack
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

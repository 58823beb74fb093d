"""``Coalesced``: a pane's repaint at a rate that fits what it shows.

The ladder and the tape repaint at the frame rate; the header, the watchlist and the account
figures follow tickers and books that arrive ten to fifty times a second, but a trader reads
them a few times a second, and each repaint of a 200-column header or a watchlist is sent to
the terminal whole. ``Coalesced(widget, interval, action)`` runs ``action`` at once after a
quiet spell (so a lone change shows immediately), then at most once per ``interval``: calls
in between are folded into one run at the end of it, which shows the latest state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from textual.widget import Widget

SIDE_PANE_PAINT_S = 0.25
"""Header, account figures: at most four repaints a second."""
WATCHLIST_PAINT_S = 0.5
"""The watchlist: at most two a second (a re-render of its table is the costliest of the
panes off the critical path; bench/FINDINGS.md)."""


class Coalesced:
    """``action`` at most once per ``interval`` seconds, the last call never lost."""

    def __init__(self, widget: Widget, interval: float, action: Callable[[], object]) -> None:
        self.widget = widget
        self.interval = interval
        self.action = action
        self._last = -interval
        self._timer: asyncio.TimerHandle | None = None
        self.runs = 0
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        if self._timer is not None:
            return  # a run is already due: it will show this change too
        now = time.monotonic()
        wait = self._last + self.interval - now
        if wait <= 0 or not self.widget.is_running:
            self._run(now)
        else:
            # a plain event-loop callback: a Textual timer created while the widget mounts
            # does not always start
            self._timer = asyncio.get_running_loop().call_later(wait, self._due)

    def _due(self) -> None:
        self._timer = None
        if self.widget.is_running:
            self._run(time.monotonic())

    def _run(self, now: float) -> None:
        self._last = now
        self.runs += 1
        self.action()

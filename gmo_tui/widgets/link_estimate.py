"""``LinkEstimate``: how fast the terminal link takes the app's output, and how many bytes the
app has written that the link has not delivered yet (pure arithmetic, no Textual).

Once the writer thread's queue has backed up, the link is the bottleneck: the bytes the
process wrote while it stayed backed up, over that time, are the link's rate. Before that
the kernel's pty buffer (and an SSH channel's window) had filled, and everything written
after it sits there too: that is lag no queue shows. From then on the estimate keeps
``in_flight`` = bytes written - rate x time (never below 0) and the pacer holds frames while
it is more than about a frame, so the kernel buffer stays nearly empty and the screen shows
the market a frame's transfer time late, not a buffer's.

The rate grows slowly while the writer keeps up (``PROBE_GROWTH`` per second): if the link
got faster, the writer backs up again only once the estimate passes it, and is measured
anew; past ``FAST_BYTES_PER_S`` the link counts as fast again and nothing is held.
"""

from __future__ import annotations

from pathlib import Path

BUFFERED_WHEN_BLOCKED = 16_384
"""Bytes taken to sit in the kernel's pty buffer when the writer blocks (Linux pty buffers
take ~16-20 KB before a write blocks)."""
MIN_SAMPLE_S = 0.08
"""A backed-up stretch shorter than this says too little about the rate."""
ALLOWANCE_S = 0.05
"""In-flight bytes allowed before holding: this long at the link's rate..."""
MIN_ALLOWANCE = 4096
"""...and never less than this many bytes."""
PROBE_GROWTH = 0.1
"""Relative growth of the rate estimate per second while the writer keeps up."""
FAST_BYTES_PER_S = 8_000_000
"""A rate estimate beyond this: the link is fast again, the estimate is dropped."""


def bytes_written() -> int | None:
    """Bytes this process has written with write(2) (``wchar`` of /proc/self/io; None where
    there is no such file)."""
    try:
        text = Path("/proc/self/io").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return None


class LinkEstimate:
    """Rate of the link and bytes in flight (see the module docstring). ``update`` is fed the
    time, the process's total bytes written and whether the writer is backed up."""

    def __init__(self) -> None:
        self.rate: float | None = None
        """Bytes per second the link takes (None: never seen it back up, or fast again)."""
        self.in_flight = 0.0
        self._last: tuple[float, int] | None = None
        self._blocked: tuple[float, int] | None = None  # when the writer backed up, bytes then

    @property
    def tracking(self) -> bool:
        """Whether the byte count is needed at the next update."""
        return self.rate is not None or self._blocked is not None

    def update(self, now: float, written: int, writer_blocked: bool) -> None:
        last, self._last = self._last, (now, written)
        if writer_blocked:
            if self._blocked is None:
                self._blocked = (now, written)
            self.in_flight = max(self.in_flight, BUFFERED_WHEN_BLOCKED)
            return
        if self._blocked is not None:
            since, at = self._blocked
            self._blocked = None
            span = now - since
            if span >= MIN_SAMPLE_S and written > at:
                sample = (written - at) / span
                self.rate = sample if self.rate is None else (self.rate + sample) / 2
                return  # a fresh measurement: nothing to drain or grow yet
        if self.rate is None or last is None:
            return
        dt = max(0.0, now - last[0])
        self.in_flight = max(0.0, self.in_flight + (written - last[1]) - self.rate * dt)
        self.rate *= 1 + PROBE_GROWTH * dt
        if self.rate > FAST_BYTES_PER_S:
            self.rate, self.in_flight = None, 0.0

    def behind(self) -> bool:
        """More than about a frame's transfer is still on its way."""
        if self.rate is None:
            return False
        return self.in_flight > max(MIN_ALLOWANCE, self.rate * ALLOWANCE_S)

    def reset(self) -> None:
        self._last = None

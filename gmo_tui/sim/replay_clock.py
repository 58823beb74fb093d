"""The replay's clock: where in the recording we are, at what speed, paused or not.

Pure arithmetic over two time lines: ``now`` (monotonic seconds of this host) and the
recording's ``time_ns``. While playing, recording time runs at ``speed`` times real time from the
last anchor; ``speed=None`` is "as fast as possible". Pausing, resuming, stepping and changing
speed re-anchor, so recorded time never jumps.
"""

from __future__ import annotations

import math

MAX_SPEED = 1000.0


def parse_speed(value: object) -> float | None:
    """``"1"``, ``2``, ``"10"``, ``"max"`` ... -> a factor (None for max); ValueError otherwise."""
    if isinstance(value, str) and value.strip().lower() == "max":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"speed must be a number or 'max', not {value!r}")
    try:
        speed = float(value)
    except ValueError:
        raise ValueError(f"speed must be a number or 'max', not {value!r}") from None
    if not math.isfinite(speed) or not 0 < speed <= MAX_SPEED:
        raise ValueError(f"speed must be > 0 and <= {MAX_SPEED:g}, or 'max'")
    return speed


class ReplayClock:
    def __init__(self, start_ns: int, *, speed: float | None = 1.0, paused: bool = True) -> None:
        self.speed = speed
        self.paused = paused
        self._anchor_ns = start_ns  # recording time at the anchor
        self._anchor_at = 0.0  # host time at the anchor

    def position(self, now: float) -> int:
        """Recording time (ns) at host time ``now``."""
        if self.paused or self.speed is None:
            return self._anchor_ns
        return self._anchor_ns + int((now - self._anchor_at) * self.speed * 1e9)

    def _anchor(self, now: float, position: int | None = None) -> None:
        self._anchor_ns = self.position(now) if position is None else position
        self._anchor_at = now

    def play(self, now: float) -> None:
        self._anchor(now)
        self.paused = False

    def pause(self, now: float) -> None:
        self._anchor(now)
        self.paused = True

    def set_speed(self, speed: float | None, now: float) -> None:
        self._anchor(now)
        self.speed = speed

    def reached(self, time_ns: int, now: float) -> None:
        """A frame at ``time_ns`` went out (a step, or max speed): recording time is there now."""
        if self.paused or self.speed is None:
            self._anchor(now, time_ns)

    def due_at(self, time_ns: int) -> float | None:
        """Host time at which the frame at ``time_ns`` is due; None when paused or at max."""
        if self.paused or self.speed is None:
            return None
        return self._anchor_at + (time_ns - self._anchor_ns) / 1e9 / self.speed

    def wait(self, time_ns: int, now: float) -> float | None:
        """Seconds until the frame at ``time_ns`` is due (0: now); None while paused."""
        if self.paused:
            return None
        if self.speed is None:
            return 0.0
        return max(0.0, (time_ns - self.position(now)) / 1e9 / self.speed)

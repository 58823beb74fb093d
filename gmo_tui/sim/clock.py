"""The built-in exchange's clock: real time (or a frozen instant) + an advance offset + a skew.

* ``advance(seconds)`` moves sim time forward for good (tokens expire, klines roll, PERIODIC
  frames fire, the engine's time-driven work runs) without anybody waiting.
* ``skew`` shifts the server's notion of "now" by N seconds (positive: the server runs ahead),
  to exercise a client's clock-offset handling (ERR-5008/5009 and ``responsetime``).
* A frozen clock starts at a fixed instant and only moves when advanced, so replies are
  reproducible byte for byte.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime, timedelta

FROZEN_START = datetime(2026, 1, 5, 0, 0, 0, tzinfo=UTC)


class SimClock:
    """``now()`` = base (real time or a frozen instant) + advanced seconds + skew seconds."""

    def __init__(self, *, frozen_at: datetime | None = None) -> None:
        self.frozen_at = frozen_at
        self.advanced = 0.0
        self.skew = 0.0

    @property
    def frozen(self) -> bool:
        return self.frozen_at is not None

    def timestamp(self) -> float:
        """Sim time as unix seconds."""
        base = self.frozen_at.timestamp() if self.frozen_at is not None else time.time()
        return base + self.advanced + self.skew

    def now(self) -> datetime:
        """Sim time as an aware UTC datetime, truncated to milliseconds (GMO's resolution)."""
        ms = int(self.timestamp() * 1000)
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)

    def now_ms(self) -> int:
        return int(self.timestamp() * 1000)

    def advance(self, seconds: float) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the clock only moves forward, by a finite number of seconds")
        self.advanced += seconds

    def set_skew(self, seconds: float) -> None:
        if not math.isfinite(seconds):
            raise ValueError("a skew is a finite number of seconds")
        self.skew = seconds

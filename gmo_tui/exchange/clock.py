"""The server clock: our estimate of (server time - local time) from each reply's ``responsetime``.

A sample is ``responsetime - midpoint(local send, local receive)``. The midpoint is anchored on
the wall clock (``time.time()`` at send) and measured with the monotonic clock (half the round
trip), so a wall-clock step during a request cannot distort it. The offset is the median of the
last ``window`` samples; samples whose round trip exceeds ``max_rtt`` are ignored (a slow reply
says little about when the server stamped it). ``API-TIMESTAMP`` is local ms + offset.

:meth:`ServerClock.reset` drops every sample: the client calls it when the server answers
ERR-5008/5009 (our timestamp is off), then re-samples from a fresh reply.

A measured offset beyond ``skew_limit_ms`` (when set) is not adopted silently: :attr:`offset_ms`
stays 0, :attr:`skewed` is True and :attr:`measured_offset_ms` tells by how much, so the
trading service can close its CLOCK gate and say why.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ClockSample:
    offset_ms: float  # server - local, at the request's midpoint
    rtt_ms: float


class ServerClock:
    """Median-of-recent-samples estimate of the server clock offset."""

    def __init__(
        self,
        *,
        window: int = 15,
        max_rtt: float = 2.0,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if window < 1:
            raise ValueError("window must be at least 1")
        self._samples: deque[ClockSample] = deque(maxlen=window)
        self.max_rtt = max_rtt
        self._wall = wall
        self._monotonic = monotonic
        self.rejected = 0
        self.skew_limit_ms: float | None = None
        """Beyond this |offset| the offset is not adopted (:attr:`skewed`); None: no limit."""

    # ------------------------------------------------------------------ measuring

    def start(self) -> tuple[float, float]:
        """Stamps to take right before sending: (wall seconds, monotonic seconds)."""
        return self._wall(), self._monotonic()

    def observe(self, server_time: datetime | None, started: tuple[float, float]) -> bool:
        """Feed a reply's ``responsetime``; ``started`` is what :meth:`start` returned.

        Returns True if the sample was kept.
        """
        if server_time is None:
            return False
        wall0, mono0 = started
        rtt = max(0.0, self._monotonic() - mono0)
        return self.add_sample(server_time.timestamp(), wall0, rtt)

    def add_sample(self, server_s: float, sent_wall_s: float, rtt_s: float) -> bool:
        """The pure arithmetic: ``server - (sent + rtt/2)``, in ms. Big round trips are dropped."""
        if rtt_s > self.max_rtt:
            self.rejected += 1
            return False
        midpoint = sent_wall_s + rtt_s / 2.0
        self._samples.append(ClockSample((server_s - midpoint) * 1000.0, rtt_s * 1000.0))
        return True

    def reset(self) -> None:
        self._samples.clear()

    # ------------------------------------------------------------------ reading

    @property
    def samples(self) -> tuple[ClockSample, ...]:
        return tuple(self._samples)

    @property
    def synced(self) -> bool:
        return bool(self._samples)

    @property
    def measured_offset_ms(self) -> int:
        """Median offset (server - local) in whole ms as measured; 0 before the first sample."""
        if not self._samples:
            return 0
        return round(statistics.median(s.offset_ms for s in self._samples))

    @property
    def skewed(self) -> bool:
        """The measured offset is beyond ``skew_limit_ms``: it is not adopted."""
        limit = self.skew_limit_ms
        return limit is not None and abs(self.measured_offset_ms) > limit

    @property
    def offset_ms(self) -> int:
        """The offset used for timestamps: the measured one, or 0 while :attr:`skewed`."""
        return 0 if self.skewed else self.measured_offset_ms

    def now_ms(self) -> int:
        """Our best estimate of the server's clock, in Unix ms."""
        return int(self._wall() * 1000) + self.offset_ms

    def timestamp(self) -> str:
        """The value for ``API-TIMESTAMP``."""
        return str(self.now_ms())

    def __repr__(self) -> str:
        return f"ServerClock(offset_ms={self.offset_ms}, samples={len(self._samples)})"

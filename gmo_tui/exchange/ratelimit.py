"""Client-side request budget, so the exchange never has to answer ERR-5003.

GMO Coin limits private REST calls per second, separately for GET and POST (PUT and DELETE count
as POST): 20 + 20 at tier 1, 30 + 30 at tier 2. :class:`RateLimiter` keeps one rolling window per
budget and is shared by every caller of one client:

* callers wait for a slot in FIFO order (first come, first served; no barging), and slots
  that free up together are handed out together;
* the waiting line is bounded: past ``max_queue`` waiters :class:`RateLimitQueueFull` is raised
  at once instead of queueing unboundedly;
* a slot stays counted while its request is in flight and for ``period`` (1 s + a margin) after
  its reply arrived. The reply's arrival is an upper bound of when the server counted the
  request, so two requests ``period`` apart by this clock are at least one second apart at the
  server, whatever the network jitter.

The margin (``DEFAULT_MARGIN``, 10 ms) therefore does not have to cover latency or jitter, only
what the reply-time bound leaves out: the server's clock running a little faster than ours and
the granularity of its timestamps. It is kept small because it costs throughput: a slot is
reused one round trip (send to reply, the exchange's processing included) plus 1 s plus the
margin after it was last taken, so a budget sustains ``limit / (1 s + margin + round trip)``
requests a second. With 10 ms that is at least 90 % of the exchange's maximum while the round
trip stays under ~100 ms (a 50 ms margin left only ~60 ms); a burst of 100 requests per budget
takes ``4 * (1 s + margin + round trip) + round trip`` against the exchange's 4.0 s
(``tests/exchange/test_ratelimit_throughput.py`` checks both in virtual time).

Public REST calls are not in GMO's table; they get their own budget (``PUBLIC``, 20/s by
default) so that a burst of chart loads can never delay an order or a cancel.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType

from gmo_tui.exchange.errors import RateLimitQueueFull

TIER_LIMITS: dict[int, int] = {1: 20, 2: 30}
DEFAULT_PUBLIC_LIMIT = 20
DEFAULT_MARGIN = 0.01  # seconds; see the module's docstring


class Budget(StrEnum):
    GET = "GET"
    POST = "POST"
    PUBLIC = "PUBLIC"


def budget_for(method: str, *, private: bool) -> Budget:
    """GET -> GET; POST, PUT and DELETE -> POST; anything public -> PUBLIC."""
    if not private:
        return Budget.PUBLIC
    return Budget.GET if method.upper() == "GET" else Budget.POST


def tier_limit(tier: int) -> int:
    try:
        return TIER_LIMITS[tier]
    except KeyError:
        raise ValueError(f"unknown API tier {tier!r}; GMO Coin has tiers 1 and 2") from None


@dataclass(frozen=True, slots=True)
class RateUsage:
    """A snapshot: requests counted in each rolling window, the limits and the waiting lines."""

    get: int
    post: int
    public: int
    limit: int
    public_limit: int
    queued_get: int
    queued_post: int
    queued_public: int

    @property
    def queued(self) -> int:
        return self.queued_get + self.queued_post + self.queued_public


class _Slot:
    __slots__ = ("started", "done_at")

    def __init__(self, started: float) -> None:
        self.started = started
        self.done_at: float | None = None


class _Window:
    """One rolling window with a FIFO waiting line.

    Waiters park on a future. Whenever room appears, :meth:`_dispatch` hands slots to as many
    waiters as fit, in arrival order, in one go (so a window that frees 20 slots at once wakes
    20 requests in one loop iteration, not one after another). A single pump task sleeps until
    the next slot leaves the window (or until an in-flight request finishes) while anybody
    waits.
    """

    def __init__(
        self,
        limit: int,
        period: float,
        max_queue: int,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[object]],
    ) -> None:
        self.limit = limit
        self.period = period
        self.max_queue = max_queue
        self._clock = clock
        self._sleep = sleep
        self._slots: list[_Slot] = []
        self._waiters: deque[asyncio.Future[_Slot]] = deque()
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None
        self.queued = 0
        self.granted = 0

    def _expire(self, now: float) -> None:
        self._slots = [s for s in self._slots if s.done_at is None or s.done_at + self.period > now]

    def in_window(self) -> int:
        self._expire(self._clock())
        return len(self._slots)

    def _grant(self, now: float) -> _Slot:
        slot = _Slot(now)
        self._slots.append(slot)
        self.granted += 1
        return slot

    def _dispatch(self) -> None:
        now = self._clock()
        self._expire(now)
        while self._waiters and len(self._slots) < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(self._grant(now))

    def _next_expiry(self) -> float | None:
        """Seconds until the earliest finished slot leaves the window (None: all in flight)."""
        finished = [s.done_at for s in self._slots if s.done_at is not None]
        if not finished:
            return None
        return max(0.0, min(finished) + self.period - self._clock())

    async def _run_pump(self) -> None:
        try:
            while True:
                self._dispatch()
                while self._waiters and self._waiters[0].done():
                    self._waiters.popleft()  # cancelled waiters
                if not self._waiters:
                    return
                delay = self._next_expiry()
                if delay is None:
                    self._changed.clear()
                    await self._changed.wait()
                else:
                    await self._sleep(delay)
        finally:
            self._pump = None

    async def acquire(self) -> _Slot:
        if self.queued >= self.max_queue:
            raise RateLimitQueueFull(
                f"{self.queued} requests already waiting for the rate limit (max {self.max_queue})"
            )
        if not self._waiters:
            now = self._clock()
            self._expire(now)
            if len(self._slots) < self.limit:
                return self._grant(now)
        waiter: asyncio.Future[_Slot] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        self.queued += 1
        if self._pump is None:
            self._pump = asyncio.create_task(self._run_pump())
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.forget(waiter.result())  # granted just as the caller gave up
            raise
        finally:
            self.queued -= 1

    def release(self, slot: _Slot) -> None:
        if slot.done_at is None:
            slot.done_at = max(self._clock(), slot.started)
        self._changed.set()

    def forget(self, slot: _Slot) -> None:
        """The request was never sent (e.g. it failed to connect): give the slot back."""
        if slot in self._slots:
            self._slots.remove(slot)
        self._dispatch()
        self._changed.set()


class SlotLease:
    """``async with limiter.slot(budget):`` holds one slot for the request's lifetime."""

    def __init__(self, window: _Window) -> None:
        self._window = window
        self._slot: _Slot | None = None
        self._unsent = False

    def unsent(self) -> None:
        """Mark that nothing reached the network; the slot is returned on exit."""
        self._unsent = True

    async def __aenter__(self) -> SlotLease:
        self._slot = await self._window.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._slot is None:
            return
        if self._unsent:
            self._window.forget(self._slot)
        else:
            self._window.release(self._slot)


class RateLimiter:
    """Separate GET / POST / PUBLIC rolling windows shared by every caller of one client."""

    def __init__(
        self,
        tier: int = 1,
        *,
        public_limit: int = DEFAULT_PUBLIC_LIMIT,
        max_queue: int = 200,
        period: float = 1.0,
        margin: float = DEFAULT_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if max_queue < 1:
            raise ValueError("max_queue must be at least 1")
        limit = tier_limit(tier)
        self._tier = tier
        self.period = period + margin
        self.max_queue = max_queue
        self._windows = {
            Budget.GET: _Window(limit, self.period, max_queue, clock, sleep),
            Budget.POST: _Window(limit, self.period, max_queue, clock, sleep),
            Budget.PUBLIC: _Window(public_limit, self.period, max_queue, clock, sleep),
        }

    @property
    def tier(self) -> int:
        return self._tier

    @property
    def limit(self) -> int:
        """Private requests per second per budget (GET and POST each)."""
        return self._windows[Budget.GET].limit

    def set_tier(self, tier: int) -> None:
        """Change the private budgets (e.g. after reading ``tierLevel`` from tradingVolume)."""
        limit = tier_limit(tier)
        self._tier = tier
        self._windows[Budget.GET].limit = limit
        self._windows[Budget.POST].limit = limit

    def slot(self, budget: Budget | str) -> SlotLease:
        return SlotLease(self._windows[Budget(budget)])

    def granted(self, budget: Budget | str) -> int:
        """How many slots this budget has handed out since the start (for tests and stats)."""
        return self._windows[Budget(budget)].granted

    def usage(self) -> RateUsage:
        w = self._windows
        return RateUsage(
            get=w[Budget.GET].in_window(),
            post=w[Budget.POST].in_window(),
            public=w[Budget.PUBLIC].in_window(),
            limit=self.limit,
            public_limit=w[Budget.PUBLIC].limit,
            queued_get=w[Budget.GET].queued,
            queued_post=w[Budget.POST].queued,
            queued_public=w[Budget.PUBLIC].queued,
        )

    def __repr__(self) -> str:
        return f"RateLimiter(tier={self._tier}, limit={self.limit}/s, period={self.period:.3f}s)"

"""The rate limiter's efficiency, in virtual time: safe at the exchange, and >= 90 % of its max.

A burst of 100 GETs and 100 POSTs goes through one :class:`RateLimiter` at once; each request
holds its slot for a fixed round trip (``latency``, send to reply) on a virtual clock, so the
figures are exact and the test takes milliseconds whatever the machine is doing.

* Safety: the exchange counts a request somewhere between its send and its reply. In any rolling
  second at most 20 requests of a budget may be sent, and, whatever the jitter, the 21st request
  after one must be sent at least 1 s after that one's reply (worst case: the first counted at
  its reply, the later one at its send).
* Efficiency: the exchange's minimum for 100 requests of a budget is 4.0 s (the 100th can start
  4 windows after the first); the burst, first send to last reply, must take at most 4.0 / 0.9 s.
  The limiter's own figure is ``4 * (1 s + margin + latency) + latency``.
* The check measures something: with a 200 ms margin (or the former 50 ms one) at a 50 ms round
  trip, the same burst falls under 90 %.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from gmo_tui.exchange.ratelimit import DEFAULT_MARGIN, Budget, RateLimiter

T = TypeVar("T")

LIMIT = 20  # tier 1, per budget
PER_BUDGET = 100
EXCHANGE_MINIMUM = (PER_BUDGET // LIMIT - 1) * 1.0  # 4.0 s
QUIESCE = 50  # event-loop iterations with nothing to do before the virtual clock moves on


class VirtualTime:
    """A clock that jumps to the next sleeper's deadline once every task is blocked.

    ``sleep(d)`` parks the caller on a future in a heap at ``now + d``; :meth:`run` lets the
    event loop settle (``QUIESCE`` iterations), then advances ``now`` to the earliest deadline
    and resolves every future due by then, in deadline (then arrival) order.
    """

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._heap: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def now(self) -> float:
        return self._now

    async def sleep(self, delay: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._heap, (self._now + max(delay, 0.0), self._seq, future))
        self._seq += 1
        await future

    async def run(self, main: Awaitable[T]) -> T:
        task = asyncio.ensure_future(main)
        while True:
            for _ in range(QUIESCE):
                await asyncio.sleep(0)
            if task.done():
                return task.result()
            while self._heap and self._heap[0][2].done():
                heapq.heappop(self._heap)  # cancelled sleepers
            assert self._heap, "deadlock: every task waits and nobody sleeps"
            self._now = self._heap[0][0]
            while self._heap and self._heap[0][0] <= self._now:
                _, _, future = heapq.heappop(self._heap)
                if not future.done():
                    future.set_result(None)


@dataclass
class Burst:
    sends: dict[Budget, list[float]] = field(
        default_factory=lambda: {Budget.GET: [], Budget.POST: []}
    )
    replies: dict[Budget, list[tuple[float, float]]] = field(
        default_factory=lambda: {Budget.GET: [], Budget.POST: []}
    )

    def makespan(self) -> float:
        pairs = [p for b in self.replies.values() for p in b]
        return max(r for _, r in pairs) - min(s for s, _ in pairs)

    def share_of_maximum(self) -> float:
        return EXCHANGE_MINIMUM / self.makespan()


def simulate(latency: float, margin: float = DEFAULT_MARGIN) -> Burst:
    vt = VirtualTime()
    burst = Burst()

    async def request(limiter: RateLimiter, budget: Budget) -> None:
        async with limiter.slot(budget):
            sent = vt.now()
            burst.sends[budget].append(sent)
            await vt.sleep(latency)
            burst.replies[budget].append((sent, vt.now()))

    async def main() -> None:
        limiter = RateLimiter(tier=1, margin=margin, clock=vt.now, sleep=vt.sleep)
        budgets = [Budget.POST, Budget.GET] * PER_BUDGET  # interleaved, all at once
        await asyncio.gather(*(request(limiter, b) for b in budgets))
        assert limiter.granted(Budget.GET) == limiter.granted(Budget.POST) == PER_BUDGET

    asyncio.run(vt.run(main()))
    return burst


def expected_makespan(latency: float, margin: float) -> float:
    rounds = PER_BUDGET // LIMIT - 1
    return rounds * (1.0 + margin + latency) + latency


@pytest.mark.parametrize("latency", [0.005, 0.02, 0.05])
def test_burst_is_safe_at_the_exchange_and_near_its_maximum(latency: float) -> None:
    burst = simulate(latency)
    for budget in (Budget.GET, Budget.POST):
        sends = burst.sends[budget]
        pairs = sorted(burst.replies[budget])
        assert len(sends) == len(pairs) == PER_BUDGET
        # at most LIMIT sends in any rolling second (windows starting at each send)
        for t in sends:
            assert sum(t <= s < t + 1.0 for s in sends) <= LIMIT, (budget, t)
        # the LIMIT-th request after one is sent >= 1 s after that one's reply
        for i in range(PER_BUDGET - LIMIT):
            assert pairs[i + LIMIT][0] >= pairs[i][1] + 1.0, (budget, i)
        # worst-case jitter: requests that could be counted in the second ending at a send
        for sent, _ in pairs:
            could = sum(s <= sent and r > sent - 1.0 for s, r in pairs)
            assert could <= LIMIT, (budget, sent, could)
    share = burst.share_of_maximum()
    print(
        f"latency {latency * 1000:.0f} ms, margin {DEFAULT_MARGIN * 1000:.0f} ms: burst of "
        f"{2 * PER_BUDGET} in {burst.makespan():.3f}s -> {100 * share:.1f}% of the exchange's "
        f"maximum"
    )
    assert burst.makespan() == pytest.approx(expected_makespan(latency, DEFAULT_MARGIN))
    assert share >= 0.90


@pytest.mark.parametrize("margin", [0.2, 0.05])
def test_a_wider_margin_falls_under_ninety_percent(margin: float) -> None:
    burst = simulate(0.05, margin=margin)
    assert burst.makespan() == pytest.approx(expected_makespan(0.05, margin))
    print(f"latency 50 ms, margin {margin * 1000:.0f} ms: {100 * burst.share_of_maximum():.1f}%")
    assert burst.share_of_maximum() < 0.90

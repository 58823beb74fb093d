"""The rate limiter: separate budgets, rolling window from the reply, FIFO, bounded queue."""

from __future__ import annotations

import asyncio

import pytest

from gmo_tui.exchange.errors import RateLimitQueueFull
from gmo_tui.exchange.ratelimit import Budget, RateLimiter, budget_for


class FakeTime:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        self.slept.append(delay)
        self.now += max(delay, 0.0)
        await asyncio.sleep(0)


def _limiter(t: FakeTime, **kw: object) -> RateLimiter:
    return RateLimiter(clock=t, sleep=t.sleep, **kw)  # type: ignore[arg-type]


async def _hold(limiter: RateLimiter, budget: Budget, n: int, t: FakeTime) -> None:
    for _ in range(n):
        async with limiter.slot(budget):
            pass


def test_methods_map_to_budgets() -> None:
    assert budget_for("GET", private=True) is Budget.GET
    assert budget_for("POST", private=True) is Budget.POST
    assert budget_for("PUT", private=True) is Budget.POST
    assert budget_for("delete", private=True) is Budget.POST
    assert budget_for("GET", private=False) is Budget.PUBLIC


async def test_tier_one_allows_twenty_then_waits_a_full_window() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    await _hold(limiter, Budget.POST, 20, t)
    assert t.slept == []
    assert limiter.usage().post == 20
    start = t.now
    async with limiter.slot(Budget.POST):
        pass
    # the 21st waited for the first slot to leave the window: 1 s + margin after its reply
    assert t.now - start == pytest.approx(limiter.period)
    assert limiter.period > 1.0


async def test_get_and_post_budgets_are_separate() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    await _hold(limiter, Budget.POST, 20, t)
    await _hold(limiter, Budget.GET, 20, t)
    await _hold(limiter, Budget.PUBLIC, 20, t)
    assert t.slept == []
    usage = limiter.usage()
    assert (usage.get, usage.post, usage.public) == (20, 20, 20)


async def test_tier_two_allows_thirty() -> None:
    t = FakeTime()
    limiter = _limiter(t, tier=2)
    await _hold(limiter, Budget.GET, 30, t)
    assert t.slept == []
    async with limiter.slot(Budget.GET):
        pass
    assert len(t.slept) == 1


async def test_set_tier_changes_the_budget() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    limiter.set_tier(2)
    assert limiter.limit == 30 and limiter.tier == 2
    with pytest.raises(ValueError):
        limiter.set_tier(3)


async def test_window_counts_from_the_reply_not_the_send() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    lease = limiter.slot(Budget.POST)
    await lease.__aenter__()
    t.now += 5.0  # a slow request: the server may have counted it any time until now
    await lease.__aexit__(None, None, None)
    await _hold(limiter, Budget.POST, 19, t)
    start = t.now
    async with limiter.slot(Budget.POST):
        pass
    assert t.now - start == pytest.approx(limiter.period)


async def test_in_flight_slots_block_until_released() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    leases = [limiter.slot(Budget.GET) for _ in range(20)]
    for lease in leases:
        await lease.__aenter__()
    waiter = asyncio.create_task(_hold(limiter, Budget.GET, 1, t))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiter.done()
    assert limiter.usage().queued_get == 1
    await leases[0].__aexit__(None, None, None)
    await asyncio.wait_for(waiter, 1)
    assert limiter.usage().queued_get == 0


async def test_unsent_request_gives_its_slot_back() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    async with limiter.slot(Budget.POST) as lease:
        lease.unsent()
    assert limiter.usage().post == 0


async def test_waiters_are_served_in_fifo_order() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    await _hold(limiter, Budget.POST, 20, t)
    order: list[int] = []

    async def one(i: int) -> None:
        async with limiter.slot(Budget.POST):
            order.append(i)

    tasks = [asyncio.create_task(one(i)) for i in range(30)]
    await asyncio.gather(*tasks)
    assert order == list(range(30))


async def test_bounded_queue_raises_when_full() -> None:
    t = FakeTime()
    limiter = _limiter(t, max_queue=3)
    leases = [limiter.slot(Budget.GET) for _ in range(20)]
    for lease in leases:
        await lease.__aenter__()
    waiters = [asyncio.create_task(_hold(limiter, Budget.GET, 1, t)) for _ in range(3)]
    await asyncio.sleep(0)
    assert limiter.usage().queued_get == 3
    with pytest.raises(RateLimitQueueFull):
        async with limiter.slot(Budget.GET):
            pass
    # POST has its own line: still open
    async with limiter.slot(Budget.POST):
        pass
    for lease in leases:
        await lease.__aexit__(None, None, None)
    await asyncio.wait_for(asyncio.gather(*waiters), 1)


async def test_cancelled_waiter_leaves_the_queue() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    leases = [limiter.slot(Budget.GET) for _ in range(20)]
    for lease in leases:
        await lease.__aenter__()
    waiter = asyncio.create_task(_hold(limiter, Budget.GET, 1, t))
    await asyncio.sleep(0)
    assert limiter.usage().queued_get == 1
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiter.usage().queued_get == 0


async def test_never_more_than_limit_per_rolling_second_real_clock() -> None:
    """A burst of 45 on the real clock: any 1 s window of completions holds at most 20."""
    limiter = RateLimiter(margin=0.0, period=0.2)  # a short window keeps the test fast
    starts: list[float] = []
    loop = asyncio.get_running_loop()

    async def one() -> None:
        async with limiter.slot(Budget.POST):
            starts.append(loop.time())

    await asyncio.gather(*(one() for _ in range(45)))
    starts.sort()
    for i in range(len(starts) - 20):
        assert starts[i + 20] - starts[i] >= 0.2 - 0.005


async def test_slots_that_free_together_are_handed_out_together() -> None:
    t = FakeTime()
    limiter = _limiter(t)
    await _hold(limiter, Budget.GET, 20, t)  # 20 replies at the same instant
    granted_at: list[float] = []

    async def one() -> None:
        async with limiter.slot(Budget.GET):
            granted_at.append(t.now)

    await asyncio.gather(*(one() for _ in range(20)))
    assert len(t.slept) == 1  # one wait for the whole window, not twenty
    assert granted_at == [100.0 + limiter.period] * 20

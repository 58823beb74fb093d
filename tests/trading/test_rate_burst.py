"""A 200-request burst of mixed GETs and POSTs through the service and the client at once:
zero ERR-5003 and at least 90% of the allowed throughput (20 GET/s + 20 POST/s at tier 1)."""

from __future__ import annotations

import asyncio
import statistics
import time
from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.results import Outcome

PER_SECOND = 20  # tier 1, per budget (GET and POST)
POSTS = GETS = 100


async def test_burst_of_200_mixed_requests(rig) -> None:
    books = {s: await rig.refresh_book(s) for s in ("BTC", "ETH")}
    size = {"BTC": Decimal("0.001"), "ETH": Decimal("0.01")}
    tick = {s: rig.service.rules[s].tick_size for s in books}
    intents = [
        OrderIntent(
            symbol,
            Side.BUY,
            ExecutionType.LIMIT,
            size[symbol],
            books[symbol].best_bid - tick[symbol] * (10 + i),  # distinct: none is "identical"
        )
        for i in range(POSTS // 2)
        for symbol in ("BTC", "ETH")
    ]
    gets = [rig.rest.get_active_orders, rig.rest.get_latest_executions]
    await asyncio.sleep(1.1)  # start with an empty rate window
    rig.transport.calls.clear()
    rig.transport.codes.clear()
    started = time.monotonic()
    results = await asyncio.gather(
        *(rig.service.submit(intent) for intent in intents),
        *(gets[i % 2]("BTC" if i % 4 < 2 else "ETH") for i in range(GETS)),
    )
    elapsed = time.monotonic() - started
    submitted = results[:POSTS]
    assert [r.outcome for r in submitted] == [Outcome.ACCEPTED] * POSTS, [
        str(r) for r in submitted if r.outcome is not Outcome.ACCEPTED
    ]
    assert rig.transport.codes["ERR-5003"] == 0
    assert len(rig.exchange_orders()) == POSTS
    assert rig.transport.private() == POSTS + GETS
    # The exchange's rule lets the 100th request of a budget start 4 windows after the first.
    # The client (by design, so that jitter can never cause ERR-5003) counts each slot until
    # 1 s + its 50 ms margin after the *reply*: each window also costs one round trip.
    rtt = statistics.median(rig.transport.latencies)
    windows = POSTS // PER_SECOND - 1
    best = windows * rig.rest.limiter.period + (windows + 1) * rtt
    throughput = (POSTS + GETS) / elapsed
    print(
        f"burst: {elapsed:.2f}s for {POSTS + GETS} requests; exchange minimum "
        f"{windows * 1.0:.1f}s, client best {best:.2f}s (median rtt {rtt * 1000:.0f} ms); "
        f"{throughput:.1f} req/s = {100 * best / elapsed:.0f}% of the client's best"
    )
    assert elapsed <= best / 0.9, elapsed

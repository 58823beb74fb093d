"""With the exchange's clock skewed by ±3 s and ±60 s: no repeated ERR-5008/5009 (the client
resyncs once) and at most one order per submit, counted on the exchange's engine."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.results import Outcome


async def test_skewed_exchange_clock(rig) -> None:
    for skew in (3, -3, 60, -60):
        await _one_skew(rig, skew)


async def _one_skew(rig, skew: int) -> None:
    await rig.sim.control("skew", {"seconds": 0})
    book = await rig.refresh_book("BTC")  # the client re-syncs its clock (no skew)
    placed = len(rig.exchange_orders())
    await rig.sim.control("skew", {"seconds": skew})
    rig.transport.codes.clear()
    rig.transport.calls.clear()
    for n, size in enumerate(("0.01", "0.02", "0.03"), start=1):
        result = await rig.service.submit(
            OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal(size), book.best_bid - 100)
        )
        assert result.outcome is Outcome.ACCEPTED, (skew, result)
        assert len(rig.exchange_orders()) == placed + n  # exactly one order per submit
    timestamp_errors = rig.transport.codes["ERR-5008"] + rig.transport.codes["ERR-5009"]
    assert timestamp_errors <= 1, skew  # at most the one that triggered the resync
    if abs(skew) > 5:  # beyond the exchange's tolerance: the first POST was refused once
        assert timestamp_errors == 1, skew
    assert rig.transport.calls[("POST", "/private/v1/order")] == 3 + timestamp_errors
    # lost-reply matching uses the exchange's clock (the offset the client measured): after
    # a resync it is right; within the tolerance it is off by at most the skew (window 15 s)
    error_s = abs(rig.service.exchange_now_ms() / 1000 - rig.sim.clock.now().timestamp())
    assert error_s < (2 if abs(skew) > 5 else abs(skew) + 1), skew

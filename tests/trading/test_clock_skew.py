"""With the exchange's clock skewed by ±3 s and ±60 s: no repeated ERR-5008/5009 (the client
resyncs once) and at most one order per submit, counted on the exchange's engine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.results import Outcome


@pytest.mark.parametrize("skew", [3, -3, 60, -60])
async def test_skewed_exchange_clock(rig, skew: int) -> None:
    book = await rig.refresh_book("BTC")  # the client has synced its clock with no skew
    await rig.sim.control("skew", {"seconds": skew})
    rig.transport.codes.clear()
    for n, size in enumerate(("0.01", "0.02", "0.03"), start=1):
        result = await rig.service.submit(
            OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal(size), book.best_bid - 100)
        )
        assert result.outcome is Outcome.ACCEPTED, result
        assert len(rig.exchange_orders()) == n  # exactly one order per submit
    timestamp_errors = rig.transport.codes["ERR-5008"] + rig.transport.codes["ERR-5009"]
    assert timestamp_errors <= 1  # at most the one that triggered the resync
    if abs(skew) > 5:  # beyond the exchange's tolerance: the first POST was refused once
        assert timestamp_errors == 1
    assert rig.transport.calls[("POST", "/private/v1/order")] == 3 + timestamp_errors
    # lost-reply matching uses the exchange's clock: the offset the client measured
    assert abs(rig.service.exchange_now_ms() / 1000 - rig.sim.clock.now().timestamp()) < 2

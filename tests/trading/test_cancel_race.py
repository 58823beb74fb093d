"""Cancel races: ERR-5122/5123 on a cancel queries the order; a fill wins (EXECUTED, fills
recorded). The sim's ``fill_on_cancel`` control fills the order while the cancel is in flight."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.journal import IntentState
from gmo_tui.trading.results import Outcome


async def _resting(rig, size: str = "0.01"):
    book = await rig.refresh_book("BTC")
    result = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal(size), book.best_bid - 50)
    )
    assert result.outcome is Outcome.ACCEPTED
    return result.order_id


async def test_fill_wins_the_cancel_race(rig) -> None:
    order_id = await _resting(rig)
    await rig.sim.control("fill_on_cancel", {"orderId": order_id})
    result = await rig.service.cancel(order_id)
    assert result.outcome is Outcome.REJECTED and result.code == "ERR-5122"
    # the service looked the order up and recorded the fill
    assert result.order is not None and result.order.status.value == "EXECUTED"
    tracked = rig.service.tracker.get(order_id)
    assert tracked.state is OrderState.EXECUTED and tracked.filled == Decimal("0.01")
    fills = rig.service.fills.for_order(order_id)
    assert sum(f.size for f in fills) == Decimal("0.01")
    exchange_ids = {e.execution_id for e in rig.account.executions_by_order[order_id]}
    assert {f.execution_id for f in fills} == exchange_ids
    assert rig.transport.calls[("GET", "/private/v1/orders")] >= 1
    assert "CANCEL_RACE" in rig.kinds()
    entry = [e for e in rig.journal.entries() if e.target_order_id == order_id][-1]
    assert entry.state is IntentState.REJECTED and entry.error_code == "ERR-5122"
    # the order's own intent records the exchange state it ended in
    assert rig.journal.entries()[0].order_status == "EXECUTED"


async def test_cancel_of_an_unknown_order_is_reported(rig) -> None:
    result = await rig.service.cancel(987654321)
    assert result.outcome is Outcome.REJECTED
    assert result.code in ("ERR-5123", "ERR-5122")
    assert result.order is None
    assert any(n.kind.value == "CANCEL_RACE" and "does not know" in n.message for n in rig.notices)


async def test_plain_cancel_is_accepted_and_journaled_first(rig) -> None:
    order_id = await _resting(rig)
    seen: list[str] = []
    rig.service.stage_hook = lambda stage, intent_id: seen.append(
        f"{stage}:{rig.journal.get(intent_id).state.value}"
    )
    result = await rig.service.cancel(order_id)
    assert result.outcome is Outcome.ACCEPTED
    # journaled (PENDING) before the request, SENT recorded before the reply came back
    assert seen == ["journaled:PENDING", "sent:SENT", "replied:ACCEPTED"]
    assert rig.account.orders[order_id].status.value == "CANCELED"


async def test_change_race_with_a_fill(rig) -> None:
    order_id = await _resting(rig)
    await rig.sim.control("fill", {"orderId": order_id})
    book = await rig.refresh_book("BTC")
    result = await rig.service.change(order_id, book.best_bid - 60)
    assert result.outcome is Outcome.REJECTED and result.code in ("ERR-5122", "ERR-5123")
    assert result.order is not None and result.order.status.value == "EXECUTED"
    assert rig.service.tracker.get(order_id).state is OrderState.EXECUTED

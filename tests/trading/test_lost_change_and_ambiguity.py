"""A change whose reply is lost is UNKNOWN, never re-sent, and settled by reading the order
back; a lost order that matches two exchange orders is reported as ambiguous, never guessed."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.errors import ReplyLost
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.journal import IntentState
from gmo_tui.trading.reconcile import ReconcileReason
from gmo_tui.trading.results import Outcome


class AcceptThenDrop:
    """The real client, except that changeOrder's reply is lost after the exchange acted."""

    def __init__(self, rest) -> None:
        self._rest = rest
        self.change_calls = 0

    def __getattr__(self, name):
        return getattr(self._rest, name)

    async def cancel_order(self, order_id):
        await self._rest.cancel_order(order_id)
        raise ReplyLost(
            "connection reset", method="POST", path="/v1/cancelOrder", body=b"", sent_at_ms=0
        )

    async def change_order(self, order_id, price, losscut_price=None):
        self.change_calls += 1
        await self._rest.change_order(order_id, price, losscut_price)
        raise ReplyLost(
            "connection reset", method="POST", path="/v1/changeOrder", body=b"", sent_at_ms=0
        )


async def test_lost_change_reply_is_resolved_by_reading_the_order(rig) -> None:
    book = await rig.refresh_book("BTC")
    placed = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    assert placed.outcome is Outcome.ACCEPTED
    losing = AcceptThenDrop(rig.rest)
    rig.service.rest = losing
    rig.service.resolver.rest = losing
    new_price = book.best_bid - 150
    result = await rig.service.change(placed.order_id, new_price)
    assert result.outcome is Outcome.UNKNOWN
    assert rig.journal.get(result.intent_id).state is IntentState.UNKNOWN
    # a second change of the same order waits for the first to be settled
    again = await rig.service.change(placed.order_id, new_price - 10)
    assert again.outcome is Outcome.BLOCKED
    await rig.service.wait_resolved(10)
    assert losing.change_calls == 1  # never re-sent
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.RESOLVED and entry.detail == "change applied"
    assert rig.account.orders[placed.order_id].price == new_price
    assert rig.service.tracker.get(placed.order_id).price == new_price


async def test_lost_order_matching_two_exchange_orders_is_ambiguous(rig) -> None:
    book = await rig.refresh_book("BTC")
    price = book.best_bid - 100
    # the same order placed from elsewhere (another device) a moment before
    await rig.rest.place_order("BTC", "BUY", "LIMIT", Decimal("0.01"), price=price)
    await rig.sim.control("lose_next_order", {})
    intent = OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)
    result = await rig.service.submit(intent)
    assert result.outcome is Outcome.UNKNOWN
    await rig.service.wait_resolved(10)
    assert len(rig.exchange_orders()) == 2
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.UNKNOWN and entry.order_id is None  # not guessed
    ambiguous = [n for n in rig.notices if n.kind.value == "AMBIGUOUS"]
    assert ambiguous and sorted(ambiguous[0].data["candidates"]) == sorted(
        o.id for o in rig.exchange_orders()
    )
    assert (await rig.service.submit(intent)).outcome is Outcome.BLOCKED
    for _ in range(2):  # the timer sees the same two candidates: said once, not every time
        await rig.service.reconcile(ReconcileReason.TIMER)
    assert [n.kind.value for n in rig.notices].count("AMBIGUOUS") == 1
    await rig.service.acknowledge_unknown(
        result.intent_id, max(o.id for o in rig.exchange_orders())
    )
    assert rig.journal.get(result.intent_id).state is IntentState.RESOLVED
    assert (await rig.service.submit(intent)).outcome is Outcome.ACCEPTED


async def test_lost_cancel_reply_is_settled_by_reading_the_order(rig) -> None:
    book = await rig.refresh_book("BTC")
    placed = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    rig.service.rest = AcceptThenDrop(rig.rest)
    result = await rig.service.cancel(placed.order_id)
    assert result.outcome is Outcome.UNKNOWN
    await rig.service.wait_resolved(10)
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.RESOLVED and entry.detail == "order is CANCELED"
    assert rig.service.tracker.get(placed.order_id).state.value == "CANCELED"

"""Lost replies: UNKNOWN (never FAILED), never re-sent, found on the exchange, identical submits
blocked meanwhile. The sim's ``lose_next_order`` control really places the order and then cuts
the connection without a reply."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.journal import IntentState
from gmo_tui.trading.results import Outcome


async def _lose_next(rig) -> None:
    await rig.sim.control("lose_next_order", {})


async def test_lost_limit_order_is_found_in_active_orders(rig) -> None:
    book = await rig.refresh_book("BTC")
    price = book.best_bid - 100
    intent = OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)
    await _lose_next(rig)
    result = await rig.service.submit(intent)
    assert result.outcome is Outcome.UNKNOWN
    assert rig.journal.get(result.intent_id).state is IntentState.UNKNOWN
    assert rig.service.tracker.by_key(str(result.intent_id)).state is OrderState.UNKNOWN
    assert "UNKNOWN" in rig.kinds()
    # an identical order is blocked while the first is unresolved, without any request
    before = rig.transport.posts()
    blocked = await rig.service.submit(intent)
    assert blocked.outcome is Outcome.BLOCKED and blocked.intent_id == result.intent_id
    assert rig.transport.posts() == before
    await rig.service.wait_resolved(10)
    placed = rig.exchange_orders()
    assert len(placed) == 1  # exactly one order reached the exchange, never re-sent
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.RESOLVED and entry.order_id == placed[0].id
    tracked = rig.service.tracker.get(placed[0].id)
    assert tracked is not None and tracked.state is OrderState.ORDERED
    assert rig.transport.calls[("POST", "/private/v1/order")] == 1
    assert "RESOLVED" in rig.kinds()
    # once resolved, the identical order may go again
    again = await rig.service.submit(intent)
    assert again.outcome is Outcome.ACCEPTED
    assert len(rig.exchange_orders()) == 2


async def test_lost_market_order_that_filled_is_found_in_latest_executions(rig) -> None:
    await rig.refresh_book("BTC")
    intent = OrderIntent("BTC", Side.BUY, ExecutionType.MARKET, Decimal("0.01"))
    await _lose_next(rig)
    result = await rig.service.submit(intent)
    assert result.outcome is Outcome.UNKNOWN
    await rig.service.wait_resolved(10)
    placed = rig.exchange_orders()
    assert len(placed) == 1 and placed[0].status.value == "EXECUTED"
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.RESOLVED and entry.order_id == placed[0].id
    tracked = rig.service.tracker.get(placed[0].id)
    assert tracked.state is OrderState.EXECUTED and tracked.filled == Decimal("0.01")
    fills = rig.service.fills.for_order(placed[0].id)
    assert sum(f.size for f in fills) == Decimal("0.01")
    assert rig.transport.calls[("POST", "/private/v1/order")] == 1


async def test_a_different_order_is_not_blocked_by_an_unknown_one(rig) -> None:
    book = await rig.refresh_book("BTC")
    await _lose_next(rig)
    lost = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    assert lost.outcome is Outcome.UNKNOWN
    other = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.02"), book.best_bid - 100)
    )
    assert other.outcome is Outcome.ACCEPTED
    await rig.service.wait_resolved(10)
    assert len(rig.exchange_orders()) == 2
    resolved = rig.journal.get(lost.intent_id)
    assert resolved.order_id not in (None, other.order_id)


async def test_lost_close_order_is_found_and_not_resent(rig) -> None:
    await rig.refresh_book("BTC_JPY")
    opened = await rig.service.submit(
        OrderIntent("BTC_JPY", Side.BUY, ExecutionType.MARKET, Decimal("0.01"))
    )
    assert opened.outcome is Outcome.ACCEPTED
    page = await rig.rest.get_open_positions("BTC_JPY")
    (position,) = page.list
    await rig.refresh_book("BTC_JPY")
    await _lose_next(rig)
    result = await rig.service.close(position.position_id, Decimal("0.01"))
    assert result.outcome is Outcome.UNKNOWN
    await rig.service.wait_resolved(10)
    orders = rig.exchange_orders("BTC_JPY")
    assert len(orders) == 2  # the opening order and exactly one close
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.RESOLVED
    assert entry.order_id == max(o.id for o in orders)
    assert (await rig.rest.get_open_positions("BTC_JPY")).list == ()


async def test_order_reply_timing_out_is_unknown_and_found(sim, tmp_path) -> None:
    from tests.trading.conftest import build_rig

    rig = await build_rig(sim, tmp_path / "j.sqlite3", timeout=0.3)
    try:
        await rig.service.start()
        book = await rig.refresh_book("BTC")
        await sim.control("delay", {"ms": 600})  # the exchange acts, the reply comes too late
        result = await rig.service.submit(
            OrderIntent("BTC", Side.SELL, ExecutionType.LIMIT, Decimal("0.01"), book.best_ask + 100)
        )
        await sim.control("delay", {"ms": 0})
        assert result.outcome is Outcome.UNKNOWN
        await rig.service.wait_resolved(10)
        (placed,) = rig.exchange_orders()
        assert rig.journal.get(result.intent_id).order_id == placed.id
        assert rig.transport.calls[("POST", "/private/v1/order")] == 1
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()

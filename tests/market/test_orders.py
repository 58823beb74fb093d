"""Order state machine, tracker and lost-reply matching."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmo_tui.exchange.enums import ExecutionType, OrderStatus, SettleType, Side
from gmo_tui.exchange.models import Order
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import (
    TERMINAL,
    TRANSITIONS,
    OrderState,
    OrderTracker,
    can_transition,
    find_lost_order,
)
from tests.market.factories import (
    execution_event,
    order_event,
    rest_execution,
    rest_order,
    ts,
)

D = Decimal
S = OrderState
LIMIT_BUY = OrderIntent("BTC_JPY", Side.BUY, ExecutionType.LIMIT, D(1), D(100))


def test_table_covers_every_state_and_terminal_rules() -> None:
    assert set(TRANSITIONS) == set(OrderState)
    for state in TERMINAL:
        assert TRANSITIONS[state] <= {S.EXECUTED}
    assert can_transition(S.ORDERED, S.ORDERED)
    assert not can_transition(S.CANCELED, S.ORDERED)
    assert not can_transition(S.UNKNOWN, S.REJECTED)  # a lost reply is never "failed"


def test_intent_lifecycle_accept_fill_execute() -> None:
    t = OrderTracker()
    t.track_intent("i1", LIMIT_BUY)
    t.mark_sent("i1", ts(0))
    rec = t.mark_accepted("i1", 11)
    assert rec is not None and rec.state is S.ORDERED and t.get(11) is rec
    t.apply_execution_event(execution_event(11, 1, "0.4"))
    assert rec.filled == D("0.4") and rec.state is S.ORDERED
    assert t.own_levels("BTC_JPY") == {D(100): D("0.6")}
    t.apply_execution_event(execution_event(11, 1, "0.4"))  # duplicate
    assert rec.filled == D("0.4")
    t.apply_execution_event(execution_event(11, 2, "0.6", executed="1"))
    assert rec.state is S.EXECUTED and rec.filled == D(1)
    assert t.own_levels("BTC_JPY") == {}
    assert t.anomalies == 0


def test_fill_before_rest_reply_is_merged_into_the_intent() -> None:
    t = OrderTracker()
    t.track_intent("i1", LIMIT_BUY)
    t.mark_sent("i1", ts(0))
    t.apply_execution_event(execution_event(42, 7, "0.3"))
    assert t.get(42) is not None and t.get(42).key == "#42"
    rec = t.mark_accepted("i1", 42)
    assert rec is not None and rec.key == "i1" and t.get(42) is rec
    assert rec.filled == D("0.3") and rec.state is S.ORDERED
    assert t.by_key("#42") is None and len(t) == 1
    assert t.claimed_ids() == {42}


def test_rejected_and_unknown() -> None:
    t = OrderTracker()
    t.track_intent("a", LIMIT_BUY)
    t.mark_sent("a", ts(0))
    assert t.mark_rejected("a", "ERR-201").state is S.REJECTED
    assert t.mark_accepted("a", 5).state is S.REJECTED  # contradictory: refused, counted
    assert t.anomalies == 1
    t.track_intent("b", LIMIT_BUY)
    t.mark_sent("b", ts(0))
    assert t.mark_unknown("b").state is S.UNKNOWN
    assert [o.key for o in t.unresolved()] == ["b"]
    assert t.mark_rejected("b", "ERR-1").state is S.UNKNOWN  # not allowed: unknown stays unknown


def test_cancel_then_late_fill() -> None:
    t = OrderTracker()
    t.apply_order_event(order_event(1, OrderStatus.ORDERED))
    t.apply_order_event(order_event(1, OrderStatus.CANCELED, msg="COR"))
    rec = t.get(1)
    assert rec.state is S.CANCELED
    t.apply_execution_event(execution_event(1, 100, "0.5"))
    assert rec.state is S.CANCELED and rec.filled == D("0.5")  # partial late fill: stays
    t.apply_execution_event(execution_event(1, 101, "0.5", executed="1"))
    assert rec.state is S.EXECUTED  # the late fill completed it


def test_out_of_order_status_is_counted_not_applied(caplog: pytest.LogCaptureFixture) -> None:
    t = OrderTracker()
    t.apply_order_event(order_event(1, OrderStatus.ORDERED))
    t.apply_order_event(order_event(1, OrderStatus.CANCELED, msg="COR"))
    with caplog.at_level(logging.INFO):
        t.apply_order_event(order_event(1, OrderStatus.ORDERED, msg="NOR"))
    assert t.get(1).state is S.CANCELED and t.stale == 1
    t.apply_order_event(order_event(2, OrderStatus.ORDERED))
    t.apply_order_event(order_event(2, OrderStatus.WAITING))
    assert t.get(2).state is S.ORDERED and t.anomalies == 1
    t.apply_order_event(order_event(3, OrderStatus.ORDERED, msg="XYZ"))
    assert t.get(3) is None and t.anomalies == 2
    assert "XYZ" in caplog.text


def test_overfill_is_clamped_and_filled_never_decreases() -> None:
    t = OrderTracker()
    t.apply_rest_order(rest_order(1, OrderStatus.ORDERED, executed="0.5"))
    t.apply_rest_order(rest_order(1, OrderStatus.ORDERED, executed="0.2"))
    assert t.get(1).filled == D("0.5")
    t.apply_order_event(order_event(1, OrderStatus.ORDERED, executed="3"))
    assert t.get(1).filled == D(1) and t.get(1).state is S.EXECUTED and t.anomalies == 1


def test_rest_executions_parked_until_order_known() -> None:
    t = OrderTracker()
    assert t.apply_rest_execution(rest_execution(9, 1, "0.25")) is None
    t.apply_rest_order(rest_order(9, OrderStatus.ORDERED))
    assert t.get(9).filled == D("0.25")


def test_waiting_stop_adopted_from_rest() -> None:
    t = OrderTracker()
    t.apply_rest_order(rest_order(3, OrderStatus.WAITING, execution_type=ExecutionType.STOP))
    assert t.get(3).state is S.WAITING and t.anomalies == 0
    assert t.own_levels("BTC_JPY") == {}  # stops are not resting in the book
    assert [o.order_id for o in t.active("BTC_JPY")] == [3]


def test_own_levels_by_side_and_prune() -> None:
    t = OrderTracker()
    t.apply_order_event(order_event(1, OrderStatus.ORDERED, price="100"))
    t.apply_order_event(order_event(2, OrderStatus.ORDERED, price="100", size="2"))
    t.apply_order_event(order_event(3, OrderStatus.ORDERED, price="110", side=Side.SELL))
    assert t.own_levels("BTC_JPY", Side.BUY) == {D(100): D(3)}
    assert t.own_levels("BTC_JPY", Side.SELL) == {D(110): D(1)}
    for i in range(10, 20):
        t.apply_order_event(order_event(i, OrderStatus.CANCELED, msg="COR"))
    assert t.prune(keep_terminal=4) == 6 and len(t) == 7 and t.get(10) is None


# ------------------------------------------------------------------------------ lost replies


def test_find_lost_limit_order_in_active_orders() -> None:
    orders = [
        rest_order(1, OrderStatus.ORDERED, price="100", at=100),  # too old
        rest_order(2, OrderStatus.ORDERED, price="101", at=1),  # other price
        rest_order(3, OrderStatus.ORDERED, price="100", size="2", at=1),  # other size
        rest_order(4, OrderStatus.ORDERED, price="100", side=Side.SELL, at=1),  # other side
        rest_order(5, OrderStatus.ORDERED, price="100", at=1),
    ]
    res = find_lost_order(LIMIT_BUY, ts(0), orders, window=timedelta(seconds=5))
    assert res.status == "found" and res.order_id == 5 and res.order is orders[-1]
    assert find_lost_order(LIMIT_BUY, ts(0), orders, claimed=[5]).status == "not_found"


def _market_row(order_id: int, size: str = "1", at: float = 1) -> Order:
    return rest_order(
        order_id,
        OrderStatus.EXECUTED,
        executed=size,
        size=size,
        price="0",
        execution_type=ExecutionType.MARKET,
        at=at,
    )


def test_find_lost_market_order_by_its_row_and_ambiguity() -> None:
    intent = OrderIntent("BTC_JPY", Side.BUY, ExecutionType.MARKET, D(1))
    execs = [
        rest_execution(7, 1, "0.4", price="123", at=1),
        rest_execution(7, 2, "0.6", price="124", at=1),
        rest_execution(9, 3, "1", price="124", at=1),  # another order's fill
    ]
    res = find_lost_order(intent, ts(0), [_market_row(7)], execs)
    assert res.found and res.order_id == 7 and [e.execution_id for e in res.executions] == [1, 2]
    amb = find_lost_order(intent, ts(0), [_market_row(7), _market_row(8, at=2)], execs)
    assert amb.status == "ambiguous" and amb.candidates == (7, 8) and amb.order_id is None
    assert find_lost_order(intent, ts(0), [_market_row(9, size="1.5")]).status == "not_found"


def test_the_orders_own_time_decides_never_its_fills() -> None:
    # placed at once, filled a minute later: found by the order's timestamp
    late_fill = [rest_execution(8, 2, "1", price="100", at=60)]
    row = rest_order(8, OrderStatus.EXECUTED, executed="1", at=1)
    res = find_lost_order(LIMIT_BUY, ts(0), [row], late_fill)
    assert res.found and res.order_id == 8 and len(res.executions) == 1
    # fills alone (no order row) are never matched, whatever their time
    assert find_lost_order(LIMIT_BUY, ts(0), [], late_fill).status == "not_found"
    soon = [rest_execution(9, 3, "1", price="100", at=1)]
    assert find_lost_order(LIMIT_BUY, ts(0), [], soon).status == "not_found"
    # an order placed long before the send is not ours, even if it filled just after it
    old = rest_order(10, OrderStatus.EXECUTED, executed="1", at=-60)
    assert find_lost_order(LIMIT_BUY, ts(0), [old], soon).status == "not_found"


# ------------------------------------------------------------------------------ properties

STATUSES = list(OrderStatus)


@st.composite
def histories(draw):
    """A true fill history for one order of size 1, plus noise, shuffled and duplicated."""
    n_fills = draw(st.integers(0, 4))
    parts = draw(st.lists(st.integers(1, 25), min_size=n_fills, max_size=n_fills))
    fills = []
    total = D(0)
    for i, p in enumerate(parts):
        size = D(p) / 100
        total += size
        fills.append(("exec", 1000 + i, size, total))
    final = draw(st.sampled_from([OrderStatus.ORDERED, OrderStatus.CANCELED, OrderStatus.EXPIRED]))
    events = [("order", OrderStatus.ORDERED, D(0)), *fills, ("order", final, total)]
    noise = draw(
        st.lists(
            st.tuples(
                st.just("order"), st.sampled_from(STATUSES), st.sampled_from([D(0), D("0.5"), D(2)])
            ),
            max_size=3,
        )
    )
    events += noise
    dup = draw(st.lists(st.sampled_from(events), max_size=4))
    events = draw(st.permutations(events + dup))
    rest = draw(st.booleans())
    return events, total, rest


def _to_input(ev, rest: bool):
    if ev[0] == "exec":
        _, eid, size, cum = ev
        if rest:
            return rest_execution(1, eid, str(size))
        return execution_event(1, eid, str(size), executed=str(cum))
    _, status, executed = ev
    if rest:
        return rest_order(1, status, executed=str(executed))
    return order_event(1, status, executed=str(executed), msg="ER")


@settings(max_examples=200, deadline=None)
@given(histories())
def test_state_machine_invariants_under_reordering_and_duplication(history) -> None:
    events, total, rest = history
    t = OrderTracker()
    t.track_intent("i", LIMIT_BUY)
    t.mark_sent("i", ts(0))
    t.mark_accepted("i", 1)
    rec = t.by_key("i")
    prev_filled, prev_state = rec.filled, rec.state
    for ev in events:
        t.apply(_to_input(ev, rest))  # must never raise
        assert rec.filled >= prev_filled
        assert D(0) <= rec.filled <= rec.size
        if prev_state in TERMINAL and rec.state != prev_state:
            assert rec.filled > prev_filled and rec.state is S.EXECUTED
        if rec.filled == rec.size:
            assert rec.state is S.EXECUTED
        prev_filled, prev_state = rec.filled, rec.state
    # Every real fill was seen, so the filled size is at least their sum.
    assert rec.filled >= min(total, rec.size)


def test_cancel_in_flight_then_fill_wins() -> None:
    t = OrderTracker()
    t.apply_order_event(order_event(5, OrderStatus.ORDERED))
    assert t.mark_cancelling(5).state is S.CANCELLING
    assert t.own_levels("BTC_JPY") == {D(100): D(1)}  # still resting until the exchange says
    # ERR-5122 on the cancel: the service queries the order and finds it filled.
    t.apply_rest_order(rest_order(5, OrderStatus.EXECUTED, executed="1"))
    assert t.get(5).state is S.EXECUTED and t.get(5).filled == D(1)
    t.apply_order_event(order_event(6, OrderStatus.ORDERED))
    t.mark_cancelling(6)
    t.apply_rest_order(rest_order(6, OrderStatus.ORDERED))  # cancel refused, order still live
    assert t.get(6).state is S.ORDERED
    assert t.mark_cancelling(999) is None and t.anomalies == 1


def test_modify_updates_price() -> None:
    t = OrderTracker()
    t.apply_order_event(order_event(5, OrderStatus.ORDERED, price="100"))
    t.mark_modifying(5)
    assert t.get(5).state is S.MODIFYING
    t.apply_order_event(order_event(5, OrderStatus.ORDERED, price="101", msg="ROR"))
    assert t.get(5).state is S.ORDERED and t.own_levels("BTC_JPY") == {D(101): D(1)}


def test_close_intent_matches_only_close_orders() -> None:
    close = OrderIntent(
        "BTC_JPY", Side.SELL, ExecutionType.LIMIT, D(1), D(100), settle="close", position_id=3
    )
    opening = rest_order(1, OrderStatus.ORDERED, side=Side.SELL, at=1)
    closing = msgspec.structs.replace(
        rest_order(2, OrderStatus.ORDERED, side=Side.SELL, at=1), settle_type=SettleType.CLOSE
    )
    assert find_lost_order(close, ts(0), [opening, closing]).order_id == 2
    assert find_lost_order(close, ts(0), [opening]).status == "not_found"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([Side.BUY, Side.SELL]),
            st.sampled_from(["1", "2"]),
            st.sampled_from(["100", "101"]),
            st.integers(-20, 20),
        ),
        max_size=6,
    ),
    st.sets(st.integers(0, 5), max_size=2),
)
def test_lost_order_matching_never_guesses(rows, claimed) -> None:
    orders = [
        rest_order(i, OrderStatus.ORDERED, side=side, size=size, price=price, at=at)
        for i, (side, size, price, at) in enumerate(rows)
    ]
    expected = sorted(
        i
        for i, (side, size, price, at) in enumerate(rows)
        if side is Side.BUY
        and size == "1"
        and price == "100"
        and abs(at) <= 10
        and i not in claimed
    )
    res = find_lost_order(LIMIT_BUY, ts(0), orders, claimed=claimed, window=timedelta(seconds=10))
    if not expected:
        assert res.status == "not_found" and res.order_id is None
    elif len(expected) == 1:
        assert res.status == "found" and res.order_id == expected[0]
    else:
        assert res.status == "ambiguous" and res.order_id is None
        assert list(res.candidates) == expected

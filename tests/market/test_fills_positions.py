"""Fills ledger de-duplication (WS x REST, any order) and positions with live P&L."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gmo_tui.exchange.enums import OrderStatus, Side
from gmo_tui.exchange.models import Position, PositionEvent, PositionSummary, PositionSummaryEvent
from gmo_tui.market.book import Book
from gmo_tui.market.fills import FillLedger
from gmo_tui.market.orders import OrderTracker
from gmo_tui.market.positions import Positions, unrealised_pnl
from tests.market.factories import book_event, execution_event, rest_execution, rest_order, ts

D = Decimal


def test_same_fill_from_ws_and_rest_counts_once() -> None:
    ledger = FillLedger()
    ws = execution_event(1, 10, "0.5", price="100", fee="3")
    rest = rest_execution(1, 10, "0.5", price="100", fee="3")
    assert ledger.add(ws) is not None
    assert ledger.add(rest) is None and ledger.add(ws) is None
    assert ledger.count == 1 and ledger.duplicates == 2
    assert ledger.notional_total == D(50) and ledger.fee_total == D(3)
    assert ledger.net_size("BTC_JPY") == D("0.5")
    assert 10 in ledger and 11 not in ledger


def test_latest_is_bounded_newest_first_with_fee() -> None:
    ledger = FillLedger(maxlen=3)
    for i in range(6):
        ledger.add(rest_execution(1, i, "1", fee=str(i), at=i, side=Side.SELL))
    latest = ledger.latest()
    assert [f.execution_id for f in latest] == [5, 4, 3]
    assert latest[0].fee == D(5) and not latest[0].is_maker
    assert ledger.count == 6 and ledger.fee_total == D(15)
    assert ledger.net_size("BTC_JPY") == D(-6)
    # An old fill arriving late is counted but does not push out newer rows.
    ledger.add(rest_execution(1, 99, "1", at=-100))
    assert [f.execution_id for f in ledger.latest()] == [5, 4, 3] and ledger.count == 7
    assert ledger.latest(1, symbol="ETH") == []


FILLS = [
    (order, eid, size)
    for order, eid, size in [
        (1, 1, "0.1"),
        (1, 2, "0.2"),
        (2, 3, "0.5"),
        (3, 4, "0.3"),
        (3, 5, "0.7"),
    ]
]


def _sources(order: int, eid: int, size: str):
    side = Side.BUY if order != 2 else Side.SELL
    return [
        execution_event(order, eid, size, executed="0", side=side, price="100", fee="2"),
        rest_execution(order, eid, size, side=side, price="100", fee="2"),
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(range(len(FILLS))), st.integers(0, 1)), min_size=0, max_size=20
    ),
    st.randoms(use_true_random=False),
)
def test_any_interleaving_and_duplication_gives_the_same_ledger_and_position(extra, rnd) -> None:
    # Every fill at least once (from either source), plus random duplicates, in random order.
    items = [_sources(*f)[rnd.randint(0, 1)] for f in FILLS]
    items += [_sources(*FILLS[i])[src] for i, src in extra]
    rnd.shuffle(items)
    ledger = FillLedger(maxlen=3)
    tracker = OrderTracker()
    for item in items:
        ledger.add(item)
        tracker.apply(item)
    for order_id, side, size in [(1, Side.BUY, "1"), (2, Side.SELL, "1"), (3, Side.BUY, "1")]:
        tracker.apply_rest_order(rest_order(order_id, OrderStatus.ORDERED, side=side, size=size))

    reference = FillLedger(maxlen=3)
    for f in FILLS:
        reference.add(_sources(*f)[1])
    assert ledger.count == reference.count == 5
    assert [(f.execution_id, f.size, f.fee) for f in ledger.latest()] == [
        (f.execution_id, f.size, f.fee) for f in reference.latest()
    ]
    assert ledger.notional_total == reference.notional_total
    assert ledger.fee_total == D(10)
    assert ledger.net_size("BTC_JPY") == D("0.1") + D("0.2") - D("0.5") + D("0.3") + D("0.7")
    assert [tracker.get(i).filled for i in (1, 2, 3)] == [D("0.3"), D("0.5"), D(1)]
    assert tracker.get(3).state.value == "EXECUTED"


def _pos(pid: int, side: Side, size: str, price: str, at: float = 0) -> Position:
    return Position(
        position_id=pid,
        symbol="BTC_JPY",
        side=side,
        size=D(size),
        orderd_size=D(0),
        price=D(price),
        loss_gain=D(0),
        leverage=D(2),
        losscut_price=D(0),
        timestamp=ts(at),
    )


def _pev(
    pid: int, msg: str, size: str = "1", price: str = "100", at: float = 1, side=Side.BUY
) -> PositionEvent:
    return PositionEvent(
        position_id=pid,
        symbol="BTC_JPY",
        side=side,
        size=D(size),
        orderd_size=D(0),
        price=D(price),
        loss_gain=D(0),
        leverage=D(2),
        losscut_price=D(0),
        timestamp=ts(at),
        msg_type=msg,
    )


def test_positions_events_and_no_resurrection() -> None:
    pos = Positions()
    pos.load([_pos(1, Side.BUY, "1", "100"), _pos(2, Side.SELL, "2", "110")])
    assert len(pos) == 2
    pos.apply_event(_pev(3, "OPR", at=2))
    pos.apply_event(_pev(1, "UPR", size="0.5", at=3))
    assert pos.get(1).size == D("0.5")
    pos.apply_event(_pev(1, "UPR", size="0.9", at=2.5))  # older than what we hold
    assert pos.get(1).size == D("0.5") and pos.stale == 1
    pos.apply_event(_pev(3, "CPR", at=4))
    assert pos.get(3) is None
    pos.apply_event(_pev(3, "UPR", at=5))  # late: stays closed
    pos.load([pos.get(1), pos.get(2), _pos(3, Side.BUY, "1", "100")])  # stale REST: 3 stays closed
    assert pos.get(3) is None
    pos.apply_event(_pev(2, "UPR", size="0", at=6, side=Side.SELL))
    assert [p.position_id for p in pos.all()] == [1]
    pos.apply_event(_pev(1, "XXX", at=9))
    assert pos.anomalies == 1


def test_unrealised_pnl_marks_buy_at_bid_sell_at_ask() -> None:
    book = Book("BTC_JPY")
    book.apply(book_event([("105", "1")], [("107", "1")]), 0.0)
    assert unrealised_pnl(Side.BUY, D(100), D(2), book) == D(10)
    assert unrealised_pnl(Side.SELL, D(110), D(2), book) == D(6)
    pos = Positions()
    pos.load([_pos(1, Side.BUY, "2", "100"), _pos(2, Side.SELL, "2", "110")])
    assert pos.total_unrealised("BTC_JPY", book) == D(16)
    assert pos.net_size("BTC_JPY") == D(0)
    crossed = Book("BTC_JPY")
    crossed.apply(book_event([("108", "1")], [("107", "1")]), 0.0)
    assert pos.total_unrealised("BTC_JPY", crossed) is None
    assert pos.total_unrealised("BTC_JPY", None) is None


def test_summaries() -> None:
    pos = Positions()
    row = PositionSummary(
        symbol="BTC_JPY",
        side=Side.BUY,
        average_position_rate=D(100),
        position_loss_gain=D(5),
        sum_order_quantity=D(0),
        sum_position_quantity=D(1),
    )
    pos.load_summaries([row])
    assert pos.summary("BTC_JPY", Side.BUY) == row

    def sev(qty: str, at: float, msg: str = "UPDATE") -> PositionSummaryEvent:
        return PositionSummaryEvent(
            symbol="BTC_JPY",
            side=Side.BUY,
            average_position_rate=D(100),
            position_loss_gain=D(1),
            sum_order_quantity=D(0),
            sum_position_quantity=D(qty),
            timestamp=ts(at),
            msg_type=msg,
        )

    pos.apply_summary_event(sev("2", 10, "PERIODIC"))
    assert pos.summary("BTC_JPY", Side.BUY).sum_position_quantity == D(2)
    pos.apply_summary_event(sev("3", 5))
    assert pos.summary("BTC_JPY", Side.BUY).sum_position_quantity == D(2) and pos.stale == 1
    pos.apply_summary_event(sev("0", 11))
    assert pos.summaries() == []

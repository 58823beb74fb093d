"""Engine: margin positions: open, close, close bulk, losscut, changeLosscutPrice, margin figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import MarginCallStatus, OrderStatus, OrderType, SettleType, Side
from gmo_tui.sim.engine import MARKET_MAKER, SimError
from tests.sim.test_engine_support import make

D = Decimal
SYM = "BTC_JPY"


def setup(jpy=D(10_000_000)):
    h = make(jpy=jpy)
    h.ladder(SYM, D(15_000_000), D(1000), D("0.5"), levels=5)
    return h


def open_long(h, size="0.2", account="alice"):
    return h.engine.place_order(
        account, symbol=SYM, side="BUY", execution_type="MARKET", size=D(size)
    )


def positions(h, account="alice"):
    return list(h.engine.open_positions(account, SYM).list)


def code_of(call) -> str:
    with pytest.raises(SimError) as err:
        call()
    return err.value.code


def order(h, account, order_id) -> models.Order:
    (o,) = h.engine.orders(account, [order_id])
    return o


def test_open_creates_one_position_per_execution_with_default_losscut():
    h = setup()
    oid = open_long(h, "0.7")
    ps = positions(h)
    assert [(p.size, p.price) for p in ps] == [(D("0.5"), D(15_001_000)), (D("0.2"), D(15_002_000))]
    assert all(p.side is Side.BUY and p.leverage == 2 and p.orderd_size == 0 for p in ps)
    assert ps[0].losscut_price == D(11_250_750)  # loses half the margin at leverage 2
    assert ps[0].loss_gain == (D(14_999_000) - D(15_001_000)) * D("0.5")  # valued at the bid
    executions = h.engine.executions("alice", order_id=oid)
    assert {e.position_id for e in executions} == {p.position_id for p in ps}
    assert all(e.settle_type is SettleType.OPEN for e in executions)
    opr = [e for e in h.account_events("alice", models.PositionEvent) if e.msg_type == "OPR"]
    assert [e.position_id for e in opr] == [p.position_id for p in ps]
    (summary,) = h.engine.position_summary("alice", SYM)
    assert summary.sum_position_quantity == D("0.7")
    assert summary.average_position_rate == D(15_001_286)  # (0.5*15,001,000+0.2*15,002,000)/0.7
    assert h.engine.assets("alice")[0].amount == D(10_000_000)  # opening moves no JPY (fee 0)


def test_losscut_price_from_order_and_its_rules():
    h = setup()
    oid = h.engine.place_order(
        "alice",
        symbol=SYM,
        side="BUY",
        execution_type="LIMIT",
        price=D(15_001_000),
        size=D("0.1"),
        losscut_price=D(14_000_000),
    )
    assert order(h, "alice", oid).losscut_price == D(14_000_000)
    assert positions(h)[0].losscut_price == D(14_000_000)
    wrong_side = lambda: h.engine.place_order(  # noqa: E731
        "alice",
        symbol=SYM,
        side="BUY",
        execution_type="LIMIT",
        price=D(14_900_000),
        size=D("0.1"),
        losscut_price=D(15_000_000),
    )
    assert code_of(wrong_side) == "ERR-5106"


def test_close_order_partial_then_full_with_realised_pnl():
    h = setup()
    open_long(h, "0.5")
    (pos,) = positions(h)
    h.engine.cancel_bulk_order(MARKET_MAKER, symbols=[SYM])
    h.ladder(SYM, D(15_100_000), D(1000), D("0.5"), levels=1)  # the market rose: bid 15,099,000
    jpy = h.engine.assets("alice")[0].amount
    first = h.engine.close_order(
        "alice",
        symbol=SYM,
        side="SELL",
        execution_type="MARKET",
        position_id=pos.position_id,
        size=D("0.2"),
    )
    (execution,) = h.engine.executions("alice", order_id=first)
    assert execution.settle_type is SettleType.CLOSE and execution.position_id == pos.position_id
    assert execution.loss_gain == (D(15_099_000) - D(15_001_000)) * D("0.2")
    assert h.engine.assets("alice")[0].amount == jpy + execution.loss_gain
    (left,) = positions(h)
    assert left.size == D("0.3")
    h.engine.close_order(
        "alice",
        symbol=SYM,
        side="SELL",
        execution_type="MARKET",
        position_id=pos.position_id,
        size=D("0.3"),
    )
    assert positions(h) == []
    msgs = [e.msg_type for e in h.account_events("alice", models.PositionEvent)]
    assert msgs == ["OPR", "UPR", "CPR"]
    assert h.engine.position_summary("alice") == []


def test_close_order_errors_and_ordered_size():
    h = setup()
    open_long(h, "0.5")
    (pos,) = positions(h)

    def close(size="0.1", side="SELL", position_id=pos.position_id, **kw):
        args = {"symbol": SYM, "execution_type": "LIMIT", "price": D(15_500_000)}
        args.update(kw)
        return h.engine.close_order(
            "alice", side=side, position_id=position_id, size=D(size), **args
        )

    assert code_of(lambda: close(position_id=1)) == "ERR-254"
    assert code_of(lambda: close(position_id=pos.position_id, symbol="ETH_JPY")) == "ERR-254"
    assert code_of(lambda: close(side="BUY", price=D(14_500_000))) == "ERR-70"
    assert code_of(lambda: close(size="0.6")) == "ERR-189"
    resting = close("0.4")
    assert positions(h)[0].orderd_size == D("0.4")
    assert code_of(lambda: close("0.2")) == "ERR-189"  # only 0.1 left to order
    assert code_of(lambda: close(symbol="BTC")) == "ERR-5106"  # spot symbol
    h.engine.cancel_order("alice", resting)
    assert positions(h)[0].orderd_size == 0
    assert h.engine.position_summary("alice")[0].sum_order_quantity == 0


def test_close_with_cancel_before_frees_ordered_size():
    h = setup()
    open_long(h, "0.5")
    (pos,) = positions(h)
    resting = h.engine.close_order(
        "alice",
        symbol=SYM,
        side="SELL",
        execution_type="LIMIT",
        price=D(15_500_000),
        position_id=pos.position_id,
        size=D("0.5"),
    )
    oid = h.engine.close_order(
        "alice",
        symbol=SYM,
        side="SELL",
        execution_type="MARKET",
        position_id=pos.position_id,
        size=D("0.5"),
        cancel_before=True,
    )
    assert order(h, "alice", resting).status is OrderStatus.CANCELED
    assert order(h, "alice", oid).status is OrderStatus.EXECUTED
    assert positions(h) == []


def test_close_bulk_order_closes_fifo_and_errors():
    h = setup()
    open_long(h, "0.7")  # positions 0.5 @15,001,000 then 0.2 @15,002,000
    assert (
        code_of(
            lambda: h.engine.close_bulk_order(
                "alice", symbol=SYM, side="BUY", execution_type="MARKET", size=D("0.1")
            )
        )
        == "ERR-422"
    )  # no SELL positions to close
    assert (
        code_of(
            lambda: h.engine.close_bulk_order(
                "alice", symbol=SYM, side="SELL", execution_type="MARKET", size=D("0.8")
            )
        )
        == "ERR-189"
    )
    oid = h.engine.close_bulk_order(
        "alice", symbol=SYM, side="SELL", execution_type="MARKET", size=D("0.6")
    )
    executions = h.engine.executions("alice", order_id=oid)
    assert sum(e.size for e in executions) == D("0.6")
    (left,) = positions(h)
    assert (left.size, left.price) == (D("0.1"), D(15_002_000))
    assert order(h, "alice", oid).settle_type is SettleType.CLOSE


def test_change_losscut_price_rules_and_event():
    h = setup()
    open_long(h, "0.1")
    (pos,) = positions(h)
    assert (
        code_of(lambda: h.engine.change_losscut_price("alice", position_id=1, losscut_price=D(1)))
        == "ERR-254"
    )
    above_bid = lambda: h.engine.change_losscut_price(  # noqa: E731
        "alice", position_id=pos.position_id, losscut_price=D(15_000_000)
    )
    assert code_of(above_bid) == "ERR-5106"
    h.engine.change_losscut_price("alice", position_id=pos.position_id, losscut_price=D(14_500_000))
    assert positions(h)[0].losscut_price == D(14_500_000)
    ulr = h.account_events("alice", models.PositionEvent)[-1]
    assert ulr.msg_type == "ULR" and ulr.losscut_price == D(14_500_000)


def test_position_losscut_closes_at_market_when_crossed():
    h = setup()
    open_long(h, "0.1")
    (pos,) = positions(h)
    h.engine.change_losscut_price("alice", position_id=pos.position_id, losscut_price=D(14_990_000))
    # a resting close order holding the position is cancelled by the losscut
    close = h.engine.close_order(
        "alice",
        symbol=SYM,
        side="SELL",
        execution_type="LIMIT",
        price=D(15_500_000),
        position_id=pos.position_id,
        size=D("0.1"),
    )
    # the market maker pulls its bids down to 14,990,000 and below
    h.engine.cancel_bulk_order(MARKET_MAKER, symbols=[SYM], side="BUY")
    h.ladder(SYM, D(14_991_000), D(1000), D("0.5"), levels=1)  # bid 14,990,000
    assert positions(h) == []
    assert order(h, "alice", close).cancel_type == "POSITION_LOSSCUT"
    events = h.account_events("alice", models.OrderEvent)
    losscut = [e for e in events if e.settle_type is SettleType.LOSS_CUT]
    assert [e.msg_type for e in losscut] == ["NOR", "ER"]
    (model,) = h.engine.orders("alice", [losscut[0].order_id])
    assert model.order_type is OrderType.LOSSCUT and model.settle_type is SettleType.CLOSE
    assert h.account_events("alice", models.PositionEvent)[-1].msg_type == "CPR"


def test_margin_figures_margin_call_and_account_losscut():
    h = setup(jpy=D(1_000_000))
    open_long(h, "0.1")  # 1,500,100 notional: used margin 750,050
    m = h.engine.margin("alice")
    assert m.margin == D(750_050)
    assert m.profit_loss == D(-200)
    assert m.actual_profit_loss == D(999_800)
    assert m.available_amount == D(1_000_000) - D(750_050) - D(200)
    assert m.margin_ratio == D("133.2")
    assert m.margin_call_status is MarginCallStatus.NORMAL
    assert m.transferable_amount == m.available_amount
    # the bid falls 3,000,000: equity 700,000 < used margin: MARGIN_CALL
    h.engine.cancel_bulk_order(MARKET_MAKER, symbols=[SYM], side="BUY")
    h.ladder(SYM, D(12_001_000), D(1000), D("0.5"), levels=1)
    m = h.engine.margin("alice")
    assert m.margin_call_status is MarginCallStatus.MARGIN_CALL
    assert code_of(lambda: open_long(h, "0.01")) == "ERR-682"
    # move the position's own losscut out of the way, then fall to a bid of 8,700,000:
    # equity 369,900 / margin 750,050 = 49.3 % < 50 %: every position is closed at market
    (pos,) = positions(h)
    h.engine.change_losscut_price("alice", position_id=pos.position_id, losscut_price=D(1_000_000))
    h.engine.cancel_bulk_order(MARKET_MAKER, symbols=[SYM], side="BUY")
    h.ladder(SYM, D(9_001_000), D(1000), D("0.5"), levels=1)  # 53.3 %: still held
    assert [p.position_id for p in positions(h)] == [pos.position_id]
    assert h.engine.margin("alice").margin_call_status is MarginCallStatus.MARGIN_CALL
    h.engine.cancel_bulk_order(MARKET_MAKER, symbols=[SYM], side="BUY")
    h.ladder(SYM, D(8_701_000), D(1000), D("0.5"), levels=1)
    assert positions(h) == []
    (execution,) = h.engine.latest_executions("alice", SYM, count=1).list
    assert execution.price == D(8_700_000) and execution.settle_type is SettleType.CLOSE
    assert h.engine.margin("alice").margin_call_status is MarginCallStatus.NORMAL


def test_margin_order_reserves_margin_and_201():
    h = setup(jpy=D(1_000_000))
    h.engine.place_order(
        "alice", symbol=SYM, side="BUY", execution_type="LIMIT", price=D(14_000_000), size=D("0.1")
    )
    assert h.engine.margin("alice").available_amount == D(300_000)
    assert (
        code_of(
            lambda: h.engine.place_order(
                "alice",
                symbol=SYM,
                side="SELL",
                execution_type="LIMIT",
                price=D(16_000_000),
                size=D("0.04"),
            )
        )
        == "ERR-201"
    )


def test_short_position_losscut_above_ask():
    h = setup()
    h.engine.place_order("alice", symbol=SYM, side="SELL", execution_type="MARKET", size=D("0.1"))
    (pos,) = positions(h)
    assert pos.side is Side.SELL and pos.losscut_price == D(18_748_750)
    below = lambda: h.engine.change_losscut_price(  # noqa: E731
        "alice", position_id=pos.position_id, losscut_price=D(15_000_000)
    )
    assert code_of(below) == "ERR-5106"
    h.engine.change_losscut_price("alice", position_id=pos.position_id, losscut_price=D(15_010_000))
    h.engine.cancel_bulk_order(MARKET_MAKER, symbols=[SYM], side="SELL")
    h.ladder(SYM, D(15_009_000), D(1000), D("0.5"), levels=1)  # ask 15,010,000
    assert positions(h) == []


def test_margin_between_two_accounts_creates_no_money():
    h = make()
    total = sum(h.engine.assets(a)[0].amount for a in ("alice", "bob"))

    def limit(account, side, price, size):
        return h.engine.place_order(
            account, symbol=SYM, side=side, execution_type="LIMIT", price=D(price), size=D(size)
        )

    limit("alice", "SELL", 15_000_000, "0.3")
    h.engine.place_order("bob", symbol=SYM, side="BUY", execution_type="MARKET", size=D("0.3"))
    (short,) = positions(h, "alice")
    (long,) = positions(h, "bob")
    assert (short.side, long.side) == (Side.SELL, Side.BUY)
    # the price moves; they close against each other at 15,250,000 in two pieces
    h.engine.close_order(
        "bob",
        symbol=SYM,
        side="SELL",
        execution_type="LIMIT",
        price=D(15_250_000),
        position_id=long.position_id,
        size=D("0.3"),
    )
    h.engine.close_bulk_order(
        "alice", symbol=SYM, side="BUY", execution_type="MARKET", size=D("0.1")
    )
    h.engine.close_order(
        "alice",
        symbol=SYM,
        side="BUY",
        execution_type="MARKET",
        position_id=short.position_id,
        size=D("0.2"),
    )
    assert positions(h, "alice") == [] and positions(h, "bob") == []
    alice = h.engine.assets("alice")[0].amount
    bob = h.engine.assets("bob")[0].amount
    assert bob - D(10_000_000) == D(250_000) * D("0.3")
    assert alice + bob + h.engine.fee_income == total


def test_summary_update_events_follow_ordered_and_position_sizes():
    h = setup()
    open_long(h, "0.2")
    (pos,) = positions(h)
    h.events.clear()
    close = h.engine.close_order(
        "alice",
        symbol=SYM,
        side="SELL",
        execution_type="STOP",
        price=D(14_000_000),
        position_id=pos.position_id,
        size=D("0.2"),
    )
    (update,) = h.account_events("alice", models.PositionSummaryEvent)
    assert (update.msg_type, update.sum_order_quantity, update.sum_position_quantity) == (
        "UPDATE",
        D("0.2"),
        D("0.2"),
    )
    assert order(h, "alice", close).status is OrderStatus.WAITING
    h.events.clear()
    h.engine.cancel_order("alice", close)
    (update,) = h.account_events("alice", models.PositionSummaryEvent)
    assert update.sum_order_quantity == 0
    assert h.account_events("alice", models.PositionEvent) == []  # ordered size alone: no UPR


def test_close_cancel_before_spares_orders_closing_several_positions():
    h = setup()
    open_long(h, "0.7")  # two positions: 0.5 and 0.2
    first = positions(h)[0]
    bulk = h.engine.close_bulk_order(
        "alice", symbol=SYM, side="SELL", execution_type="LIMIT", price=D(15_500_000), size=D("0.6")
    )
    assert [p.orderd_size for p in positions(h)] == [D("0.5"), D("0.1")]
    with pytest.raises(SimError) as err:
        h.engine.close_order(
            "alice",
            symbol=SYM,
            side="SELL",
            execution_type="MARKET",
            position_id=first.position_id,
            size=D("0.5"),
            cancel_before=True,
        )
    assert err.value.code == "ERR-189"
    assert order(h, "alice", bulk).status is OrderStatus.ORDERED

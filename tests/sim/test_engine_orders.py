"""Engine: STOP orders, changeOrder, cancels, cancelBefore and every order-entry error code."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import OrderStatus
from gmo_tui.sim.engine import MARKET_MAKER, SimError
from gmo_tui.sim.rules import MAX_ACTIVE_ORDERS, MAX_CHANGES
from tests.sim.test_engine_support import make

D = Decimal


def place(h, account="alice", **kw):
    args = {"symbol": "BTC", "side": "BUY", "execution_type": "LIMIT", "size": D("0.01")}
    args.update(kw)
    return h.engine.place_order(account, **args)


def order(h, account, order_id) -> models.Order:
    (o,) = h.engine.orders(account, [order_id])
    return o


def code_of(call) -> str:
    with pytest.raises(SimError) as err:
        call()
    assert err.value.message  # the seed's text
    return err.value.code


def book(h):
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=5)


# ---------------------------------------------------------------- STOP


def test_stop_waits_then_triggers_on_last_price_and_acts_as_limit():
    h = make()
    book(h)
    stop = place(h, execution_type="STOP", price=D(15_002_000), size=D("0.1"), time_in_force="FAS")
    assert order(h, "alice", stop).status is OrderStatus.WAITING
    assert [o.order_id for o in h.engine.active_orders("alice", "BTC").list] == [stop]
    # a print at 15,001,000 does not reach the stop
    place(h, "bob", execution_type="MARKET", size=D("0.1"))
    assert order(h, "alice", stop).status is OrderStatus.WAITING
    # the next print at 15,002,000 triggers it; it buys at most 15,002,000
    place(h, "bob", execution_type="MARKET", size=D("0.05"))
    o = order(h, "alice", stop)
    assert o.status is OrderStatus.ORDERED
    assert o.executed_size == D("0.05")  # what was left at 15,002,000
    assert h.engine.orderbook("BTC").bids[0].price == D(15_002_000)  # FAS rests the rest
    nor = [
        e.order_status
        for e in h.account_events("alice", models.OrderEvent)
        if e.order_id == stop and e.msg_type == "NOR"
    ]
    assert nor == [OrderStatus.WAITING, OrderStatus.ORDERED]


def test_sell_stop_default_fak_expires_rest_after_trigger():
    h = make()
    book(h)
    stop = place(h, side="SELL", execution_type="STOP", price=D(14_999_000), size=D("0.2"))
    place(h, "bob", side="SELL", execution_type="MARKET", size=D("0.05"))  # prints 14,999,000
    o = order(h, "alice", stop)
    assert o.status is OrderStatus.EXPIRED and o.cancel_type == "EXPIRED_FAK"
    assert o.executed_size == D("0.05")


def test_stop_that_would_trigger_at_once_is_5129():
    h = make()
    book(h)
    place(h, "bob", execution_type="MARKET", size=D("0.01"))  # last = 15,001,000
    assert code_of(lambda: place(h, execution_type="STOP", price=D(15_001_000))) == "ERR-5129"
    assert code_of(lambda: place(h, side="SELL", execution_type="STOP", price=D(15_001_000))) == (
        "ERR-5129"
    )
    stop = place(h, execution_type="STOP", price=D(15_100_000))
    assert code_of(lambda: h.engine.change_order("alice", order_id=stop, price=D(15_000_000))) == (
        "ERR-5129"
    )


def test_fill_order_prints_and_triggers_stops():
    h = make()  # no book: the last price is the reference 15,000,000
    stop = place(h, side="SELL", execution_type="STOP", price=D(14_600_000))
    resting = place(h, "bob", side="SELL", price=D(14_500_000), size=D("0.1"))
    h.engine.fill_order("bob", resting, D("0.04"))  # the market maker takes it at its price
    o = order(h, "bob", resting)
    assert (o.executed_size, o.status) == (D("0.04"), OrderStatus.ORDERED)
    assert h.engine.last_price("BTC") == D(14_500_000)
    fee = h.account_events("bob", models.ExecutionEvent)[-1].fee
    assert fee < 0  # bob was the maker
    # the print reached the stop: it became a SELL limit at 14,600,000 FAK with no bid to hit
    stopped = order(h, "alice", stop)
    assert (stopped.status, stopped.cancel_type) == (OrderStatus.EXPIRED, "EXPIRED_FAK")
    assert code_of(lambda: h.engine.fill_order("bob", resting, D("0.07"))) == "ERR-5106"
    h.engine.fill_order("bob", resting)
    assert order(h, "bob", resting).status is OrderStatus.EXECUTED
    assert code_of(lambda: h.engine.fill_order("bob", resting)) == "ERR-5122"


def test_tick_triggers_stops_and_is_harmless_when_idle():
    h = make()
    book(h)
    stop = place(h, execution_type="STOP", price=D(15_001_000), size=D("0.05"))
    h.engine.tick()
    assert order(h, "alice", stop).status is OrderStatus.WAITING
    place(h, "bob", execution_type="MARKET", size=D("0.01"))  # prints 15,001,000: triggers
    h.engine.tick()
    assert order(h, "alice", stop).status is OrderStatus.EXECUTED


# ---------------------------------------------------------------- change / cancel


def test_change_order_reprices_loses_priority_and_can_take():
    h = make()
    book(h)
    a = place(h, "alice", side="SELL", price=D(15_010_000), size=D("0.1"))
    b = place(h, "bob", side="SELL", price=D(15_010_000), size=D("0.1"))
    h.engine.change_order("alice", order_id=a, price=D(15_020_000))
    h.engine.change_order("alice", order_id=a, price=D(15_010_000))  # back, but behind bob
    ror = [e for e in h.account_events("alice", models.OrderEvent) if e.msg_type == "ROR"]
    assert [e.order_price for e in ror] == [D(15_020_000), D(15_010_000)]
    # crossing change: alice's buy repriced through the ask takes liquidity
    buy = place(h, "alice", price=D(14_990_000), size=D("0.05"))
    h.engine.change_order("alice", order_id=buy, price=D(15_001_000))
    assert order(h, "alice", buy).status is OrderStatus.EXECUTED
    assert order(h, "bob", b).status is OrderStatus.ORDERED


def test_change_order_time_priority():
    h = make()
    h.engine.open_account("carol", jpy=D(10_000_000))
    a = place(h, "alice", side="SELL", price=D(15_010_000), size=D("0.1"))
    b = place(h, "bob", side="SELL", price=D(15_010_000), size=D("0.1"))
    h.engine.change_order("alice", order_id=a, price=D(15_010_000))  # same price, new time
    place(h, "carol", execution_type="MARKET", size=D("0.1"))
    assert order(h, "bob", b).status is OrderStatus.EXECUTED
    assert order(h, "alice", a).executed_size == 0


def test_change_sok_that_would_take_is_not_applied():
    h = make()
    book(h)
    sok = place(h, price=D(14_990_000), time_in_force="SOK")
    h.engine.change_order("alice", order_id=sok, price=D(15_001_000))
    o = order(h, "alice", sok)
    assert o.price == D(14_990_000) and o.status is OrderStatus.ORDERED
    last = h.account_events("alice", models.OrderEvent)[-1]
    assert last.msg_type == "ROR" and last.cancel_type == "SOK_TAKER"


def test_change_and_cancel_errors():
    h = make()
    book(h)
    done = place(h, "alice", execution_type="MARKET")
    live = place(h, "alice", price=D(14_000_000))
    assert code_of(lambda: h.engine.change_order("alice", order_id=done, price=D(1))) == "ERR-5122"
    assert code_of(lambda: h.engine.cancel_order("alice", done)) == "ERR-5122"
    assert code_of(lambda: h.engine.change_order("alice", order_id=999, price=D(1))) == "ERR-5123"
    assert code_of(lambda: h.engine.cancel_order("alice", 999)) == "ERR-5123"
    assert code_of(lambda: h.engine.cancel_order("bob", live)) == "ERR-5123"  # not yours
    bad_tick = lambda: h.engine.change_order("alice", order_id=live, price=D("14000000.5"))  # noqa: E731
    assert code_of(bad_tick) == "ERR-5114"
    far = lambda: h.engine.change_order("alice", order_id=live, price=D(5_000_000))  # noqa: E731
    assert code_of(far) == "ERR-5121"
    spot_losscut = lambda: h.engine.change_order(  # noqa: E731
        "alice", order_id=live, price=D(14_000_000), losscut_price=D(13_000_000)
    )
    assert code_of(spot_losscut) == "ERR-5118"
    for i in range(MAX_CHANGES):
        h.engine.change_order("alice", order_id=live, price=D(14_000_000 + i))
    too_many = lambda: h.engine.change_order("alice", order_id=live, price=D(14_100_000))  # noqa: E731
    assert code_of(too_many) == "ERR-5206"
    h.engine.cancel_order("alice", live)
    o = order(h, "alice", live)
    assert o.status is OrderStatus.CANCELED and o.cancel_type == "USER"
    assert code_of(lambda: h.engine.cancel_order("alice", live)) == "ERR-5122"


def test_cancel_orders_reports_success_and_failure_per_id():
    h = make()
    a = place(h, price=D(14_000_000))
    b = place(h, price=D(14_001_000))
    h.engine.cancel_order("alice", b)
    result = h.engine.cancel_orders("alice", [a, b, 12345])
    assert result.success == (a,)
    assert [(f.orderId, f.message_code) for f in result.failed] == [
        (b, "ERR-5122"),
        (12345, "ERR-5123"),
    ]
    assert result.failed[0].message_string


def test_cancel_bulk_order_filters_and_order():
    h = make()
    buy1 = place(h, price=D(14_000_000))
    sell1 = place(h, side="SELL", price=D(16_000_000))
    buy2 = place(h, price=D(14_001_000))
    eth = place(h, symbol="ETH", price=D(400_000), size=D("0.1"))
    margin_open = place(h, symbol="BTC_JPY", price=D(14_000_000), size=D("0.01"))
    assert h.engine.cancel_bulk_order("alice", symbols=["BTC"], side="BUY", desc=True) == [
        buy2,
        buy1,
    ]
    assert h.engine.cancel_bulk_order("alice", symbols=["BTC_JPY"], settle_type="CLOSE") == []
    assert h.engine.cancel_bulk_order(
        "alice", symbols=["BTC", "ETH", "BTC_JPY"], settle_type="OPEN"
    ) == [sell1, eth, margin_open]
    assert code_of(lambda: h.engine.cancel_bulk_order("alice", symbols=[])) == "ERR-5106"
    assert code_of(lambda: h.engine.cancel_bulk_order("alice", symbols=["NOPE"])) == "ERR-5106"


# ---------------------------------------------------------------- entry errors


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"size": D("0.00001")}, "ERR-5114"),  # finer than sizeStep
        ({"price": D("14000000.5")}, "ERR-5114"),  # off tick
        ({"size": D("0.00005") * 0}, "ERR-5106"),  # zero size
        ({"size": D(6)}, "ERR-5126"),  # above maxOrderSize
        ({"symbol": "ETH", "size": D("0.001"), "price": D(400_000)}, "ERR-5126"),  # below min
        ({"price": None}, "ERR-5106"),  # LIMIT without a price
        ({"price": D(1_000_000)}, "ERR-5121"),  # absurdly far from the market
        ({"price": D(30_000_000)}, "ERR-5121"),
        ({"losscut_price": D(13_000_000)}, "ERR-5118"),  # spot
        ({"symbol": "BTC_JPY", "execution_type": "MARKET", "losscut_price": D(1)}, "ERR-5118"),
        ({"symbol": "NOPE"}, "ERR-5106"),
        ({"side": "UP"}, "ERR-5106"),
        ({"execution_type": "ICEBERG"}, "ERR-5106"),
        ({"cancel_before": True}, "ERR-5106"),  # LIMIT BUY
        (
            {
                "side": "SELL",
                "execution_type": "MARKET",
                "cancel_before": True,
                "time_in_force": "FOK",
            },
            "ERR-5106",
        ),
        (
            {
                "symbol": "BTC_JPY",
                "side": "SELL",
                "execution_type": "MARKET",
                "cancel_before": True,
            },
            "ERR-5106",
        ),
        ({"size": D(1), "price": D(14_000_000)}, "ERR-208"),  # JPY 10M < 14M
        ({"side": "SELL", "size": D(2), "price": D(16_000_000)}, "ERR-208"),  # has 1 BTC
        ({"symbol": "BTC_JPY", "size": D(2), "price": D(14_000_000)}, "ERR-201"),  # 14M margin
    ],
)
def test_order_entry_errors(kw, code):
    h = make()
    args = {"price": D(14_000_000)}
    args.update(kw)
    assert code_of(lambda: place(h, **args)) == code
    assert h.engine.active_orders("alice", "BTC").list == ()


def test_spot_funds_are_net_of_resting_orders():
    h = make()
    place(h, side="SELL", price=D(16_000_000), size=D("0.7"))
    assert code_of(lambda: place(h, side="SELL", price=D(16_000_000), size=D("0.4"))) == "ERR-208"
    place(h, side="SELL", price=D(16_000_000), size=D("0.3"))
    place(h, price=D(14_000_000), size=D("0.7"))  # 9.8M + fee reserve
    assert code_of(lambda: place(h, price=D(14_000_000), size=D("0.02"))) == "ERR-208"
    (jpy, btc) = h.engine.assets("alice")[:2]
    assert btc.amount == D(1) and btc.available == 0
    assert jpy.available == D(10_000_000) - D(14_000_000) * D("0.7") * D("1.0005")


def test_market_buy_needs_the_cost_of_walking_the_book():
    h = make(jpy=D(1_000_000))
    book(h)
    assert code_of(lambda: place(h, execution_type="MARKET", size=D("0.07"))) == "ERR-208"
    oid = place(h, execution_type="MARKET", size=D("0.06"))
    assert order(h, "alice", oid).status is OrderStatus.EXECUTED


def test_active_order_limit_635():
    h = make(jpy=D(10) ** 12)
    for i in range(MAX_ACTIVE_ORDERS):
        place(h, price=D(14_000_000 - i))
    assert code_of(lambda: place(h, price=D(13_000_000))) == "ERR-635"
    place(h, symbol="ETH", price=D(400_000), size=D("0.1"))  # the limit is per symbol
    place(h, MARKET_MAKER, price=D(14_500_000))  # the market maker has no limit


def test_queries_validate_parameters():
    h = make()
    assert code_of(lambda: h.engine.active_orders("alice", "NOPE")) == "ERR-5106"
    assert code_of(lambda: h.engine.active_orders("alice", "BTC", page=0)) == "ERR-5106"
    assert code_of(lambda: h.engine.latest_executions("alice", "BTC", count=0)) == "ERR-5106"
    assert code_of(lambda: h.engine.open_positions("alice", "BTC")) == "ERR-5106"
    assert code_of(lambda: h.engine.position_summary("alice", "ETH")) == "ERR-5106"
    assert (
        code_of(lambda: h.engine.executions("alice", order_id=1, execution_ids=[2])) == "ERR-5208"
    )
    assert code_of(lambda: h.engine.executions("alice")) == "ERR-5106"
    assert code_of(lambda: h.engine.orderbook("NOPE")) == "ERR-5106"
    assert h.engine.active_orders("alice", "BTC") == models.OrdersList()  # GMO's empty `{}`


def test_active_orders_pagination_newest_first():
    h = make()
    ids = [place(h, price=D(14_000_000 + i)) for i in range(5)]
    page1 = h.engine.active_orders("alice", "BTC", page=1, count=2)
    page3 = h.engine.active_orders("alice", "BTC", page=3, count=2)
    assert [o.order_id for o in page1.list] == [ids[4], ids[3]]
    assert [o.order_id for o in page3.list] == [ids[0]]
    assert page1.pagination == models.Pagination(current_page=1, count=2)


# ---------------------------------------------------------------- cancelBefore


def test_cancel_before_cancels_oldest_sells_to_free_the_coin():
    h = make()
    book(h)
    old = place(h, side="SELL", price=D(16_000_000), size=D("0.4"))
    mid = place(h, side="SELL", price=D(16_100_000), size=D("0.4"))
    new = place(h, side="SELL", price=D(16_200_000), size=D("0.2"))
    buy = place(h, price=D(14_000_000), size=D("0.1"))
    oid = place(h, side="SELL", execution_type="MARKET", size=D("0.3"), cancel_before=True)
    assert order(h, "alice", oid).executed_size == D("0.3")
    assert order(h, "alice", old).status is OrderStatus.CANCELED
    assert order(h, "alice", mid).status is OrderStatus.ORDERED
    assert order(h, "alice", new).status is OrderStatus.ORDERED
    assert order(h, "alice", buy).status is OrderStatus.ORDERED


def test_cancel_before_cuts_the_order_to_what_is_available():
    h = make(btc=D("0.3"))
    book(h)
    place(h, side="SELL", price=D(16_000_000), size=D("0.2"))
    oid = place(h, side="SELL", execution_type="MARKET", size=D("0.5"), cancel_before=True)
    o = order(h, "alice", oid)
    assert o.size == D("0.3") and o.executed_size == D("0.3")
    assert h.engine.assets("alice")[1].amount == 0
    without = lambda: place(h, side="SELL", execution_type="MARKET", size=D("0.5"))  # noqa: E731
    assert code_of(without) == "ERR-208"


def test_cancelled_stop_releases_its_hold():
    h = make()
    before = h.engine.assets("alice")[0].available
    stop = place(h, execution_type="STOP", price=D(16_000_000), size=D("0.1"))
    held = before - h.engine.assets("alice")[0].available
    assert held == D(16_000_000) * D("0.1") * D("1.0005")
    h.engine.cancel_order("alice", stop)
    assert h.engine.assets("alice")[0].available == before
    assert order(h, "alice", stop).status is OrderStatus.CANCELED

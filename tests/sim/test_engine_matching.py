"""Engine: price-time priority, partial fills, time in force, self-trade, market data."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import OrderStatus, Side
from gmo_tui.sim.engine import MARKET_MAKER, BookChanged, PublicTrade, SimError
from tests.sim.test_engine_support import make

D = Decimal


def limit(h, account, side, price, size, symbol="BTC", **kw):
    return h.engine.place_order(
        account,
        symbol=symbol,
        side=side,
        execution_type="LIMIT",
        price=D(price),
        size=D(size),
        **kw,
    )


def order(h, account, order_id) -> models.Order:
    (o,) = h.engine.orders(account, [order_id])
    return o


def test_price_then_time_priority_and_partial_fills():
    h = make()
    first = limit(h, "alice", "SELL", 15_001_000, "0.1")
    second = limit(h, "bob", "SELL", 15_001_000, "0.1")
    better = limit(h, MARKET_MAKER, "SELL", 15_000_500, "0.05")
    h.clock.advance(1)
    h.engine.open_account("carol", jpy=D(10_000_000))
    taker = h.engine.place_order(
        "carol", symbol="BTC", side="BUY", execution_type="MARKET", size=D("0.1")
    )
    trades = h.engine.trades("BTC").list
    # newest first: the better price traded first, then the older order at the next level
    assert [(t.price, t.size) for t in reversed(trades)] == [
        (D(15_000_500), D("0.05")),
        (D(15_001_000), D("0.05")),
    ]
    assert all(t.side is Side.BUY for t in trades)
    assert order(h, "alice", first).executed_size == D("0.05")
    assert order(h, "alice", first).status is OrderStatus.ORDERED
    assert order(h, "bob", second).executed_size == 0
    assert order(h, "carol", taker).status is OrderStatus.EXECUTED
    assert h.engine.orders(MARKET_MAKER, [better]) == []  # not kept for the market maker
    book = h.engine.orderbook("BTC")
    assert book.asks == (models.BookLevel(price=D(15_001_000), size=D("0.15")),)


def test_orderbook_sorted_and_depth_limited():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=30)
    book = h.engine.orderbook("BTC", depth=20)
    assert len(book.asks) == 20 and len(book.bids) == 20
    assert [lv.price for lv in book.asks] == sorted(lv.price for lv in book.asks)
    assert [lv.price for lv in book.bids] == sorted((lv.price for lv in book.bids), reverse=True)
    assert book.asks[0].price == D(15_001_000) and book.bids[0].price == D(14_999_000)
    assert book.timestamp == h.clock.now
    full = h.engine.orderbook("BTC")
    assert len(full.asks) == 30


def test_limit_fas_rests_remainder_after_taking():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=2)
    oid = limit(h, "alice", "BUY", 15_001_000, "0.3")
    o = order(h, "alice", oid)
    assert o.time_in_force.value == "FAS"
    assert o.executed_size == D("0.1") and o.status is OrderStatus.ORDERED
    assert h.engine.orderbook("BTC").bids[0] == models.BookLevel(price=D(15_001_000), size=D("0.2"))


def test_fak_remainder_expires():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=2)
    oid = limit(h, "alice", "BUY", 15_001_000, "0.3", time_in_force="FAK")
    o = order(h, "alice", oid)
    assert o.status is OrderStatus.EXPIRED and o.cancel_type == "EXPIRED_FAK"
    assert o.executed_size == D("0.1")
    assert h.engine.orderbook("BTC").bids[0].price == D(14_999_000)


def test_market_order_against_empty_book_expires_fak():
    h = make()
    oid = h.engine.place_order(
        "alice", symbol="BTC", side="SELL", execution_type="MARKET", size=D("0.1")
    )
    o = order(h, "alice", oid)
    assert o.status is OrderStatus.EXPIRED and o.cancel_type == "EXPIRED_FAK"
    assert o.price == 0 and o.executed_size == 0


def test_fok_all_or_nothing():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=2)
    miss = limit(h, "alice", "BUY", 15_002_000, "0.3", time_in_force="FOK")
    assert order(h, "alice", miss).cancel_type == "EXPIRED_FOK"
    assert order(h, "alice", miss).executed_size == 0
    assert h.engine.trades("BTC").list == ()
    hit = limit(h, "alice", "BUY", 15_002_000, "0.2", time_in_force="FOK")
    assert order(h, "alice", hit).status is OrderStatus.EXECUTED
    assert len(h.engine.trades("BTC").list) == 2


def test_sok_post_only():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=2)
    taking = limit(h, "alice", "BUY", 15_001_000, "0.1", time_in_force="SOK")
    o = order(h, "alice", taking)
    assert o.status is OrderStatus.EXPIRED and o.cancel_type == "EXPIRED_SOK"
    assert h.engine.trades("BTC").list == ()
    making = limit(h, "alice", "BUY", 15_000_000, "0.1", time_in_force="SOK")
    assert order(h, "alice", making).status is OrderStatus.ORDERED
    assert h.engine.orderbook("BTC").bids[0].price == D(15_000_000)


@pytest.mark.parametrize(
    ("symbol", "execution_type", "tif", "price"),
    [
        ("BTC", "MARKET", "SOK", None),
        ("BTC", "MARKET", "FAS", None),
        ("BTC", "STOP", "SOK", "16000000"),
        ("ETH_JPY", "LIMIT", "SOK", "500000"),  # not on the seed's SOK list
        ("BTC", "LIMIT", "GTC", "15000000"),
    ],
)
def test_time_in_force_rules_5111(symbol, execution_type, tif, price):
    h = make()
    size = D("0.1") if symbol.endswith("_JPY") else D("0.01")
    with pytest.raises(SimError) as err:
        h.engine.place_order(
            "alice",
            symbol=symbol,
            side="BUY",
            execution_type=execution_type,
            size=size,
            price=D(price) if price else None,
            time_in_force=tif,
        )
    assert err.value.code == "ERR-5111"


def test_sok_allowed_on_listed_margin_symbol():
    h = make()
    oid = h.engine.place_order(
        "alice",
        symbol="BTC_JPY",
        side="BUY",
        execution_type="LIMIT",
        size=D("0.01"),
        price=D(14_000_000),
        time_in_force="SOK",
    )
    assert order(h, "alice", oid).status is OrderStatus.ORDERED


def test_default_time_in_force():
    h = make()
    m = h.engine.place_order(
        "alice", symbol="BTC", side="BUY", execution_type="MARKET", size=D("0.01")
    )
    lim = limit(h, "alice", "BUY", 14_000_000, "0.01")
    stop = h.engine.place_order(
        "alice",
        symbol="BTC",
        side="BUY",
        execution_type="STOP",
        size=D("0.01"),
        price=D(16_000_000),
    )
    assert [order(h, "alice", i).time_in_force.value for i in (m, lim, stop)] == [
        "FAK",
        "FAS",
        "FAK",
    ]


def test_self_trade_expires_incoming_order_and_keeps_resting():
    h = make()
    resting = limit(h, "alice", "SELL", 15_001_000, "0.1")
    limit(h, "bob", "SELL", 15_002_000, "0.1")
    incoming = limit(h, "alice", "BUY", 15_002_000, "0.1")
    o = order(h, "alice", incoming)
    assert o.status is OrderStatus.EXPIRED and o.cancel_type == "EXPIRED_SELFTRADE"
    assert order(h, "alice", resting).status is OrderStatus.ORDERED
    assert h.engine.trades("BTC").list == ()


def test_self_trade_after_partial_fill():
    h = make()
    limit(h, "bob", "SELL", 15_001_000, "0.1")
    limit(h, "alice", "SELL", 15_002_000, "0.1")
    incoming = limit(h, "alice", "BUY", 15_003_000, "0.3")
    o = order(h, "alice", incoming)
    assert o.executed_size == D("0.1") and o.cancel_type == "EXPIRED_SELFTRADE"


def test_ticker_and_trades_pagination_and_24h_window():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=5)
    t = h.engine.ticker("BTC")
    assert (t.bid, t.ask, t.volume) == (D(14_999_000), D(15_001_000), 0)
    for size in ("0.01", "0.02", "0.03"):
        h.engine.place_order(
            "alice", symbol="BTC", side="BUY", execution_type="MARKET", size=D(size)
        )
        h.clock.advance(3600)
    h.engine.place_order(
        "alice", symbol="BTC", side="SELL", execution_type="MARKET", size=D("0.15")
    )
    t = h.engine.ticker("BTC")
    assert t.last == D(14_998_000) and t.high == D(15_001_000) and t.low == D(14_998_000)
    assert t.volume == D("0.21")
    page1 = h.engine.trades("BTC", page=1, count=2)
    page2 = h.engine.trades("BTC", page=2, count=2)
    assert page1.pagination == models.Pagination(current_page=1, count=2)
    assert [x.size for x in page1.list] == [D("0.05"), D("0.1")]  # newest first
    assert [x.price for x in page2.list] == [D(15_001_000), D(15_001_000)]
    h.clock.advance(86400 - 2 * 3600 + 1)  # the first two buys are now older than 24h
    t = h.engine.ticker("BTC")
    assert t.volume == D("0.18")
    with pytest.raises(SimError) as err:
        h.engine.trades("BTC", count=101)
    assert err.value.code == "ERR-5106"
    with pytest.raises(SimError):
        h.engine.ticker("NOPE")


def test_public_trade_and_book_changed_events():
    h = make()
    h.ladder("BTC", D(15_000_000), D(1000), D("0.1"), levels=1)
    h.events.clear()
    h.engine.place_order(
        "alice", symbol="BTC", side="SELL", execution_type="MARKET", size=D("0.05")
    )
    trades = [e for e in h.events if isinstance(e, PublicTrade)]
    assert len(trades) == 1 and trades[0].symbol == "BTC"
    assert trades[0].trade.side is Side.SELL and trades[0].trade.price == D(14_999_000)
    assert isinstance(h.events[-1], BookChanged) and h.events[-1].symbol == "BTC"
    assert sum(isinstance(e, BookChanged) for e in h.events) == 1


def test_last_price_falls_back_to_mid_then_reference():
    h = make()
    assert h.engine.last_price("ETH") == D(500_000)
    limit(h, MARKET_MAKER, "SELL", 501_000, "0.1", symbol="ETH")
    limit(h, MARKET_MAKER, "BUY", 499_000, "0.1", symbol="ETH")
    assert h.engine.last_price("ETH") == D(500_000)
    limit(h, MARKET_MAKER, "BUY", 499_500, "0.1", symbol="ETH")
    assert h.engine.last_price("ETH") == D(500_250)

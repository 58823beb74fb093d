"""Fat-finger protection runs before any network call: refused orders never reach the exchange.

Each case asserts on the exchange side (no order in the engine, no private request through the
counting transport), not just on the service's answer.
"""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.results import Outcome

BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = ExecutionType.LIMIT, ExecutionType.MARKET


def _ask_plus(book, pct: str) -> Decimal:
    return (book.best_ask * (1 + Decimal(pct) / 100)).quantize(Decimal(1))


def _bid_minus(book, pct: str) -> Decimal:
    return (book.best_bid * (1 - Decimal(pct) / 100)).quantize(Decimal(1))


# (name, intent factory(book), expected outcome, finding code expected among the findings)
CASES = [
    (
        "buy 10% above the ask (hard collar)",
        lambda b: OrderIntent("BTC", BUY, LIMIT, Decimal("0.01"), _ask_plus(b, "10")),
        Outcome.REFUSED,
        "collar_pct",
    ),
    (
        "sell 10% below the bid (hard collar)",
        lambda b: OrderIntent("BTC", SELL, LIMIT, Decimal("0.01"), _bid_minus(b, "10")),
        Outcome.REFUSED,
        "collar_pct",
    ),
    (
        "notional above the hard maximum",
        lambda b: OrderIntent("BTC", BUY, LIMIT, Decimal("2"), b.best_bid),
        Outcome.REFUSED,
        "max_notional",
    ),
    (
        "off-tick price",
        lambda b: OrderIntent("BTC", BUY, LIMIT, Decimal("0.01"), b.best_bid - Decimal("0.5")),
        Outcome.REFUSED,
        None,
    ),
    (
        "size off the size step",
        lambda b: OrderIntent("BTC", BUY, LIMIT, Decimal("0.00015"), b.best_bid),
        Outcome.REFUSED,
        None,
    ),
    (
        "buy 2% above the ask needs confirmation",
        lambda b: OrderIntent("BTC", BUY, LIMIT, Decimal("0.01"), _ask_plus(b, "2")),
        Outcome.NEEDS_CONFIRM,
        "collar_pct",
    ),
    (
        "notional above the soft maximum needs confirmation",
        lambda b: OrderIntent("BTC", BUY, LIMIT, Decimal("0.4"), _bid_minus(b, "0.1")),
        Outcome.NEEDS_CONFIRM,
        "max_notional",
    ),
]


async def test_refused_or_unconfirmed_orders_send_nothing(rig) -> None:
    """The whole table on one exchange (one sim start): each case leaves it untouched."""
    for name, make, outcome, code in CASES:
        book = await rig.refresh_book("BTC")
        rig.transport.calls.clear()
        result = await rig.service.submit(make(book))
        assert result.outcome is outcome, (name, result)
        assert result.findings, f"{name}: the user must be shown why"
        if code is not None:
            assert code in [f.code for f in result.findings], name
        assert rig.transport.private() == 0, name
        assert rig.exchange_orders() == [], name
        assert rig.journal.entries() == [], name  # nothing journaled: nothing to send


async def test_confirmed_soft_order_is_sent_once(rig) -> None:
    book = await rig.refresh_book("BTC")
    intent = OrderIntent("BTC", BUY, LIMIT, Decimal("0.4"), _bid_minus(book, "0.1"))
    first = await rig.service.submit(intent)
    assert first.outcome is Outcome.NEEDS_CONFIRM
    assert any("5,000,000" in f.message or "5000000" in f.message for f in first.findings)
    second = await rig.service.submit(intent, confirmed=True)
    assert second.outcome is Outcome.ACCEPTED
    assert [o.id for o in rig.exchange_orders()] == [second.order_id]


async def test_market_order_without_a_book_is_refused(rig) -> None:
    rig.transport.calls.clear()
    result = await rig.service.submit(OrderIntent("BTC", BUY, MARKET, Decimal("0.01")))
    assert result.outcome is Outcome.REFUSED
    assert rig.transport.private() == 0 and rig.exchange_orders() == []


async def test_market_order_with_a_stale_book_is_refused(rig) -> None:
    await rig.refresh_book("BTC")
    rig.service.clock = lambda: __import__("time").time() + 60  # the book is a minute old
    result = await rig.service.submit(OrderIntent("BTC", BUY, MARKET, Decimal("0.01")))
    assert result.outcome is Outcome.REFUSED
    assert rig.exchange_orders() == []


async def test_kill_switch_refuses_new_orders_but_lets_cancels_through(rig) -> None:
    book = await rig.refresh_book("BTC")
    resting = await rig.service.submit(
        OrderIntent("BTC", BUY, LIMIT, Decimal("0.01"), _bid_minus(book, "0.5"))
    )
    assert resting.outcome is Outcome.ACCEPTED
    rig.service.kill_switch = True
    assert "KILL_SWITCH" in rig.kinds()
    rig.transport.calls.clear()
    refused = await rig.service.submit(
        OrderIntent("BTC", BUY, LIMIT, Decimal("0.02"), _bid_minus(book, "0.5"))
    )
    assert refused.outcome is Outcome.REFUSED
    assert rig.transport.private() == 0
    assert len(rig.exchange_orders()) == 1
    cancelled = await rig.service.cancel(resting.order_id)
    assert cancelled.outcome is Outcome.ACCEPTED
    assert rig.account.orders[resting.order_id].status.value in ("CANCELED", "CANCELLING")
    rig.service.kill_switch = False
    again = await rig.service.submit(
        OrderIntent("BTC", BUY, LIMIT, Decimal("0.02"), _bid_minus(book, "0.5"))
    )
    assert again.outcome is Outcome.ACCEPTED


async def test_entry_blocked_until_start_reconciled(sim, tmp_path) -> None:
    from tests.trading.conftest import build_rig

    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    try:
        book = await rig.refresh_book("BTC")
        rig.transport.calls.clear()
        result = await rig.service.submit(
            OrderIntent("BTC", BUY, LIMIT, Decimal("0.01"), book.best_bid)
        )
        assert result.outcome is Outcome.BLOCKED and "reconcil" in result.reason
        assert rig.transport.private() == 0
        await rig.service.start()
        assert rig.service.entry_enabled
        result = await rig.service.submit(
            OrderIntent("BTC", BUY, LIMIT, Decimal("0.01"), book.best_bid)
        )
        assert result.outcome is Outcome.ACCEPTED
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()

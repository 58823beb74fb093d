"""safety.check_order: every limit, soft vs hard, buys vs the ask, sells vs the bid, MARKET."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.book import Book
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.safety import (
    KillSwitch,
    SafetyLimits,
    Severity,
    check_order,
    walk_book,
)
from tests.market.factories import book_event, rule

D = Decimal
BTC = rule("BTC_JPY", tick="1", step="0.01", min_size="0.01", max_size="5")
NOW = 1000.0
LIM = SafetyLimits()
BIG = SafetyLimits(soft_max_notional=D(10**9), hard_max_notional=D(10**10))
TICKS = SafetyLimits(
    soft_collar_ticks=10, hard_collar_ticks=100, soft_collar_pct=D(50), hard_collar_pct=D(90)
)


def make_book(at: float = NOW) -> Book:
    """Bid 14,990,000 / ask 15,000,000, a few levels deep."""
    book = Book("BTC_JPY")
    book.apply(
        book_event(
            [("14990000", "0.5"), ("14980000", "1"), ("14900000", "2")],
            [("15000000", "0.5"), ("15010000", "1"), ("15100000", "2")],
        ),
        at,
    )
    return book


def lim(side: Side, price: str, size: str = "0.1", **kw) -> OrderIntent:
    return OrderIntent("BTC_JPY", side, ExecutionType.LIMIT, D(size), D(price), **kw)


def mkt(side: Side, size: str) -> OrderIntent:
    return OrderIntent("BTC_JPY", side, ExecutionType.MARKET, D(size))


B, S_ = Side.BUY, Side.SELL

CASES = [
    # (name, intent, limits, expected {code: severity})
    ("buy at the ask is fine", lim(B, "15000000"), LIM, {}),
    ("sell at the bid is fine", lim(S_, "14990000"), LIM, {}),
    ("buy 2% above ask: soft", lim(B, "15300000"), LIM, {"collar_pct": "SOFT"}),
    ("buy 10% above ask: hard", lim(B, "16500000"), LIM, {"collar_pct": "HARD"}),
    ("sell 2% below bid: soft", lim(S_, "14690000"), LIM, {"collar_pct": "SOFT"}),
    ("sell 10% below bid: hard", lim(S_, "13491000"), LIM, {"collar_pct": "HARD"}),
    # The same buy price compared against the bid would be 1.4%; against the ask it's under 1%.
    ("buy vs ask not bid", lim(B, "15140000"), LIM, {}),
    ("sell vs bid not ask", lim(S_, "14845000"), LIM, {}),
    ("passive buy 10% below: soft only", lim(B, "13500000"), LIM, {"collar_pct": "SOFT"}),
    ("passive sell 10% above: soft only", lim(S_, "16500000"), LIM, {"collar_pct": "SOFT"}),
    ("passive buy 3% below: fine", lim(B, "14550000"), LIM, {}),
    ("ticks soft", lim(B, "15000050"), TICKS, {"collar_ticks": "SOFT"}),
    ("ticks hard", lim(B, "15000500"), TICKS, {"collar_ticks": "HARD"}),
    ("off tick", lim(B, "15000000.5"), LIM, {"tick": "HARD"}),
    ("off step", lim(B, "15000000", "0.015"), LIM, {"size_step": "HARD"}),
    ("below min size", lim(B, "15000000", "0.001"), LIM, {"size_step": "HARD", "min_size": "HARD"}),
    (
        "above exchange max",
        lim(B, "15000000", "6"),
        LIM,
        {"exchange_max_size": "HARD", "max_notional": "HARD"},
    ),
    (
        "above user max size",
        lim(B, "15000000", "0.2"),
        SafetyLimits(max_size={"BTC_JPY": D("0.1")}),
        {"max_size": "HARD"},
    ),
    ("notional soft", lim(B, "15000000", "0.4"), LIM, {"max_notional": "SOFT"}),
    ("notional hard", lim(B, "15000000", "1.5"), LIM, {"max_notional": "HARD"}),
    (
        "close is not limited by notional",
        lim(S_, "14990000", "1.5", settle="close", position_id=9),
        LIM,
        {},
    ),
    ("market buy small: fine", mkt(B, "0.2"), LIM, {}),
    ("market buy slips 0.03%: fine", mkt(B, "1"), BIG, {}),
    ("market buy slips ~0.3%: soft", mkt(B, "3"), BIG, {"slippage": "SOFT"}),
    (
        "market sell slips: hard",
        mkt(S_, "3.5"),
        SafetyLimits(
            soft_slippage_pct=D("0.1"),
            max_slippage_pct=D("0.2"),
            soft_max_notional=D(10**9),
            hard_max_notional=D(10**10),
        ),
        {"slippage": "HARD"},
    ),
    ("market deeper than the book", mkt(B, "4"), BIG, {"market_depth": "HARD", "slippage": "SOFT"}),
    ("market notional hard", mkt(B, "1.6"), LIM, {"max_notional": "HARD"}),
]


@pytest.mark.parametrize(("name", "intent", "limits", "expected"), CASES, ids=[c[0] for c in CASES])
def test_check_order_table(name, intent, limits, expected) -> None:
    result = check_order(intent, BTC, make_book(), limits, NOW + 1)
    got = {f.code: f.severity.value for f in result.findings}
    assert got == expected
    assert result.refused == ("HARD" in expected.values())
    assert result.needs_confirmation == (bool(expected) and "HARD" not in expected.values())
    assert result.ok == (not expected)


def test_message_shows_the_numbers() -> None:
    result = check_order(lim(B, "16500000"), BTC, make_book(), LIM, NOW)
    assert (
        result.hard[0].message
        == "price 16,500,000 is 10.0% above the best ask 15,000,000 (hard limit 5%)"
    )
    assert result.reference == D(15000000) and result.notional == D(1650000)
    sell = check_order(lim(S_, "14690000"), BTC, make_book(), LIM, NOW)
    assert (
        sell.soft[0].message
        == "price 14,690,000 is 2.0% below the best bid 14,990,000 (confirm above 1%)"
    )


def test_market_with_stale_or_bad_or_no_book_is_refused() -> None:
    stale = check_order(mkt(B, "0.1"), BTC, make_book(at=NOW - 60), LIM, NOW)
    assert stale.codes() == ["market_no_book"] and stale.refused
    assert "60.0 s old" in stale.hard[0].message
    crossed = Book("BTC_JPY")
    crossed.apply(book_event([("101", "1")], [("100", "1")]), NOW)
    bad = check_order(mkt(B, "0.1"), BTC, crossed, LIM, NOW)
    assert bad.refused and "crossed" in bad.hard[0].message
    assert check_order(mkt(S_, "0.1"), BTC, None, LIM, NOW).codes() == ["market_no_book"]


def test_limit_without_reference_needs_confirmation() -> None:
    result = check_order(lim(B, "15000000"), BTC, make_book(at=NOW - 60), LIM, NOW)
    assert result.codes() == ["no_reference"] and result.needs_confirmation


def test_kill_switch_refuses_new_orders() -> None:
    ks = KillSwitch()
    assert check_order(lim(B, "15000000"), BTC, make_book(), LIM, NOW, kill_switch=ks).ok
    ks.engage("panic")
    result = check_order(lim(B, "15000000"), BTC, make_book(), LIM, NOW, kill_switch=ks)
    assert (
        result.refused
        and result.hard[0].code == "kill_switch"
        and "panic" in result.hard[0].message
    )
    ks.release()
    assert not check_order(lim(B, "15000000"), BTC, make_book(), LIM, NOW, kill_switch=ks).findings


def test_stop_far_from_market_is_only_soft() -> None:
    stop = OrderIntent("BTC_JPY", B, ExecutionType.STOP, D("0.1"), D(16500000))
    result = check_order(stop, BTC, make_book(), LIM, NOW)
    assert {f.code: f.severity for f in result.findings} == {"collar_pct": Severity.SOFT}


def test_walk_book_vwap() -> None:
    book = make_book()
    filled, vwap = walk_book(book, B, D(1))
    assert filled == D(1) and vwap == (D("0.5") * 15000000 + D("0.5") * 15010000)
    filled, vwap = walk_book(book, S_, D(10))
    assert filled == D("3.5")
    market = check_order(mkt(B, "1"), BTC, book, LIM, NOW)
    assert market.vwap == D(15005000) and market.slippage_pct is not None
    assert market.slippage_pct == (D(5000) / D(15000000) * 100)


def test_limits_defaults_match_the_documented_values() -> None:
    d = SafetyLimits()
    assert (d.soft_collar_pct, d.hard_collar_pct) == (1, 5)
    assert (d.soft_max_notional, d.hard_max_notional) == (5_000_000, 20_000_000)
    assert d.max_slippage_pct == D("0.5")


amounts = st.decimals(
    min_value=D("0.0001"), max_value=D(10**9), places=4, allow_nan=False, allow_infinity=False
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([B, S_]),
    st.sampled_from(list(ExecutionType)),
    amounts,
    amounts,
    st.booleans(),
    st.floats(min_value=0, max_value=30),
)
def test_random_orders_never_crash_and_market_needs_a_good_book(
    side, et, size, price, crossed, age
) -> None:
    book = Book("BTC_JPY")
    if crossed:
        book.apply(book_event([("15000001", "1")], [("15000000", "1")]), NOW - age)
    else:
        book.apply(book_event([("14990000", "1")], [("15000000", "1")]), NOW - age)
    intent = OrderIntent("BTC_JPY", side, et, size, None if et is ExecutionType.MARKET else price)
    result = check_order(intent, BTC, book, LIM, NOW)
    assert result.refused == any(f.severity is Severity.HARD for f in result.findings)
    assert all(f.message for f in result.findings)
    usable = not crossed and age <= LIM.max_book_age
    if et is ExecutionType.MARKET and not usable:
        assert result.refused and "market_no_book" in result.codes()
    if not (size % BTC.size_step == 0) or size > BTC.max_order_size:
        assert result.refused

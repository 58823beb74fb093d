"""Rules: rounding, decimals and ticket validation with human reasons."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmo_tui.market.rules import (
    decimals,
    format_price,
    format_size,
    is_multiple,
    round_price,
    round_size,
    validate_price,
    validate_size,
)
from tests.market.factories import rule

D = Decimal
BTC = rule("BTC_JPY", tick="1", step="0.01", min_size="0.01", max_size="5")
XRP = rule("XRP_JPY", tick="0.001", step="1", min_size="10", max_size="1000000")


def test_decimals() -> None:
    assert [decimals(D(x)) for x in ["1", "0.0001", "10", "0.50", "5E+1"]] == [0, 4, 0, 1, 0]


def test_rounding() -> None:
    assert round_price(BTC, D("100.5")) == D(101)
    assert round_price(BTC, D("100.5"), ROUND_FLOOR) == D(100)
    assert round_price(XRP, D("51.2344"), ROUND_CEILING) == D("51.235")
    assert round_size(BTC, D("0.019")) == D("0.01")
    assert round_size(XRP, D("12.9")) == D(12)
    assert is_multiple(D("0.03"), D("0.01")) and not is_multiple(D("0.031"), D("0.01"))


def test_formatting() -> None:
    assert format_price(BTC, D(15000000)) == "15,000,000"
    assert format_price(XRP, D("51.2")) == "51.200"
    assert format_size(BTC, D("0.5")) == "0.50"


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("15000000", D(15000000), None),
        (" 100 ", D(100), None),
        ("100.0", D(100), None),
        ("100.5", None, "price takes no decimals (tick size 1)"),
        ("-5", None, "price must not be negative"),
        ("0", None, "price must be greater than 0"),
        ("", None, "price is required"),
        ("abc", None, "price must be a plain number like 123 or 0.01"),
        ("NaN", None, "price must be a plain number like 123 or 0.01"),
        ("Infinity", None, "price must be a plain number like 123 or 0.01"),
        ("1e6", None, "price must be a plain number like 123 or 0.01"),
        ("1,000", None, "price must be a plain number like 123 or 0.01"),
        ("１００", None, "price must be a plain number like 123 or 0.01"),
    ],
)
def test_validate_price_btc(text: str, value: Decimal | None, reason: str | None) -> None:
    assert validate_price(BTC, text) == (value, reason)


def test_validate_price_off_tick_and_decimals() -> None:
    tick5 = rule(tick="5")
    assert validate_price(tick5, "102") == (None, "price must be a multiple of 5 (tick size)")
    assert validate_price(tick5, "105")[0] == D(105)
    assert validate_price(XRP, "51.2345") == (
        None,
        "price has too many decimals: at most 3 (tick size 0.001)",
    )
    assert validate_price(XRP, ".5") == (D("0.5"), None)


@pytest.mark.parametrize(
    ("text", "value", "reason"),
    [
        ("0.5", D("0.5"), None),
        ("0.50", D("0.5"), None),
        ("5", D(5), None),
        ("0.001", None, "size has too many decimals: at most 2 (size step 0.01)"),
        ("5.01", None, "size must be at most 5 (maximum order size)"),
        ("0", None, "size must be greater than 0"),
        ("+1", None, "size must be a plain number like 123 or 0.01"),
    ],
)
def test_validate_size_btc(text: str, value: Decimal | None, reason: str | None) -> None:
    assert validate_size(BTC, text) == (value, reason)


def test_validate_size_step_and_min() -> None:
    odd = rule(step="0.05", min_size="0.1")
    assert validate_size(odd, "0.12") == (None, "size must be a multiple of 0.05 (size step)")
    assert validate_size(odd, "0.05") == (None, "size must be at least 0.1 (minimum order size)")
    assert validate_size(XRP, "10.5") == (None, "size takes no decimals (size step 1)")


RULES = [BTC, XRP, rule(tick="5", step="0.05", min_size="0.1", max_size="2")]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(RULES))
def test_random_text_never_crashes_and_accepts_only_valid(text: str, r) -> None:
    for validate, step in ((validate_price, r.tick_size), (validate_size, r.size_step)):
        value, reason = validate(r, text)
        assert (value is None) != (reason is None)
        if value is not None:
            assert value.is_finite() and value > 0 and value % step == 0
            assert "E" not in str(value)


@settings(max_examples=200, deadline=None)
@given(
    st.decimals(min_value=0, max_value=10, places=4, allow_nan=False, allow_infinity=False),
    st.sampled_from(RULES),
)
def test_random_numbers_valid_iff_on_step_and_in_range(value: Decimal, r) -> None:
    got, reason = validate_size(r, f"{value:f}")
    expected = (
        value > 0 and value % r.size_step == 0 and r.min_order_size <= value <= r.max_order_size
    )
    assert (got is not None) == expected, reason
    if got is not None:
        assert got == value


def test_huge_numbers_are_refused_not_crashing() -> None:
    assert validate_size(BTC, "100000000000000000000000000") == (None, "size is too large")
    assert validate_price(BTC, "9" * 20) == (None, "price is too large")
    assert is_multiple(D("1e26"), D("0.01"))  # exact even beyond the default precision
    assert round_size(BTC, D("1e26") + D("0.019")) == D("1e26") + D("0.01")

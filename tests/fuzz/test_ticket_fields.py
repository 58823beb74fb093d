"""Fuzzed order-ticket input through the rules' validation (the widget: test_ticket_widget.py).

Hypothesis text for the price, size and losscut fields goes through
:func:`gmo_tui.market.rules.validate_price` / :func:`validate_size`: nothing raises, and each
result is either a reason or a positive finite value on the tick/step (sizes within the
symbol's min and max) equal to what was typed.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import decode
from gmo_tui.market import rules
from tests.fuzz.mutations import SEEDS, dumps

SYMBOL_RULES: list[models.SymbolRule] = decode(
    dumps(SEEDS["rest:Trade rules"]["data"]), list[models.SymbolRule], what="rules"
)

NUMBERISH = st.one_of(
    st.text(alphabet="0123456789.-+eE, _\t", max_size=40),
    st.text(max_size=20),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.sampled_from(["1e400", "NaN", "Infinity", "-0", "0.", ".5", "٣", "１", "9" * 5000]),
)


def _check(value: Decimal | None, reason: str | None, text: str) -> None:
    assert (value is None) != (reason is None), (text, value, reason)
    if reason is not None:
        assert isinstance(reason, str) and reason and len(reason) < 200
    else:
        assert isinstance(value, Decimal) and value.is_finite() and value > 0
        assert value == Decimal(text.strip())


@settings(max_examples=200, deadline=None)
@given(text=NUMBERISH, rule=st.sampled_from(SYMBOL_RULES))
def test_price_and_losscut_validation(text: str, rule: models.SymbolRule) -> None:
    value, reason = rules.validate_price(rule, text)
    _check(value, reason, text)
    if value is not None:
        assert rules.is_multiple(value, rule.tick_size)


@settings(max_examples=200, deadline=None)
@given(text=NUMBERISH, rule=st.sampled_from(SYMBOL_RULES))
def test_size_validation(text: str, rule: models.SymbolRule) -> None:
    value, reason = rules.validate_size(rule, text)
    _check(value, reason, text)
    if value is not None:
        assert rules.is_multiple(value, rule.size_step)
        assert rule.min_order_size <= value <= rule.max_order_size

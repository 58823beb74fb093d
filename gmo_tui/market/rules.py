"""Symbol trading rules: tick/step rounding, decimal counts, and order-ticket field validation.

Everything works from a :class:`~gmo_tui.exchange.models.SymbolRule` (``/v1/symbols``):
``tick_size`` for prices, ``size_step`` / ``min_order_size`` / ``max_order_size`` for sizes.

:func:`validate_price` and :func:`validate_size` parse what the user typed into the ticket and
return ``(value, None)`` or ``(None, reason)``; the reason is a short sentence for display under
the field, e.g. ``"price must be a multiple of 1 (tick size)"``. Accepted input is plain ASCII
digits with at most one decimal point (``"15000000"``, ``"0.01"``, ``".5"``); signs, exponents,
``NaN``/``Infinity``, thousands separators and anything else are refused. Too many decimals is
the ticket's version of the exchange's ERR-5114. Accepted values come back with no trailing
zeros beyond the rule's precision and never in exponent notation.

:data:`SOK_MARGIN_SYMBOLS` / :func:`allows_sok`: where timeInForce SOK is accepted.
"""

from __future__ import annotations

import re
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)

from gmo_tui.exchange.models import SymbolRule
from gmo_tui.i18n import N_, _

__all__ = [
    "MAX_INPUT_LENGTH",
    "SOK_MARGIN_SYMBOLS",
    "allows_sok",
    "MAX_INPUT_VALUE",
    "decimals",
    "fmt",
    "format_price",
    "format_size",
    "is_multiple",
    "parse_number",
    "price_decimals",
    "round_price",
    "round_size",
    "round_to_step",
    "size_decimals",
    "validate_price",
    "validate_size",
]

SOK_MARGIN_SYMBOLS: frozenset[str] = frozenset(
    {"BTC_JPY", "DOT_JPY", "ATOM_JPY", "ADA_JPY", "LINK_JPY", "DOGE_JPY", "SOL_JPY"}
)
"""Margin (leverage, ``*_JPY``) symbols whose LIMIT orders take timeInForce SOK (the seed's
list); every spot symbol takes it."""


def allows_sok(symbol: str) -> bool:
    """Whether a LIMIT order of ``symbol`` may use timeInForce SOK (Post-only)."""
    return not symbol.endswith("_JPY") or symbol in SOK_MARGIN_SYMBOLS


MAX_INPUT_LENGTH = 32
"""Longest text accepted in a numeric ticket field."""

MAX_INPUT_VALUE = Decimal(10) ** 15
"""Typed numbers at or above this are refused as too large (no GMO price or size comes close)."""

_WIDE = 80  # decimal precision for exact step arithmetic

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
_ONE = Decimal(1)


def decimals(step: Decimal) -> int:
    """Decimal places a step needs: ``0.0001`` -> 4, ``1`` -> 0, ``10`` -> 0, ``0.50`` -> 1."""
    exponent = step.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def price_decimals(rule: SymbolRule) -> int:
    return decimals(rule.tick_size)


def size_decimals(rule: SymbolRule) -> int:
    return decimals(rule.size_step)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    """Exact test that ``value`` is an integer multiple of ``step`` (``step`` > 0).

    Computed with enough precision for any finite value (the default 28 digits would raise
    for e.g. ``1e26 % 0.01``); a non-finite value is never a multiple.
    """
    if not value.is_finite():
        return False
    with localcontext() as ctx:
        ctx.prec = _WIDE
        try:
            return value % step == 0
        except InvalidOperation:
            return False


def round_to_step(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``value`` to a multiple of ``step`` (ROUND_HALF_UP, ROUND_FLOOR, ROUND_CEILING...)."""
    with localcontext() as ctx:
        ctx.prec = _WIDE
        units = (value / step).to_integral_value(rounding=rounding)
        return _tidy(units * step, decimals(step))


def round_price(rule: SymbolRule, price: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round a price to the tick. Use ROUND_FLOOR for bids and ROUND_CEILING for asks."""
    return round_to_step(price, rule.tick_size, rounding)


def round_size(rule: SymbolRule, size: Decimal) -> Decimal:
    """Round a size *down* to the size step (never order more than asked)."""
    return round_to_step(size, rule.size_step, ROUND_DOWN)


def _tidy(value: Decimal, places: int) -> Decimal:
    """``value`` with exactly the precision needed (no exponent, no spare trailing zeros)."""
    q = value.quantize(_ONE.scaleb(-places)) if places else value.quantize(_ONE)
    if places:
        n = q.normalize()
        exponent = n.as_tuple().exponent
        q = n.quantize(_ONE) if isinstance(exponent, int) and exponent > 0 else n
    return q


def fmt(value: Decimal, places: int, *, grouping: bool = True) -> str:
    """Fixed ``places`` decimals, with thousands separators if ``grouping``."""
    q = value.quantize(_ONE.scaleb(-places)) if places else value.quantize(_ONE)
    return f"{q:,f}" if grouping else f"{q:f}"


def format_price(rule: SymbolRule, price: Decimal, *, grouping: bool = True) -> str:
    return fmt(price, price_decimals(rule), grouping=grouping)


def format_size(rule: SymbolRule, size: Decimal, *, grouping: bool = False) -> str:
    return fmt(size, size_decimals(rule), grouping=grouping)


def parse_number(text: str, what: str = "value") -> tuple[Decimal | None, str | None]:
    """Parse a non-negative plain decimal number typed by the user."""
    if not isinstance(text, str):
        return None, _("{what} must be text").format(what=_(what))
    t = text.strip()
    if not t:
        return None, _("{what} is required").format(what=_(what))
    if len(t) > MAX_INPUT_LENGTH:
        return None, _("{what} is too long").format(what=_(what))
    if t[0] == "-":
        return None, _("{what} must not be negative").format(what=_(what))
    if not _NUMBER.fullmatch(t):
        return None, _("{what} must be a plain number like 123 or 0.01").format(what=_(what))
    try:
        value = Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid literals
        return None, _("{what} must be a plain number like 123 or 0.01").format(what=_(what))
    if value >= MAX_INPUT_VALUE:
        return None, _("{what} is too large").format(what=_(what))
    return value, None


def _places_typed(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def validate_price(rule: SymbolRule, text: str) -> tuple[Decimal | None, str | None]:
    """Parse a limit/stop/losscut price: positive, on the tick, not too many decimals."""
    value, error = parse_number(text, N_("price"))
    if value is None:
        return None, error
    tick = rule.tick_size
    if value <= 0:
        return None, _("price must be greater than 0")
    places = decimals(tick)
    if _places_typed(value) > places:
        if places == 0:
            return None, _("price takes no decimals (tick size {tick})").format(tick=f"{tick:f}")
        return None, _("price has too many decimals: at most {places} (tick size {tick})").format(
            places=places, tick=f"{tick:f}"
        )
    if not is_multiple(value, tick):
        return None, _("price must be a multiple of {tick} (tick size)").format(tick=f"{tick:f}")
    return _tidy(value, places), None


def validate_size(rule: SymbolRule, text: str) -> tuple[Decimal | None, str | None]:
    """Parse an order size: positive, on the step, within the symbol's min and max."""
    value, error = parse_number(text, N_("size"))
    if value is None:
        return None, error
    step = rule.size_step
    if value <= 0:
        return None, _("size must be greater than 0")
    places = decimals(step)
    if _places_typed(value) > places:
        if places == 0:
            return None, _("size takes no decimals (size step {step})").format(step=f"{step:f}")
        return None, _("size has too many decimals: at most {places} (size step {step})").format(
            places=places, step=f"{step:f}"
        )
    if not is_multiple(value, step):
        return None, _("size must be a multiple of {step} (size step)").format(step=f"{step:f}")
    if value < rule.min_order_size:
        return None, _("size must be at least {min} (minimum order size)").format(
            min=f"{rule.min_order_size:f}"
        )
    if value > rule.max_order_size:
        return None, _("size must be at most {max} (maximum order size)").format(
            max=f"{rule.max_order_size:f}"
        )
    return _tidy(value, places), None


# Re-exported rounding modes so callers need not import decimal for them.
FLOOR = ROUND_FLOOR
CEILING = ROUND_CEILING
HALF_UP = ROUND_HALF_UP

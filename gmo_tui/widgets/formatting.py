"""Number formatting shared by the panes: Decimal in, fixed-width text out (never float)."""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

JST = timezone(timedelta(hours=9), "JST")
"""Times on screen are the exchange's (Japan) time, whatever the terminal's zone."""


def decimals_of(step: Decimal) -> int:
    """Digits after the point that ``step`` needs (``Decimal('0.001')`` -> 3, ``1`` -> 0)."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt(value: Decimal | None, places: int, *, sign: bool = False, commas: bool = True) -> str:
    if value is None:
        return "-"
    spec = f"{'+' if sign else ''}{',' if commas else ''}.{places}f"
    return format(value, spec)


def fmt_plain(value: Decimal | None) -> str:
    """Shortest plain text of ``value`` (``1.50`` -> ``1.5``)."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text


def group_price(price: Decimal, step: Decimal, *, up: bool) -> Decimal:
    """``price`` rounded to a multiple of ``step``: asks up, bids down (never crossing)."""
    if step <= 0:
        return price
    q = (price / step).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return q * step


def compact(value: Decimal, places: int = 2) -> str:
    """``12.3K``, ``4.56M``: short volume figures for narrow columns."""
    magnitude = abs(value)
    for limit, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if magnitude >= limit:
            return f"{value / limit:.{places}f}{suffix}"
    return f"{value:.{places}f}"

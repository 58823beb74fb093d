"""Number and time formatting, and GMO's JST trading day (06:00 JST): Decimal in, text out.

One place for the JST zone, the 06:00 trading day and ``fmt``; ``market/``, ``trading/`` and
the panes import it (no Textual here).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

JST = timezone(timedelta(hours=9), "JST")
"""Times on screen are the exchange's (Japan) time, whatever the terminal's zone."""
DAY_ROLLOVER = timedelta(hours=6)
"""GMO's trading day (klines, daily figures) starts at 06:00 JST."""


def gmo_day(now: datetime) -> date:
    """GMO's trading day of ``now``: the JST date, rolling over at 06:00 JST."""
    return (now.astimezone(JST) - DAY_ROLLOVER).date()


def jst_time(moment: datetime, pattern: str = "%H:%M:%S") -> str:
    """``moment`` as JST wall-clock text."""
    return moment.astimezone(JST).strftime(pattern)


def decimals_of(step: Decimal) -> int:
    """Digits after the point that ``step`` needs (``Decimal('0.001')`` -> 3, ``1`` -> 0)."""
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def fmt(value: Decimal | None, places: int, *, sign: bool = False, commas: bool = True) -> str:
    if value is None:
        return "-"
    spec = f"{'+' if sign else ''}{',' if commas else ''}.{places}f"
    return format(value, spec)


def fmt_fine(value: Decimal | None, places: int, extra: int = 1, *, sign: bool = False) -> str:
    """A derived figure (a mid, an average, a ratio): ``places`` decimals (the symbol's), and
    up to ``extra`` more only when the value has them (``14,997,000`` and ``14,995,102.5``, never
    ``14,997,000.0``); grouped thousands."""
    if value is None:
        return "-"
    fine = value.quantize(Decimal(1).scaleb(-(places + extra)))
    needed = decimals_of(fine) if fine else 0
    return fmt(fine, max(places, min(needed, places + extra)), sign=sign)


def fmt_grouped(value: Decimal, *, sign: bool = False) -> str:
    """``value`` with grouped thousands and only the decimals it has (a wire price is at its
    symbol's tick: ``15,000,000``, ``85.123``; never ``15,000,000.0`` nor ``1E+7``)."""
    return fmt(value, decimals_of(value), sign=sign)


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

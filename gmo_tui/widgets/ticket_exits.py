"""The ticket's bracket and risk fields as typed: a take-profit / stop-loss is a price
(``15,100,000``), ticks from the entry (``300t``) or a percentage of it (``0.5%``); a trailing
distance is a price distance; the amount at risk is JPY. Each parser gives (value, None) or
(None, the reason)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from gmo_tui.i18n import N_, _
from gmo_tui.trading.bracket_model import ExitOffset, OffsetKind

__all__ = ["parse_amount", "parse_offset"]

OFFSET_HELP = N_("a price, ticks (300t) or a percentage (0.5%)")


def _number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() and value > 0 else None


def parse_offset(text: str) -> tuple[ExitOffset | None, str | None]:
    """``text`` as an exit offset; empty text is (None, None): no such exit."""
    t = text.strip().lower()
    if not t:
        return None, None
    kind = OffsetKind.PRICE
    if t.endswith("t"):
        kind, t = OffsetKind.TICKS, t[:-1]
    elif t.endswith("%"):
        kind, t = OffsetKind.PERCENT, t[:-1]
    value = _number(t)
    if value is None or (kind is OffsetKind.TICKS and value != value.to_integral_value()):
        return None, _(OFFSET_HELP)
    return ExitOffset(kind, value), None


def parse_amount(text: str) -> tuple[Decimal | None, str | None]:
    """A positive amount (a trailing distance, JPY at risk); empty: (None, None)."""
    t = text.strip()
    if not t:
        return None, None
    value = _number(t)
    return (value, None) if value is not None else (None, _("a positive number"))

"""Reading the ``/_sim/`` controls' JSON bodies: every value typed, finite and in range.

Each reader raises :class:`BadControl` (HTTP 400, ``{"ok": false, "error": ...}``) naming the field
and what it takes; a control reads all of its values before it changes anything, so a refused
call has no effect. Bodies are parsed by :func:`gmo_tui.sim.replies.parse_object`: numbers arrive
as ``int`` or ``Decimal``, and NaN, Infinity or nesting past the recursion limit never get this
far. The ranges (the sim's own choices; GMO has no such controls):

* a clock advance of at most :data:`MAX_ADVANCE_S` per call and in all, a skew of at most
  :data:`MAX_SKEW_S` either way, so sim time stays within years of real time;
* a reply delay of at most :data:`MAX_DELAY_MS`;
* market rates and WebSocket command limits within 0..:data:`MAX_RATE` per second;
* an account's JPY within 0..:data:`MAX_JPY`, a forced fill's size within 0..:data:`MAX_SIZE`
  (exclusive of 0); API keys and secrets 1..128 visible ASCII
  characters (what an HTTP header can carry); ids 1..2**63-1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

DAY_S = 86_400
MAX_ADVANCE_S = 10 * 366 * DAY_S
MAX_SKEW_S = 366 * DAY_S
MAX_DELAY_MS = 60_000
MAX_RATE = 10_000
MAX_JPY = Decimal("1e15")
MAX_SIZE = Decimal("1e9")
MAX_ID = 2**63 - 1
_CREDENTIAL = re.compile(r"[\x21-\x7e]{1,128}")


class BadControl(Exception):
    """A control body the exchange refuses (HTTP 400); nothing was changed."""


def only(body: Mapping[str, Any], names: Iterable[str]) -> None:
    """Refuse fields the control does not take (a typo would otherwise be ignored)."""
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise BadControl(f"unknown field(s): {', '.join(repr(n)[:40] for n in unknown[:5])}")


def number(
    body: Mapping[str, Any],
    name: str,
    *,
    low: float,
    high: float,
    default: float | None = None,
    low_open: bool = False,
) -> float:
    """A finite JSON number (not a bool, not a string) within ``low..high``."""
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise BadControl(f"`{name}` must be a number")
    exact = Decimal(value) if not isinstance(value, Decimal) else value
    if not exact.is_finite() or exact > Decimal(high) or exact < Decimal(low):
        raise BadControl(f"`{name}` must be a number within {low:g}..{high:g}")
    if low_open and exact == Decimal(low):
        raise BadControl(f"`{name}` must be more than {low:g}")
    return float(exact)


def integer(body: Mapping[str, Any], name: str, *, low: int = 1, high: int = MAX_ID) -> int:
    """A JSON integer (not a bool, not a fraction) within ``low..high``."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadControl(f"`{name}` must be an integer within {low}..{high}")
    return value


def flag(body: Mapping[str, Any], name: str, *, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadControl(f"`{name}` must be true or false")
    return value


def amount(
    body: Mapping[str, Any], name: str, *, low: Decimal, high: Decimal, positive: bool = False
) -> Decimal | None:
    """An optional decimal (a JSON number or a decimal string), finite and within ``low..high``."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise BadControl(f"`{name}` must be a decimal string")
    try:
        exact = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise BadControl(f"`{name}` must be a decimal string") from None
    if not exact.is_finite() or exact < low or exact > high or (positive and exact <= 0):
        raise BadControl(f"`{name}` must be a decimal within {low}..{high}")
    return exact


def credential(body: Mapping[str, Any], name: str) -> str:
    """An API key or secret: 1..128 visible ASCII characters."""
    value = body.get(name)
    if not isinstance(value, str) or not _CREDENTIAL.fullmatch(value):
        raise BadControl(f"`{name}` must be 1..128 visible ASCII characters")
    return value


def names(body: Mapping[str, Any], name: str, allowed: frozenset[str]) -> set[str]:
    """A list of names, each one of ``allowed``."""
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v in allowed for v in value):
        raise BadControl(f"`{name}` must be a list of: {', '.join(sorted(allowed))}")
    return set(value)

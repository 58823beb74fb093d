"""Checks the REST client runs on every parameter before anything is sent.

Each helper returns the value in wire form (strings for numbers, ``format_ts`` for times, enum
values) or raises :class:`ValidationError` naming the parameter. No request is ever sent with a
parameter that breaks a documented rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from gmo_tui.exchange.codec import format_decimal, format_ts
from gmo_tui.exchange.enums import ExecutionType, KlineInterval, Side, TimeInForce
from gmo_tui.exchange.errors import ValidationError

E = TypeVar("E", bound=StrEnum)

MAX_IDS = 10
MAX_COUNT = 100
HISTORY_WINDOW = timedelta(minutes=30)
_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9_]{0,31}$")


def symbol(value: object, name: str = "symbol") -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(f"`{name}` is required (a symbol such as BTC or BTC_JPY)")
    if not _SYMBOL.match(value):
        raise ValidationError(f"`{name}` is not a symbol: {value!r}")
    return value


def enum(value: object, cls: type[E], name: str) -> E:
    if value is None:
        raise ValidationError(f"`{name}` is required")
    try:
        return cls(str(value))
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise ValidationError(f"`{name}` must be one of {allowed}: {value!r}") from None


def optional_enum(value: object, cls: type[E], name: str) -> E | None:
    return None if value is None else enum(value, cls, name)


def positive_decimal(value: object, name: str) -> str:
    """A finite Decimal (or int) > 0, as the plain string the wire wants. Floats are refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(
            f"`{name}` must be a Decimal (never a float): got {type(value).__name__}"
        )
    try:
        number = Decimal(value)
    except InvalidOperation:  # pragma: no cover - Decimal(int) cannot fail
        raise ValidationError(f"`{name}` is not a number") from None
    if not number.is_finite():
        raise ValidationError(f"`{name}` must be a finite number: {value!r}")
    if number <= 0:
        raise ValidationError(f"`{name}` must be positive: {format_decimal(number)}")
    return format_decimal(number)


def positive_id(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValidationError(f"`{name}` must be a positive integer id: {value!r}")
    return value


def id_list(values: object, name: str, *, limit: int | None = MAX_IDS) -> list[int]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ValidationError(f"`{name}` must be a list of ids")
    ids = [positive_id(v, name) for v in values]
    if not ids:
        raise ValidationError(f"`{name}` needs at least one id")
    if limit is not None and len(ids) > limit:
        raise ValidationError(f"`{name}` takes at most {limit} ids, got {len(ids)}")
    return ids


def page_count(page: object, count: object) -> dict[str, str]:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise ValidationError(f"`page` must be an integer >= 1: {page!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ValidationError(f"`count` must be an integer from 1 to {MAX_COUNT}: {count!r}")
    return {"page": str(page), "count": str(count)}


def aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(f"`{name}` must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"`{name}` must be timezone-aware (UTC)")
    return value.astimezone(UTC)


def history_window(from_ts: object, to_ts: object) -> dict[str, str]:
    """``fromTimestamp`` (and ``toTimestamp``): to > from, at most 30 minutes apart."""
    start = aware(from_ts, "from_ts")
    params = {"fromTimestamp": format_ts(start)}
    if to_ts is not None:
        end = aware(to_ts, "to_ts")
        if end <= start:
            raise ValidationError("`to_ts` must be later than `from_ts`")
        if end - start > HISTORY_WINDOW:
            raise ValidationError(
                f"history windows are at most 30 minutes (ERR-846); got {end - start}:"
                " split the range with iter_history_windows()"
            )
        params["toTimestamp"] = format_ts(end)
    return params


def iter_history_windows(
    start: datetime, end: datetime, span: timedelta = HISTORY_WINDOW
) -> Iterator[tuple[datetime, datetime]]:
    """Split ``[start, end)`` into consecutive windows of at most ``span`` (30 minutes)."""
    start = aware(start, "start")
    end = aware(end, "end")
    if span <= timedelta(0) or span > HISTORY_WINDOW:
        raise ValidationError("`span` must be positive and at most 30 minutes")
    if end <= start:
        raise ValidationError("`end` must be later than `start`")
    cursor = start
    while cursor < end:
        stop = min(cursor + span, end)
        yield cursor, stop
        cursor = stop


def kline_date(interval: KlineInterval, value: object) -> str:
    """``YYYYMMDD`` for 1min...1hour, ``YYYY`` for 4hour...1month (a ``date`` is formatted)."""
    daily = interval.date_format == "YYYYMMDD"
    if isinstance(value, date):
        return value.strftime("%Y%m%d") if daily else f"{value.year:04d}"
    if not isinstance(value, str):
        raise ValidationError("`date` must be a string (YYYYMMDD or YYYY) or a date")
    if daily:
        if not re.fullmatch(r"\d{8}", value):
            raise ValidationError(f"`date` must be YYYYMMDD for interval {interval}: {value!r}")
        try:
            datetime.strptime(value, "%Y%m%d")
        except ValueError:
            raise ValidationError(f"`date` is not a calendar date: {value!r}") from None
    elif not re.fullmatch(r"\d{4}", value):
        raise ValidationError(f"`date` must be YYYY for interval {interval}: {value!r}")
    return value


def order_terms(
    side: object,
    execution_type: object,
    price: object,
    time_in_force: object,
    cancel_before: object,
) -> tuple[Side, ExecutionType, str | None, TimeInForce | None]:
    """The rules shared by order, closeOrder and closeBulkOrder."""
    side_ = enum(side, Side, "side")
    kind = enum(execution_type, ExecutionType, "execution_type")
    tif = optional_enum(time_in_force, TimeInForce, "time_in_force")
    if kind is ExecutionType.MARKET:
        if price is not None:
            raise ValidationError("`price` is refused for MARKET orders")
        price_text = None
    else:
        if price is None:
            raise ValidationError(f"`price` is required for {kind} orders")
        price_text = positive_decimal(price, "price")
    if tif is TimeInForce.SOK and kind is not ExecutionType.LIMIT:
        raise ValidationError("time_in_force SOK (post-only) is only for LIMIT orders")
    if cancel_before is not None and not isinstance(cancel_before, bool):
        raise ValidationError("`cancel_before` must be a bool")
    if cancel_before and (
        kind is not ExecutionType.MARKET
        or side_ is not Side.SELL
        or tif not in (None, TimeInForce.FAK)
    ):
        raise ValidationError("cancel_before=True is only for MARKET, FAK, SELL orders")
    return side_, kind, price_text, tif

"""Every execution of a date range, gathered once from GMO, with totals per day and symbol.

GMO has no date-ranged executions endpoint. ``/v1/latestExecutions`` lists a symbol's fills
newest first (about the last day on the real exchange), 100 a page; ``/v1/executions?orderId=``
lists every fill of one order. :func:`gather` pages ``latestExecutions`` for each symbol until a
page reaches back before the range or the list ends. A list that ended proves the range complete
only when the range starts within :data:`LATEST_REACH` of now; otherwise the symbol is a *gap*
(:attr:`History.gaps`) and ``executions`` is asked for every order of the journal of that symbol
placed before the range ends: its older fills are only those. Each ``executionId`` is kept once.

Realised P&L is GMO's ``lossGain`` (JPY, before fees); fees are JPY (negative: maker rebate).
Dates are JST calendar dates (the range and the default totals); pass
:func:`gmo_tui.market.formatting.gmo_day` as ``day_of`` for GMO's 06:00 trading day.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.errors import RateLimitError
from gmo_tui.exchange.models import Execution, ExecutionsList
from gmo_tui.market.formatting import JST
from gmo_tui.trading.journal import JournalEntry

__all__ = [
    "DateRange",
    "ExecutionSource",
    "History",
    "Totals",
    "gather",
    "grand_total",
    "jst_date",
    "totals",
]

PAGE_SIZE = 100
LATEST_REACH = timedelta(hours=12)
"""How far back ``latestExecutions`` is trusted to reach (GMO says "the last day"; half of it,
to be safe)."""
MAX_PAGES = 10_000
"""A guard against an exchange that never ends its list."""

RATE_LIMIT_WAITS = (1.0, 1.0, 2.0, 4.0)
"""Seconds to wait before asking again after ERR-5003 (the key's budget is shared with a
running app; GMO counts per second). Only GETs are asked again."""

_ZERO = Decimal(0)
_T = TypeVar("_T")


async def _patiently(call: Callable[[], Awaitable[_T]]) -> _T:
    """``await call()``, asked again after ERR-5003 (a GET only), then the error."""
    for wait in RATE_LIMIT_WAITS:
        try:
            return await call()
        except RateLimitError:
            await asyncio.sleep(wait)
    return await call()


def jst_date(ts: datetime) -> date:
    """The JST calendar date of an aware ``ts``."""
    return ts.astimezone(JST).date()


@dataclass(frozen=True, slots=True)
class DateRange:
    """JST calendar dates ``first`` .. ``last``, both included; with ``rollover`` (GMO's 06:00
    JST: :data:`gmo_tui.market.formatting.DAY_ROLLOVER`) each day starts that much later, so the
    range is trading days."""

    first: date
    last: date
    rollover: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the range ends ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> datetime:
        """00:00 JST of ``first`` (plus the rollover)."""
        return datetime.combine(self.first, time(), JST) + self.rollover

    @property
    def end(self) -> datetime:
        """00:00 JST of the day after ``last`` (plus the rollover; excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time(), JST) + self.rollover

    def __contains__(self, ts: object) -> bool:
        return isinstance(ts, datetime) and self.start <= ts < self.end


class ExecutionSource(Protocol):
    """The two REST calls the history needs (:class:`~gmo_tui.exchange.rest.GmoRestClient`)."""

    async def get_latest_executions(
        self, symbol: str, page: int = 1, count: int = 100
    ) -> ExecutionsList: ...

    async def get_executions(
        self, *, order_id: int | None = None, execution_ids: Sequence[int] | None = None
    ) -> list[Execution]: ...


@dataclass(slots=True)
class History:
    """The executions of a range, oldest first, each once."""

    span: DateRange
    executions: list[Execution] = field(default_factory=list)
    gaps: dict[str, datetime | None] = field(default_factory=dict)
    """Symbol -> the oldest fill its ``latestExecutions`` list held (``None``: it held none),
    for the symbols whose list ended after the range began, the range starting earlier than
    :data:`LATEST_REACH` ago: their executions before that are the journal's orders' only."""
    orders_asked: int = 0
    """How many journal orders were asked for their executions."""


def journal_order_ids(
    entries: Iterable[JournalEntry], symbols: Iterable[str], before: datetime
) -> dict[str, list[int]]:
    """Order ids the journal placed (orders and closes) per symbol, journaled before ``before``."""
    wanted = set(symbols)
    out: dict[str, list[int]] = {}
    cutoff = before.timestamp()
    for entry in entries:
        if not entry.kind.creates_order or entry.order_id is None or entry.symbol is None:
            continue
        if entry.symbol in wanted and entry.created_at < cutoff:
            ids = out.setdefault(entry.symbol, [])
            if entry.order_id not in ids:
                ids.append(entry.order_id)
    return out


async def gather(
    source: ExecutionSource,
    symbols: Sequence[str],
    span: DateRange,
    journal: Iterable[JournalEntry] = (),
    now: datetime | None = None,
) -> History:
    """Every execution of ``symbols`` within ``span``, once each, oldest first.

    ``now`` (default: the current time) decides whether an ended list covers the range.
    """
    now = datetime.now(JST) if now is None else now
    trusted = span.start >= now - LATEST_REACH
    seen: dict[int, Execution] = {}
    history = History(span)
    reached: set[str] = set()
    for symbol in symbols:
        oldest: datetime | None = None
        for page in range(1, MAX_PAGES + 1):
            listed = await _patiently(
                lambda: source.get_latest_executions(symbol, page, PAGE_SIZE)  # noqa: B023
            )
            rows = listed.list
            fresh = [r for r in rows if r.execution_id not in seen]
            for row in fresh:
                if row.symbol == symbol and row.timestamp in span:
                    seen[row.execution_id] = row
                oldest = row.timestamp if oldest is None else min(oldest, row.timestamp)
            if oldest is not None and oldest < span.start:
                reached.add(symbol)
                break
            if not fresh or len(rows) < PAGE_SIZE:
                break
        if trusted:
            reached.add(symbol)
        if symbol not in reached:
            history.gaps[symbol] = oldest
    unreached = [s for s in symbols if s not in reached]
    for symbol, order_ids in journal_order_ids(journal, unreached, span.end).items():
        for order_id in order_ids:
            history.orders_asked += 1
            fills = await _patiently(
                lambda: source.get_executions(order_id=order_id)  # noqa: B023
            )
            for row in fills:
                if row.symbol == symbol and row.timestamp in span:
                    seen.setdefault(row.execution_id, row)
    history.executions = sorted(seen.values(), key=lambda r: (r.timestamp, r.execution_id))
    return history


@dataclass(frozen=True, slots=True)
class Totals:
    """The executions of one day and symbol (or of everything: ``day``/``symbol`` None)."""

    day: date | None
    symbol: str | None
    count: int = 0
    bought: Decimal = _ZERO
    sold: Decimal = _ZERO
    fee: Decimal = _ZERO
    loss_gain: Decimal = _ZERO

    @property
    def net(self) -> Decimal:
        """Realised P&L after fees: ``loss_gain - fee``."""
        return self.loss_gain - self.fee

    def plus(self, row: Execution) -> Totals:
        buy = row.side is Side.BUY
        return Totals(
            self.day,
            self.symbol,
            self.count + 1,
            self.bought + (row.size if buy else _ZERO),
            self.sold + (_ZERO if buy else row.size),
            self.fee + row.fee,
            self.loss_gain + row.loss_gain,
        )


def totals(
    executions: Iterable[Execution], day_of: Callable[[datetime], date] = jst_date
) -> list[Totals]:
    """Totals per (day, symbol), in that order; see :func:`grand_total` for all together."""
    out: dict[tuple[date, str], Totals] = {}
    for row in executions:
        key = (day_of(row.timestamp), row.symbol)
        out[key] = out.get(key, Totals(*key)).plus(row)
    return [out[key] for key in sorted(out)]


def grand_total(executions: Iterable[Execution]) -> Totals:
    total = Totals(None, None)
    for row in executions:
        total = total.plus(row)
    return total

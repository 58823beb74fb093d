"""Finding out what happened to an order whose reply was lost, and the paged REST reads that
reconciliation shares.

GMO Coin has no client order id, so an order-creating intent (order, close order, close bulk)
whose reply never came is looked for on the exchange by its fields and the *order's own
creation time* (the ``timestamp`` of its row in ``activeOrders`` / ``/v1/orders``, never the
time of its first fill: a resting order may fill long after it was placed):

1. every page of ``activeOrders`` of the intent's symbol (still resting);
2. ``latestExecutions`` of the symbol, page after page until the fills are older than the
   send time minus the window (an order placed then cannot have filled earlier);
3. ``/v1/orders`` by id (10 per request) for every order those fills belong to that is not
   resting: its row gives its creation time, size, price and final status.

:func:`gmo_tui.market.orders.find_lost_order` then matches the order rows (symbol, side, type,
size, price, settle type, creation time within the window of the send; never an order already
claimed by another intent; two candidates are reported, never guessed). It is polled on a bounded schedule; the request
itself is never re-sent.

What proves "no order reached the exchange"? Nothing these records hold: an order that was
placed and then canceled or expired without a fill (a FAK/FOK/SOK order that could not trade,
a cancel from another device, a maintenance) leaves no row in ``activeOrders`` nor in
``latestExecutions``, and ``/v1/orders`` needs its id. So for no order type does "not found"
prove "not placed": the intent stays UNKNOWN, the notice says what was checked, and identical
intents stay blocked until the trader settles it (``acknowledge_unknown``). Only our own
journal proves "never sent" (an intent journaled but never marked SENT).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, OrderStatus, Side, TimeInForce
from gmo_tui.exchange.errors import GmoError
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.i18n import N_, _
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import Resolution, find_lost_order
from gmo_tui.trading.journal import IntentKind, JournalEntry

log = logging.getLogger(__name__)

#: seconds to wait before each poll of a lost reply (bounded: after the last one it is settled)
DEFAULT_POLL_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
#: an order's creation time on the exchange must be this close to the (exchange-clock) send time
MATCH_WINDOW = timedelta(seconds=15)
#: the page size of every paged read (the exchange's maximum)
PAGE_SIZE = 100
#: order statuses after which an order's row never changes (safe to keep)
_FINISHED = frozenset({OrderStatus.EXECUTED, OrderStatus.CANCELED, OrderStatus.EXPIRED})
#: a bound on pages per read (100 pages of 100 rows), so a broken pager cannot loop forever
MAX_PAGES = 100


def intent_of(entry: JournalEntry) -> OrderIntent:
    """The market-layer intent of a journaled order-creating entry."""
    kind = ExecutionType(entry.execution_type or "MARKET")
    close = entry.kind is not IntentKind.ORDER
    return OrderIntent(
        symbol=entry.symbol or "",
        side=Side(entry.side or "BUY"),
        execution_type=kind,
        size=entry.size if entry.size is not None else Decimal(0),
        price=None if kind is ExecutionType.MARKET else entry.price,
        time_in_force=TimeInForce(entry.time_in_force) if entry.time_in_force else None,
        losscut_price=entry.losscut_price,
        cancel_before=bool(entry.cancel_before),
        settle="close" if close else "open",
        # a bulk close settles several positions: 0 stands for "no single one"
        position_id=(entry.position_id or 0) if close else None,
    )


def sent_at_of(entry: JournalEntry) -> datetime:
    """When it was sent, on the exchange's clock (the journal stores exchange-clock ms)."""
    ms = entry.sent_at_ms if entry.sent_at_ms is not None else int(entry.created_at * 1000)
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@dataclass(slots=True)
class Reads:
    """What one search read: the rows and how many GETs it took."""

    active: list[models.Order]
    executions: list[models.Execution]
    orders: list[models.Order]
    requests: int = 0
    active_pages: int = 0
    execution_pages: int = 0


async def read_active_orders(
    rest: GmoRestClient, symbol: str, page_size: int = PAGE_SIZE
) -> tuple[list[models.Order], int]:
    """Every page of ``activeOrders`` of ``symbol``; (rows, pages read)."""
    rows: list[models.Order] = []
    page = 0
    while page < MAX_PAGES:
        page += 1
        reply = await rest.get_active_orders(symbol, page, page_size)
        rows.extend(reply.list)
        if len(reply.list) < page_size:
            break
    return rows, page


async def read_latest_executions(
    rest: GmoRestClient,
    symbol: str,
    *,
    enough: Callable[[Sequence[models.Execution]], bool],
    page_size: int = PAGE_SIZE,
) -> tuple[list[models.Execution], int]:
    """``latestExecutions`` of ``symbol`` (newest first), page after page until a page is short
    or ``enough(page)`` says the older pages cannot hold what is looked for; (rows, pages)."""
    rows: list[models.Execution] = []
    page = 0
    while page < MAX_PAGES:
        page += 1
        reply = await rest.get_latest_executions(symbol, page, page_size)
        rows.extend(reply.list)
        if len(reply.list) < page_size or enough(reply.list):
            break
    return rows, page


async def read_orders(
    rest: GmoRestClient, order_ids: Collection[int]
) -> tuple[list[models.Order], int]:
    """``/v1/orders`` for the ids, 10 per request; (rows, requests)."""
    ids = sorted(set(order_ids))
    rows: list[models.Order] = []
    requests = 0
    for start in range(0, len(ids), 10):
        rows.extend(await rest.get_orders(ids[start : start + 10]))
        requests += 1
    return rows, requests


CHECKED = N_(
    "activeOrders ({active_pages} page(s), {active} orders), latestExecutions back to {since} "
    "({execution_pages} page(s)) and {orders} order(s) by id"
)
"""What a search for a lost reply read (see :meth:`LostReplyResolver.checked`)."""


class LostReplyResolver:
    """Looks for the order an unresolved intent may have created, on a bounded schedule.

    ``claimed`` returns the order ids already attributed to some intent (journal + tracker);
    ``on_error`` sees every failed poll (the service halts on maintenance errors).
    """

    def __init__(
        self,
        rest: GmoRestClient,
        *,
        claimed: Callable[[], Collection[int]],
        delays: Sequence[float] = DEFAULT_POLL_DELAYS,
        window: timedelta = MATCH_WINDOW,
        on_error: Callable[[GmoError], object] | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.rest = rest
        self.claimed = claimed
        self.delays = tuple(delays)
        self.window = window
        self.on_error = on_error
        self.page_size = page_size
        self.polls = 0
        self.last_reads: Reads | None = None
        self._finished: dict[int, models.Order] = {}  # rows that cannot change any more

    async def read(self, entry: JournalEntry) -> Reads:
        """Every row the search for ``entry`` needs (see the module docstring)."""
        symbol = entry.symbol or ""
        since = sent_at_of(entry) - self.window
        active, active_pages = await read_active_orders(self.rest, symbol, self.page_size)
        latest, latest_pages = await read_latest_executions(
            self.rest,
            symbol,
            enough=lambda page: min(e.timestamp for e in page) < since,
            page_size=self.page_size,
        )
        reads = Reads(active, latest, [], active_pages + latest_pages, active_pages, latest_pages)
        await self.fetch_fill_orders(entry, reads)
        return reads

    async def fetch_fill_orders(self, entry: JournalEntry, reads: Reads) -> None:
        """The ``/v1/orders`` rows of the not-resting, unclaimed orders that have fills on the
        intent's symbol and side since the window opened (their creation time decides)."""
        since = sent_at_of(entry) - self.window
        known = {o.order_id for o in reads.active} | {o.order_id for o in reads.orders}
        claimed = set(self.claimed())
        side = Side(entry.side) if entry.side else None
        wanted = {
            e.order_id
            for e in reads.executions
            if e.order_id not in known
            and e.order_id not in claimed
            and e.symbol == entry.symbol
            and e.side is side
            and e.timestamp >= since
        }
        cached = [self._finished[i] for i in sorted(wanted) if i in self._finished]
        rows, requests = await read_orders(self.rest, wanted.difference(self._finished))
        for row in rows:
            if row.status in _FINISHED:
                self._finished[row.order_id] = row
        reads.orders.extend(cached + rows)
        reads.requests += requests

    def match(self, entry: JournalEntry, reads: Reads) -> Resolution:
        found = find_lost_order(
            intent_of(entry),
            sent_at_of(entry),
            [*reads.active, *reads.orders],
            reads.executions,
            window=self.window,
            claimed=set(self.claimed()),
        )
        return found

    def checked(self, entry: JournalEntry, reads: Reads, *, translate: bool = False) -> str:
        """What a search read, in words (for the notice when nothing matched): English for the
        journal, the user's language with ``translate``."""
        since = (sent_at_of(entry) - self.window).strftime("%H:%M:%S UTC")
        return (_(CHECKED) if translate else CHECKED).format(
            active_pages=reads.active_pages,
            active=len(reads.active),
            since=since,
            execution_pages=reads.execution_pages,
            orders=len(reads.orders),
        )

    async def look_once(self, entry: JournalEntry) -> Resolution:
        """One round: read, then match."""
        self.polls += 1
        reads = await self.read(entry)
        self.last_reads = reads
        return self.match(entry, reads)

    async def resolve(self, entry: JournalEntry, *, now_ms: int | None = None) -> Resolution | None:
        """Poll until one match is found or the schedule ends (then: not found, or ambiguous).
        With ``now_ms`` (exchange clock) and the request sent longer ago than the schedule
        lasts (a restart), one look is enough: whatever it did is on the exchange by now.

        ``None`` when no poll could look at all (e.g. maintenance): the intent stays UNKNOWN
        and is looked up again by the next reconciliation.
        """
        delays = self.delays
        sent_ms = sent_at_of(entry).timestamp() * 1000
        if now_ms is not None and now_ms - sent_ms > 1000 * sum(delays):
            delays = (0.0,)
        last: Resolution | None = None
        for delay in delays:
            await asyncio.sleep(delay)
            try:
                last = await self.look_once(entry)
            except GmoError as exc:  # keep polling; the schedule is bounded anyway
                log.warning("lost-reply poll for intent %s failed: %s", entry.id, exc)
                if self.on_error is not None:
                    self.on_error(exc)
                continue
            if last.found:
                return last
        return last

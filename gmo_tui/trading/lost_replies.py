"""Finding out what happened to an order whose reply was lost.

GMO Coin has no client order id, so an order-creating intent (order, close order, close bulk)
whose reply never came is looked for on the exchange: in ``activeOrders`` (still resting) and in
``latestExecutions`` (filled at once, e.g. a MARKET order), matched by
:func:`gmo_tui.market.orders.find_lost_order` (symbol, side, type, size, price, time; never an
order already claimed by another intent; two candidates are reported, never guessed). It is
polled on a bounded schedule; the request itself is never re-sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.exchange.errors import GmoError
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import Resolution, find_lost_order
from gmo_tui.trading.journal import IntentKind, JournalEntry

log = logging.getLogger(__name__)

#: seconds to wait before each poll of a lost reply (bounded: after the last one it is settled)
DEFAULT_POLL_DELAYS: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0)
#: an order's exchange timestamp must be this close to the (exchange-clock) send time
MATCH_WINDOW = timedelta(seconds=15)


def intent_of(entry: JournalEntry) -> OrderIntent:
    """The market-layer intent of a journaled order-creating entry."""
    kind = ExecutionType(entry.execution_type or "MARKET")
    close = entry.kind is IntentKind.CLOSE
    return OrderIntent(
        symbol=entry.symbol or "",
        side=Side(entry.side or "BUY"),
        execution_type=kind,
        size=entry.size,
        price=None if kind is ExecutionType.MARKET else entry.price,
        time_in_force=TimeInForce(entry.time_in_force) if entry.time_in_force else None,
        losscut_price=entry.losscut_price,
        cancel_before=bool(entry.cancel_before),
        settle="close" if close else "open",
        position_id=entry.position_id if close else None,
    )


def sent_at_of(entry: JournalEntry) -> datetime:
    """When it was sent, on the exchange's clock (the journal stores exchange-clock ms)."""
    ms = entry.sent_at_ms if entry.sent_at_ms is not None else int(entry.created_at * 1000)
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


class LostReplyResolver:
    """Looks for the order an unresolved intent may have created, on a bounded schedule.

    ``claimed`` returns the order ids already attributed to some intent (journal + tracker);
    ``on_orders``/``on_executions`` feed what was fetched to the market state on the way;
    ``on_error`` sees every failed poll (the service halts on maintenance errors).
    """

    def __init__(
        self,
        rest: Any,
        *,
        claimed: Callable[[], Collection[int]],
        delays: Sequence[float] = DEFAULT_POLL_DELAYS,
        window: timedelta = MATCH_WINDOW,
        on_orders: Callable[[Sequence[models.Order]], None] | None = None,
        on_executions: Callable[[Sequence[models.Execution]], None] | None = None,
        on_error: Callable[[GmoError], object] | None = None,
    ):
        self.rest = rest
        self.claimed = claimed
        self.delays = tuple(delays)
        self.window = window
        self.on_orders = on_orders
        self.on_executions = on_executions
        self.on_error = on_error
        self.polls = 0

    async def look_once(self, entry: JournalEntry) -> Resolution:
        """One round: activeOrders + latestExecutions of the intent's symbol, then matching."""
        self.polls += 1
        symbol = entry.symbol or ""
        active = await self.rest.get_active_orders(symbol, 1, 100)
        latest = await self.rest.get_latest_executions(symbol, 1, 100)
        if self.on_orders is not None and active.list:
            self.on_orders(list(active.list))
        if self.on_executions is not None and latest.list:
            self.on_executions(list(latest.list))
        return find_lost_order(
            intent_of(entry),
            sent_at_of(entry),
            active.list,
            latest.list,
            window=self.window,
            claimed=set(self.claimed()),
        )

    async def resolve(self, entry: JournalEntry) -> Resolution | None:
        """Poll until one match is found or the schedule ends (then: not found, or ambiguous).

        ``None`` when no poll could look at all (e.g. maintenance): the intent stays UNKNOWN
        and is looked up again by the next reconciliation; never concluded "not found" blind.
        """
        last: Resolution | None = None
        for delay in self.delays:
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

"""Reconciliation with the exchange (:class:`Reconciler`, composed into the trading service).

* Start-up (:meth:`Reconciler.start`): every unresolved journal intent is settled BEFORE order
  entry is enabled: PENDING (journaled, crash before send) becomes ABANDONED and is never
  sent; SENT (no reply recorded) and UNKNOWN are looked for on the exchange (lost-reply
  matching, :mod:`gmo_tui.trading.lost_replies`). Then a full :meth:`Reconciler.reconcile`,
  and the RECONCILED gate opens.
* :meth:`Reconciler.reconcile`: for the symbols of interest, every page of ``activeOrders``,
  ``latestExecutions`` back to the newest fill already in the ledger, ``/v1/orders`` for the
  tracked orders that left ``activeOrders`` (and ``/v1/executions`` for their missing fills),
  and every page of ``openPositions`` of the margin symbols whose positions may have moved
  (after a start, a reconnect, a silence or a reopening: every symbol ``positionSummary``
  shows positions on, plus those of interest).
  Fills go through the service's one fill path (ledger deduped by executionId, journal status
  of the intent, ``listener.on_fill(RECONCILE)`` once). UNKNOWN intents are matched against
  what was read. A TIMER reconcile with nothing paging costs ``2 + 2 * symbols`` GETs at most
  (activeOrders and latestExecutions per symbol, and at most a couple of ``/v1/orders`` calls).
* When (:meth:`Reconciler.due`): while anything is working, open or unresolved, every
  ``reconcile_every_s``; at once after a gap (a private channel STALE, a reconnect).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExchangeStatus, OrderStatus
from gmo_tui.exchange.errors import GmoError
from gmo_tui.exchange.stream_base import StreamState, StreamStatus
from gmo_tui.i18n import N_, _
from gmo_tui.market.orders import OrderState, Resolution, ResolutionStatus
from gmo_tui.trading.gates import Gate
from gmo_tui.trading.journal import IntentKind, IntentState, JournalEntry
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.lost_replies import (
    Reads,
    intent_of,
    read_active_orders,
    read_latest_executions,
    read_orders,
    sent_at_of,
)
from gmo_tui.trading.results import NoticeKind, NoticeLevel

if TYPE_CHECKING:
    from gmo_tui.trading.service import TradingService

log = logging.getLogger(__name__)

#: pages of latestExecutions read when the ledger has no fill of the symbol yet
FIRST_READ_PAGES = 5


class ReconcileReason(StrEnum):
    START = "START"
    TIMER = "TIMER"
    RECONNECT = "RECONNECT"
    SILENCE = "SILENCE"
    MAINTENANCE_END = "MAINTENANCE_END"


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    new_fills: int
    orders_changed: int
    positions_changed: int
    requests: int


_OrderSnapshot = dict[str, tuple[OrderState, Decimal, Decimal | None]]


class Reconciler:
    """Start-up reconciliation, lost-reply resolution and REST reconciliation of one service."""

    def __init__(self, service: TradingService) -> None:
        self.service = service
        self.page_size = service.resolver.page_size
        self.last_at: float | None = None
        self.gap: ReconcileReason | None = None
        self.reports = 0
        self._resolving: dict[int, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()
        self._private_state: StreamState | None = None
        self._private_was_live = False
        self._reconnected_at = -1e9
        self.attempted = False  # start() was called at least once
        self._told_ambiguous: dict[int, tuple[int, ...]] = {}
        self._starting = asyncio.Lock()
        self._last_report = ReconcileReport(0, 0, 0, 0)

    # ------------------------------------------------------------------ start-up

    async def start(self) -> None:
        """Status (which also samples the server clock), CLOCK, then :meth:`start_up`; entry
        stays closed while the exchange is not OPEN (and /v1/status is polled). Returns with
        RECONCILED still closed when the key was rejected (AUTH) or the clock is off (CLOCK);
        other errors (e.g. the endpoint unreachable) raise. Until RECONCILED opens, a
        :meth:`reconcile` (e.g. the timer's) runs the start again (unless AUTH is closed or the
        exchange is halted: the reopening does it)."""
        if self._starting.locked():
            return  # a start is running (the owner's retry and the timer may meet)
        async with self._starting:
            self.attempted = True
            try:
                await self._start()
            finally:
                self.last_at = self.service.clock()

    async def _start(self) -> None:
        svc = self.service
        svc.set_gate(Gate.RECONCILED, False, _("reconciling with the exchange"))
        if not svc.gates.is_open(Gate.CLOCK):
            svc.rest.clock.reset()  # a fresh measurement decides (the clock may be fixed)
        try:
            status = await svc.rest.get_status()
        except GmoError as exc:
            if svc.on_rest_error(exc):
                return
            raise
        svc.check_clock()
        if not svc.gates.is_open(Gate.CLOCK):
            return  # signed requests would carry a wrong time: start() again later
        svc.mark_start()
        if status.status is not ExchangeStatus.OPEN:
            svc.halts.halt_on_status(status.status)
            return
        try:
            await self.start_up(ReconcileReason.START)
        except GmoError as exc:
            if svc.on_rest_error(exc):
                return
            raise
        svc.halts.opened()

    async def start_up(self, reason: ReconcileReason) -> None:
        """The journal, then the account; RECONCILED opens when both are done."""
        self.service.set_gate(Gate.RECONCILED, False, _("reconciling with the exchange"))
        await self.reconcile_journal()
        await self.run(reason)
        self.service.check_clock()
        self.service.set_gate(Gate.RECONCILED, True)

    async def aclose(self) -> None:
        tasks = list(self._resolving.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._resolving.clear()

    def _track_entry(self, entry: JournalEntry) -> None:
        """Follow a journaled order intent in the tracker as UNKNOWN (after a restart)."""
        tracker = self.service.tracker
        key = str(entry.id)
        if entry.kind not in (IntentKind.ORDER, IntentKind.CLOSE):
            return
        if tracker.by_key(key) is not None:
            return
        try:
            tracker.track_intent(key, intent_of(entry))
        except (ValueError, TypeError) as exc:
            log.warning("cannot track intent %s: %s", entry.id, exc)
            return
        tracker.mark_sent(key, sent_at_of(entry))
        tracker.mark_unknown(key)

    async def reconcile_journal(self) -> tuple[int, int]:
        """PENDING -> ABANDONED (never sent); SENT/UNKNOWN -> looked up. (abandoned, looked)."""
        svc = self.service
        entries = [e for e in svc.journal.unresolved() if e.id not in self._resolving]
        abandoned = looked = 0
        lookups = []
        for entry in entries:
            if entry.state is IntentState.PENDING:
                await svc.journal_write(svc.journal.mark_abandoned, entry.id)
                if svc.tracker.by_key(str(entry.id)) is not None:
                    svc.tracker.mark_abandoned(str(entry.id))
                abandoned += 1
                svc.notify(
                    NoticeKind.ABANDONED,
                    _(
                        "Intent {id} ({kind} {side} {symbol}) was journaled but never sent: "
                        "it will not be sent"
                    ).format(
                        id=entry.id,
                        kind=entry.kind.value,
                        side=_(entry.side) if entry.side else "",
                        symbol=entry.symbol or "",
                    ),
                    NoticeLevel.WARNING,
                    intent_id=entry.id,
                )
                continue
            if entry.state is IntentState.SENT:
                await svc.journal_write(
                    svc.journal.mark_unknown, entry.id, "sent before a restart; no reply recorded"
                )
                entry = svc.journal.get(entry.id)
            self._track_entry(entry)
            lookups.append(self.resolve_intent(entry, restart=True))
            looked += 1
        # at most one unresolved intent per identity exists (identical ones are blocked), so
        # they cannot claim each other's orders: look them all up at once
        await asyncio.gather(*lookups)
        if entries:
            svc.changed(AccountPart.ORDERS)
            svc.notify(
                NoticeKind.RECONCILED,
                _(
                    "Journal reconciled: {abandoned} abandoned (never sent), {looked} looked up"
                ).format(abandoned=abandoned, looked=looked),
                data={"abandoned": abandoned, "resolved": looked},
            )
        return abandoned, looked

    # ------------------------------------------------------------------ lost replies

    def start_resolution(self, intent_id: int) -> None:
        if intent_id in self._resolving:
            return
        task = asyncio.get_running_loop().create_task(self._resolve_task(intent_id))
        self._resolving[intent_id] = task

    async def _resolve_task(self, intent_id: int) -> None:
        try:
            await self.resolve_intent(self.service.journal.get(intent_id))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("resolving intent %s failed", intent_id)
        finally:
            self._resolving.pop(intent_id, None)

    async def wait_resolved(self, timeout: float | None = None) -> None:
        while self._resolving:
            await asyncio.wait_for(
                asyncio.gather(*list(self._resolving.values()), return_exceptions=True), timeout
            )

    def unknown_intents(self) -> list[JournalEntry]:
        return [e for e in self.service.journal.unresolved() if e.state is IntentState.UNKNOWN]

    async def resolve_intent(self, entry: JournalEntry, *, restart: bool = False) -> None:
        if entry.kind.creates_order:
            now_ms = self.service.exchange_now_ms() if restart else None
            res = await self.service.resolver.resolve(entry, now_ms=now_ms)
            await self.settle_creating(entry, res, self.service.resolver.last_reads)
        elif entry.kind is IntentKind.CHANGE:
            await self._resolve_change(entry)
        else:
            await self._resolve_by_query(entry)

    async def settle_creating(
        self, entry: JournalEntry, res: Resolution | None, reads: Reads | None
    ) -> bool:
        """Apply the outcome of a search for an order-creating intent; True when settled."""
        svc = self.service
        key = str(entry.id)
        tracked = svc.tracker.by_key(key) is not None
        if res is None:
            await svc.journal_write(svc.journal.add_event, entry.id, "lookup_failed")
            svc.notify(
                NoticeKind.UNKNOWN,
                _(
                    "Intent {id} is still UNKNOWN: the exchange could not be asked; it will be "
                    "looked up again"
                ).format(id=entry.id),
                NoticeLevel.WARNING,
                intent_id=entry.id,
            )
            return False
        if res.found and res.order_id is not None:
            order_id = res.order_id
            await svc.journal_write(
                svc.journal.mark_resolved, entry.id, order_id, "found on the exchange"
            )
            if tracked:
                svc.tracker.mark_accepted(key, order_id)
            order = res.order
            try:
                rows = await svc.rest.get_orders([order_id])
                order = rows[0] if rows else order
            except GmoError as exc:
                log.warning("order %s after resolution: %s", order_id, exc)
            await svc.record_fills(res.executions, FillSource.RECONCILE)
            if order is not None:
                await svc.apply_orders([order])
                await self.backfill_fills([order])
            status = order.status.value if order is not None else N_("found")
            svc.notify(
                NoticeKind.RESOLVED,
                _("Intent {id} resolved: it is order {order_id} ({status})").format(
                    id=entry.id, order_id=order_id, status=_(status)
                ),
                intent_id=entry.id,
                order_id=order_id,
                data={"status": status},
            )
            return True
        if res.status is ResolutionStatus.AMBIGUOUS:
            if self._told_ambiguous.get(entry.id) == res.candidates:
                return False  # said already (the timer's reconcile sees it every time)
            self._told_ambiguous[entry.id] = res.candidates
            ids = list(res.candidates)
            await svc.journal_write(svc.journal.add_event, entry.id, "ambiguous", candidates=ids)
            svc.notify(
                NoticeKind.AMBIGUOUS,
                _(
                    "Intent {id} matches several orders {ids}: it stays UNKNOWN until you "
                    "settle it (identical orders stay blocked)"
                ).format(id=entry.id, ids=ids),
                NoticeLevel.ERROR,
                intent_id=entry.id,
                data={"candidates": ids},
            )
            return False
        checked = svc.resolver.checked(entry, reads) if reads is not None else "nothing"
        await svc.journal_write(svc.journal.add_event, entry.id, "not_found", checked=checked)
        said = (
            svc.resolver.checked(entry, reads, translate=True)
            if reads is not None
            else _("nothing")
        )
        svc.notify(
            NoticeKind.UNKNOWN,
            _(
                "Intent {id}: no matching order found; checked {checked}. It may never have "
                "reached the exchange, or been canceled without a fill: the exchange's records "
                "cannot tell. It stays UNKNOWN and identical orders stay blocked until you "
                "settle it"
            ).format(id=entry.id, checked=said),
            NoticeLevel.WARNING,
            intent_id=entry.id,
            data={"checked": checked},
        )
        return False

    async def acknowledge_unknown(self, intent_id: int, order_id: int | None = None) -> None:
        """The user settles an UNKNOWN intent by hand (its order, or none)."""
        svc = self.service
        await svc.journal_write(
            svc.journal.mark_resolved, intent_id, order_id, "settled by the user"
        )
        key = str(intent_id)
        if svc.tracker.by_key(key) is not None:
            if order_id is None:
                svc.tracker.mark_abandoned(key)
            else:
                svc.tracker.mark_accepted(key, order_id)
        svc.changed(AccountPart.ORDERS)

    async def _resolve_change(self, entry: JournalEntry) -> None:
        svc = self.service
        order_id = entry.target_order_id
        order: models.Order | None = None
        if order_id is not None:
            for delay in svc.resolver.delays:
                await asyncio.sleep(delay)
                try:
                    rows = await svc.rest.get_orders([order_id])
                except GmoError as exc:
                    log.warning("change resolution poll: %s", exc)
                    continue
                await svc.apply_orders(rows)
                order = rows[0] if rows else None
                if order is None or order.status is not OrderStatus.MODIFYING:
                    break
        applied = order is not None and entry.price is not None and order.price == entry.price
        await svc.journal_write(
            svc.journal.mark_resolved,
            entry.id,
            None,
            "change applied" if applied else "change not applied",
        )
        state = (
            _(" (order is {status})").format(status=_(order.status.value))
            if order is not None
            else ""
        )
        said = (
            _("Change of order {order_id}: applied{state}")
            if applied
            else _("Change of order {order_id}: not applied{state}")
        )
        svc.notify(
            NoticeKind.RESOLVED,
            said.format(order_id=order_id, state=state),
            intent_id=entry.id,
            order_id=order_id,
        )

    async def _resolve_by_query(self, entry: JournalEntry) -> None:
        """Cancels and losscut changes: looking is enough; the order tells what happened."""
        svc = self.service
        # the journal keeps its English record; the notice speaks the user's language
        detail = "outcome unknown; check the orders"
        shown = _("outcome unknown; check the orders")
        if entry.target_order_id is not None:
            try:
                rows = await svc.rest.get_orders([entry.target_order_id])
                await svc.apply_orders(rows)
                await self.backfill_fills(rows)
                if rows:
                    detail = f"order is {rows[0].status.value}"
                    shown = _("order is {status}").format(status=_(rows[0].status.value))
                else:
                    detail, shown = "order not found", _("order not found")
            except GmoError as exc:
                detail = f"query failed: {exc}"
                shown = _("query failed: {error}").format(error=exc)
        elif entry.kind is IntentKind.CANCEL_BULK and entry.symbol:
            try:
                active, _more = await read_active_orders(svc.rest, entry.symbol, self.page_size)
                await svc.apply_orders(active)
                detail = f"{len(active)} orders still active on {entry.symbol}"
                shown = _("{count} orders still active on {symbol}").format(
                    count=len(active), symbol=entry.symbol
                )
            except GmoError as exc:
                detail = f"query failed: {exc}"
                shown = _("query failed: {error}").format(error=exc)
        await svc.journal_write(svc.journal.mark_resolved, entry.id, None, detail)
        svc.notify(
            NoticeKind.RESOLVED,
            _("{kind} (intent {id}): {detail}").format(
                kind=entry.kind.value, id=entry.id, detail=shown
            ),
            intent_id=entry.id,
        )

    # ------------------------------------------------------------------ reconciliation

    async def backfill_fills(self, orders: Iterable[models.Order]) -> int:
        """Every fill of each (partly) filled order the ledger misses, from /v1/executions;
        returns the number of GETs."""
        svc = self.service
        requests = 0
        for order in orders:
            tracked = svc.tracker.get(order.order_id)
            known = tracked.fill_sum if tracked is not None else Decimal(0)
            if order.executed_size > known:
                try:
                    rows = await svc.rest.get_executions(order_id=order.order_id)
                except GmoError as exc:
                    log.warning("fills of order %s: %s", order.order_id, exc)
                    continue
                finally:
                    requests += 1
                await svc.record_fills(rows, FillSource.RECONCILE)
        return requests

    def symbols_of_interest(self, reason: ReconcileReason) -> list[str]:
        """Watched symbols, those of live or unresolved orders and open positions; on START
        also those of recent journal intents."""
        svc = self.service
        symbols = set(svc.watch_symbols)
        symbols.update(o.symbol for o in svc.tracker.orders() if not o.is_terminal)
        symbols.update(p.symbol for p in svc.positions.all())
        symbols.update(e.symbol for e in svc.journal.unresolved() if e.symbol)
        if reason is ReconcileReason.START:
            symbols.update(svc.journal.recent_symbols(200))
        return sorted(s for s in symbols if not svc.rules or s in svc.rules)

    def has_open_state(self) -> bool:
        svc = self.service
        if any(o.is_active or o.state.is_in_flight for o in svc.tracker.orders()):
            return True
        if len(svc.positions) > 0:
            return True
        return bool(svc.journal.unresolved())

    def needs_start(self) -> bool:
        """Started once, not reconciled yet, and nothing that a retry cannot fix in the way."""
        gates = self.service.gates
        return (
            self.attempted
            and not gates.is_open(Gate.RECONCILED)
            and gates.is_open(Gate.AUTH)
            and self.service.halts.reason is None
        )

    def due(self, now: float) -> bool:
        """``now`` on the service's clock (``time.time`` unless given): a gap flagged, or open
        state (or a start to retry) and the last reconciliation older than
        ``reconcile_every_s``."""
        gates = self.service.gates
        if not gates.is_open(Gate.AUTH) or self.service.halts.reason is not None:
            return False  # every GET would fail: the restart / the reopening reconciles
        if self.needs_start():
            return self.last_at is None or now - self.last_at >= self.service.reconcile_every_s
        if self.gap is not None:
            return True
        if not self.has_open_state():
            return False
        return self.last_at is None or now - self.last_at >= self.service.reconcile_every_s

    def flag_gap(self, reason: ReconcileReason) -> None:
        """Something may have been missed: :meth:`due` is True until the next reconcile."""
        self.gap = reason

    def _orders_snapshot(self) -> _OrderSnapshot:
        return {o.key: (o.state, o.filled, o.price) for o in self.service.tracker.orders()}

    def _positions_snapshot(self) -> dict[int, tuple[Decimal, Decimal | None]]:
        return {p.position_id: (p.size, p.losscut_price) for p in self.service.positions.all()}

    async def load_positions(self, symbols: Sequence[str]) -> int:
        """Every page of ``openPositions`` of the margin symbols; returns the GETs."""
        svc = self.service
        requests = 0
        for symbol in symbols:
            if not symbol.endswith("_JPY"):
                continue
            rows: list[models.Position] = []
            page = 0
            while True:
                page += 1
                reply = await svc.rest.get_open_positions(symbol, page, self.page_size)
                requests += 1
                rows.extend(reply.list)
                if len(reply.list) < self.page_size:
                    break
            svc.positions.load(rows, symbol)
        return requests

    async def reconcile(self, reason: ReconcileReason) -> ReconcileReport:
        """Read the account of the symbols of interest back over REST and apply it (or, while
        the start-up reconciliation has not succeeded yet, run it again)."""
        if self.needs_start():
            await self.start()
            return self._last_report
        return await self.run(reason)

    async def run(self, reason: ReconcileReason) -> ReconcileReport:
        """One reconciliation, whatever the gates (the start-up and the reopening call it).
        A failed GET closes the gate it concerns (maintenance, a rejected key) and raises; a
        gap stays flagged so the next one is due at once."""
        async with self._lock:
            try:
                report = await self._reconcile(reason)
            except GmoError as exc:
                self.flag_gap(reason)
                self.service.on_rest_error(exc)
                raise
            self._last_report = report
            return report

    async def _reconcile(self, reason: ReconcileReason) -> ReconcileReport:
        svc = self.service
        orders_before = self._orders_snapshot()
        positions_before = self._positions_snapshot()
        symbols = self.symbols_of_interest(reason)
        requests = 0
        new_fills = 0
        reads: dict[str, Reads] = {}
        moved: set[str] = set()  # symbols whose positions may have changed
        for symbol in symbols:
            active, active_pages = await read_active_orders(svc.rest, symbol, self.page_size)
            requests += active_pages
            await svc.apply_orders(active)
            first_read = not svc.fills.latest(1, symbol)
            budget = [FIRST_READ_PAGES]

            def enough(page: Sequence[models.Execution], budget: list[int] = budget) -> bool:
                budget[0] -= 1
                return budget[0] <= 0 or any(e.execution_id in svc.fills for e in page)

            latest, latest_pages = await read_latest_executions(
                svc.rest,
                symbol,
                enough=enough
                if first_read
                else (lambda page: any(e.execution_id in svc.fills for e in page)),
                page_size=self.page_size,
            )
            requests += latest_pages
            fills = await svc.record_fills(reversed(latest), FillSource.RECONCILE)
            new_fills += len(fills)
            if fills:
                moved.add(symbol)
            reads[symbol] = Reads(
                active, latest, [], active_pages + latest_pages, active_pages, latest_pages
            )
        # tracked orders that left activeOrders: their final status (and fills) by id
        resting = {o.order_id for r in reads.values() for o in r.active}
        gone = [
            o.order_id
            for o in svc.tracker.orders()
            if o.order_id is not None
            and o.is_active
            and o.symbol in reads
            and o.order_id not in resting
        ]
        rows, n = await read_orders(svc.rest, gone)
        requests += n
        await svc.apply_orders(rows)
        requests += await self.backfill_fills(rows)
        moved.update(o.symbol for o in rows if o.executed_size > 0)
        # UNKNOWN order intents: matched against what was just read
        for entry in self.unknown_intents():
            if not entry.kind.creates_order or entry.id in self._resolving:
                continue
            if entry.symbol is None or entry.symbol not in reads:
                continue
            found = reads[entry.symbol]
            search = Reads(list(found.active), list(found.executions), [])
            await svc.resolver.fetch_fill_orders(entry, search)
            requests += search.requests
            res = svc.resolver.match(entry, search)
            if res.status is not ResolutionStatus.NOT_FOUND:
                await self.settle_creating(entry, res, search)
        # positions: on a start, reconnect, silence or reopening every margin symbol that has
        # some (positionSummary over all symbols says which) or is of interest; on the timer
        # only where a fill may have moved them
        if reason is ReconcileReason.TIMER:
            margin = sorted(moved)
        else:
            summaries = await svc.rest.get_position_summary()
            requests += 1
            svc.positions.load_summaries(summaries)
            held = {s.symbol for s in summaries if s.sum_position_quantity > 0}
            margin = sorted(held.union(symbols, (p.symbol for p in svc.positions.all())))
        requests += await self.load_positions(margin)
        orders_after = self._orders_snapshot()
        orders_changed = sum(1 for k, v in orders_after.items() if orders_before.get(k) != v)
        positions_after = self._positions_snapshot()
        positions_changed = sum(
            1
            for pid in positions_before.keys() | positions_after.keys()
            if positions_before.get(pid) != positions_after.get(pid)
        )
        if positions_changed or reason is not ReconcileReason.TIMER:  # summaries reloaded too
            svc.changed(AccountPart.POSITIONS)
        svc.check_clock()
        self.last_at = svc.clock()
        self.gap = None
        self.reports += 1
        return ReconcileReport(new_fills, orders_changed, positions_changed, requests)

    # ------------------------------------------------------------------ private stream

    async def on_private_reconnected(self) -> None:
        """The private stream is LIVE again after a reconnect: reconcile what was missed."""
        self._reconnected_at = self.service.clock()
        try:
            await self.reconcile(ReconcileReason.RECONNECT)
        except GmoError as exc:
            self.flag_gap(ReconcileReason.RECONNECT)
            if not self.service.on_rest_error(exc):
                log.warning("reconcile after reconnect failed: %s", exc)
                raise

    async def on_stream_status(self, status: object) -> None:
        """Every StreamStatus of the private stream: a channel going STALE flags a gap (a
        SILENCE reconcile is due at once); the socket LIVE again after a drop reconciles now
        (unless :meth:`on_private_reconnected` ran for it under 1 s ago)."""
        if not isinstance(status, StreamStatus) or status.stream != "private":
            return
        if status.channel is not None:
            if status.state is StreamState.STALE:
                self.flag_gap(ReconcileReason.SILENCE)
            return
        previous = self._private_state
        self._private_state = status.state
        if status.state is not StreamState.LIVE:
            if self._private_was_live:
                self.flag_gap(ReconcileReason.RECONNECT)
            return
        recently = self.service.clock() - self._reconnected_at < 1.0
        if previous is not None and previous is not StreamState.LIVE and self._private_was_live:
            if not recently:
                await self.on_private_reconnected()
        self._private_was_live = True

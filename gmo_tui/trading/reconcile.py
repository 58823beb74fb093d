"""Reconciliation with the exchange: start-up, lost replies and back-fill (a mixin of
:class:`gmo_tui.trading.service.TradingService`).

* :meth:`start`: every unresolved journal intent is settled BEFORE order entry is enabled:
  PENDING (journaled, crash before send) becomes ABANDONED and is never sent; SENT (no reply
  recorded) and UNKNOWN are looked for on the exchange (lost-reply matching).
* Lost replies: a background task per UNKNOWN intent polls on a bounded schedule.
* Back-fill (:meth:`backfill`): active orders and latest executions per symbol of interest and
  every tracked open order, over REST; run after each private-stream reconnect and after a
  halt. Fills are de-duplicated by executionId in the ledger, so replays change nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from typing import Any

from gmo_tui.exchange import models
from gmo_tui.exchange.errors import GmoError
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.journal import IntentKind, IntentState, JournalEntry
from gmo_tui.trading.lost_replies import intent_of, sent_at_of
from gmo_tui.trading.results import NoticeKind

log = logging.getLogger(__name__)


class ReconcileMixin:
    """Start-up reconciliation, lost-reply resolution and REST back-fill."""

    # ------------------------------------------------------------------ start-up

    async def start(self: Any) -> None:
        """Reconcile unresolved journal intents and back-fill orders and fills of the symbols of
        interest (watched, and those of recent journal intents), then enable order entry
        (unless the exchange is not OPEN: then entry stays halted and /v1/status is polled)."""
        self.entry_enabled = False
        try:
            status = await self.rest.get_status()  # also gives the client its clock offset
        except GmoError as exc:
            status = None
            log.warning("status at start-up failed: %s", exc)
        if status is not None and status.status.value != "OPEN":
            self._started = True
            self.halt(f"exchange status {status.status.value}")
            return
        try:
            await self.reconcile_journal()
            await self.backfill()
        except GmoError as exc:
            self._started = True
            if not self.maybe_halt(exc):
                raise
            return
        self._started = True
        if self.halted_reason is None:
            self.enable("reconciled with the exchange")

    def enable(self: Any, why: str) -> None:
        self.entry_enabled = True
        self.notify(NoticeKind.ENABLED, f"Order entry enabled ({why})")

    async def aclose(self: Any) -> None:
        """Stop the background tasks (status polling, lost-reply resolution)."""
        tasks = [t for t in (self._poll_task, *self._resolving.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass
        self._poll_task = None
        self._resolving.clear()

    def _track_entry(self: Any, entry: JournalEntry) -> None:
        """Follow a journaled order intent in the tracker as UNKNOWN (after a restart)."""
        key = str(entry.id)
        if not entry.kind.creates_order or entry.kind is IntentKind.CLOSE_BULK:
            return
        if self.tracker.by_key(key) is not None:
            return
        try:
            self.tracker.track_intent(key, intent_of(entry))
        except (ValueError, TypeError) as exc:
            log.warning("cannot track intent %s: %s", entry.id, exc)
            return
        self.tracker.mark_sent(key, sent_at_of(entry))
        self.tracker.mark_unknown(key)

    async def reconcile_journal(self: Any) -> tuple[int, int]:
        """PENDING -> ABANDONED (never sent); SENT/UNKNOWN -> resolved by matching.
        Returns (abandoned, resolved)."""
        entries = [e for e in self.journal.unresolved() if e.id not in self._resolving]
        abandoned = resolved = 0
        lookups = []
        for entry in entries:
            if entry.state is IntentState.PENDING:
                self.journal.mark_abandoned(entry.id)
                if self.tracker.by_key(str(entry.id)) is not None:
                    self.tracker.mark_abandoned(str(entry.id))
                abandoned += 1
                self.notify(
                    NoticeKind.ABANDONED,
                    f"Intent {entry.id} ({entry.kind.value} {entry.side or ''} "
                    f"{entry.symbol or ''}) was journaled but never sent: it will not be sent",
                    "warning",
                    intent_id=entry.id,
                )
                continue
            if entry.state is IntentState.SENT:
                self.journal.mark_unknown(entry.id, "sent before a restart; no reply recorded")
                entry = self.journal.get(entry.id)
            self._track_entry(entry)
            lookups.append(self.resolve_intent(entry))
            resolved += 1
        # at most one unresolved intent per identity exists (identical ones are blocked), so
        # they cannot claim each other's orders: look them all up at once
        await asyncio.gather(*lookups)
        if entries:
            self.notify(
                NoticeKind.RECONCILED,
                f"Journal reconciled: {abandoned} abandoned (never sent), {resolved} looked up",
                data={"abandoned": abandoned, "resolved": resolved},
            )
        return abandoned, resolved

    # ------------------------------------------------------------------ lost replies

    def _start_resolution(self: Any, intent_id: int) -> None:
        if intent_id in self._resolving:
            return
        task = asyncio.get_running_loop().create_task(self._resolve_task(intent_id))
        self._resolving[intent_id] = task

    async def _resolve_task(self: Any, intent_id: int) -> None:
        try:
            await self.resolve_intent(self.journal.get(intent_id))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("resolving intent %s failed", intent_id)
        finally:
            self._resolving.pop(intent_id, None)

    async def wait_resolved(self: Any, timeout: float | None = None) -> None:
        """Wait until every lost-reply resolution in progress has finished."""
        while self._resolving:
            await asyncio.wait_for(
                asyncio.gather(*list(self._resolving.values()), return_exceptions=True), timeout
            )

    @property
    def unknown_intents(self: Any) -> list[JournalEntry]:
        """Intents whose outcome is still unknown (show them as UNKNOWN)."""
        return [e for e in self.journal.unresolved() if e.state is IntentState.UNKNOWN]

    async def resolve_intent(self: Any, entry: JournalEntry) -> None:
        if entry.kind.creates_order:
            await self._resolve_creating(entry)
        elif entry.kind is IntentKind.CHANGE:
            await self._resolve_change(entry)
        else:
            await self._resolve_by_query(entry)

    async def _resolve_creating(self: Any, entry: JournalEntry) -> None:
        res = await self.resolver.resolve(entry)
        key = str(entry.id)
        tracked = self.tracker.by_key(key) is not None
        if res is None:
            self.journal.add_event(entry.id, "lookup_failed")
            self.notify(
                NoticeKind.UNKNOWN,
                f"Intent {entry.id} is still UNKNOWN: the exchange could not be asked; it will "
                "be looked up again before order entry resumes",
                "warning",
                intent_id=entry.id,
            )
            return
        if res.found and res.order_id is not None:
            order_id = res.order_id
            self.journal.mark_resolved(entry.id, order_id, "found on the exchange")
            if tracked:
                self.tracker.mark_accepted(key, order_id)
            order = res.order
            try:
                rows = await self.rest.get_orders([order_id])
                order = rows[0] if rows else order
            except GmoError as exc:
                log.warning("order %s after resolution: %s", order_id, exc)
            if order is not None:
                self.apply_orders([order])
                self.journal.record_order_state(order_id, order.status.value)
                await self.backfill_fills([order])
            self.apply_executions(res.executions)
            status = order.status.value if order is not None else "found"
            self.notify(
                NoticeKind.RESOLVED,
                f"Intent {entry.id} resolved: it is order {order_id} ({status})",
                intent_id=entry.id,
                order_id=order_id,
            )
        elif res.status == "ambiguous":
            ids = list(res.candidates)
            self.journal.add_event(entry.id, "ambiguous", candidates=ids)
            self.notify(
                NoticeKind.AMBIGUOUS,
                f"Intent {entry.id} matches several orders {ids}: it stays UNKNOWN until you "
                "settle it (identical orders stay blocked)",
                "error",
                intent_id=entry.id,
                data={"candidates": ids},
            )
        else:
            self.journal.mark_resolved(entry.id, None, "not found on the exchange: no effect")
            if tracked:
                self.tracker.mark_abandoned(key)
            self.notify(
                NoticeKind.RESOLVED,
                f"Intent {entry.id} resolved: no order reached the exchange",
                intent_id=entry.id,
            )

    def acknowledge_unknown(self: Any, intent_id: int, order_id: int | None = None) -> None:
        """The user settles an ambiguous UNKNOWN intent by hand (its order, or none)."""
        self.journal.mark_resolved(intent_id, order_id, "settled by the user")
        key = str(intent_id)
        if self.tracker.by_key(key) is not None:
            if order_id is None:
                self.tracker.mark_abandoned(key)
            else:
                self.tracker.mark_accepted(key, order_id)

    async def _resolve_change(self: Any, entry: JournalEntry) -> None:
        order_id = entry.target_order_id
        order = None
        for delay in self.resolver.delays:
            await asyncio.sleep(delay)
            try:
                rows = await self.rest.get_orders([order_id])
            except GmoError as exc:
                log.warning("change resolution poll: %s", exc)
                continue
            self.apply_orders(rows)
            order = rows[0] if rows else None
            if order is None or order.status.value != "MODIFYING":
                break
        applied = order is not None and entry.price is not None and order.price == entry.price
        self.journal.mark_resolved(
            entry.id, None, "change applied" if applied else "change not applied"
        )
        state = f" (order is {order.status.value})" if order is not None else ""
        self.notify(
            NoticeKind.RESOLVED,
            f"Change of order {order_id}: {'applied' if applied else 'not applied'}{state}",
            intent_id=entry.id,
            order_id=order_id,
        )

    async def _resolve_by_query(self: Any, entry: JournalEntry) -> None:
        """Cancels and losscut changes: looking is enough; the order tells what happened."""
        detail = "outcome unknown; check the orders"
        if entry.target_order_id is not None:
            try:
                rows = await self.rest.get_orders([entry.target_order_id])
                self.apply_orders(rows)
                await self.backfill_fills(rows)
                detail = f"order is {rows[0].status.value}" if rows else "order not found"
            except GmoError as exc:
                detail = f"query failed: {exc}"
        elif entry.kind is IntentKind.CANCEL_BULK and entry.symbol:
            try:
                page = await self.rest.get_active_orders(entry.symbol, 1, 100)
                self.apply_orders(page.list)
                detail = f"{len(page.list)} orders still active on {entry.symbol}"
            except GmoError as exc:
                detail = f"query failed: {exc}"
        self.journal.mark_resolved(entry.id, None, detail)
        self.notify(
            NoticeKind.RESOLVED,
            f"{entry.kind.value} (intent {entry.id}): {detail}",
            intent_id=entry.id,
        )

    # ------------------------------------------------------------------ back-fill

    async def backfill_fills(self: Any, orders: Iterable[models.Order]) -> None:
        """Every fill of each (partly) filled order, from /v1/executions."""
        for order in orders:
            if order.executed_size > 0:
                try:
                    rows = await self.rest.get_executions(order_id=order.order_id)
                except GmoError as exc:
                    log.warning("fills of order %s: %s", order.order_id, exc)
                    continue
                self.apply_executions(rows)

    def symbols_of_interest(self: Any) -> set[str]:
        symbols = set(self.watch_symbols)
        symbols.update(o.symbol for o in self.tracker.orders())
        symbols.update(e.symbol for e in self.journal.entries()[-200:] if e.symbol)
        return {s for s in symbols if not self.rules or s in self.rules}

    async def backfill(self: Any) -> None:
        """Orders and fills over REST: active orders and latest executions per symbol of
        interest, then every tracked order not known to be finished (status and fills)."""
        for symbol in sorted(self.symbols_of_interest()):
            page = await self.rest.get_active_orders(symbol, 1, 100)
            self.apply_orders(page.list)
            latest = await self.rest.get_latest_executions(symbol, 1, 100)
            self.apply_executions(latest.list)
        open_ids = sorted(
            o.order_id
            for o in self.tracker.orders()
            if o.order_id is not None
            and o.state not in (OrderState.CANCELED, OrderState.EXPIRED)
            and not (o.state is OrderState.EXECUTED and o.fill_sum >= o.size)
        )
        for start in range(0, len(open_ids), 10):
            rows = await self.rest.get_orders(open_ids[start : start + 10])
            self.apply_orders(rows)
            await self.backfill_fills(rows)

    async def on_private_event(self: Any, event: Any, *, apply: bool = True) -> None:
        """A private WebSocket event (orderEvents/executionEvents). With ``apply`` (default)
        it is applied to the tracker and the fills ledger (de-duplicated by executionId);
        either way, a status change of one of our journaled orders is written to the journal
        (off the event loop)."""
        if apply:
            if isinstance(event, models.OrderEvent | models.ExecutionEvent):
                self.tracker.apply(event)
            if isinstance(event, models.ExecutionEvent) and self.fills is not None:
                self.fills.add(event)
        order_id = getattr(event, "order_id", None)
        if order_id is None or not isinstance(event, models.OrderEvent | models.ExecutionEvent):
            return
        tracked = self.tracker.get(order_id)
        status = tracked.state.value if tracked is not None else None
        if isinstance(event, models.OrderEvent) and status is None:
            status = event.order_status.value
        if status is None or self._journaled_status.get(order_id) == status:
            return
        if order_id not in self.journal.claimed_order_ids():
            return
        self._journaled_status[order_id] = status
        filled = tracked.filled if tracked is not None else None
        data = {} if filled is None else {"filled": filled}
        await asyncio.to_thread(self.journal.record_order_state, order_id, status, **data)

    async def on_private_reconnected(self: Any) -> None:
        """The private stream is LIVE again after a reconnect: back-fill what was missed."""
        self._backfilled_at = time.monotonic()
        try:
            await self.backfill()
        except GmoError as exc:
            if not self.maybe_halt(exc):
                log.warning("back-fill after reconnect failed: %s", exc)
                raise

    async def on_stream_status(self: Any, status: Any) -> None:
        """Feed :class:`gmo_tui.exchange.streams.StreamStatus` of the private stream: when the
        socket is LIVE again after RECONNECTING/DOWN/STALE, back-fill over REST. (Use this or
        call :meth:`on_private_reconnected` yourself; a back-fill under 1 s old is not redone.)"""
        if getattr(status, "stream", None) != "private" or getattr(status, "channel", None):
            return
        state = str(getattr(status.state, "value", status.state))
        previous = self._private_state
        self._private_state = state
        recently = time.monotonic() - getattr(self, "_backfilled_at", -1e9) < 1.0
        if (
            state == "LIVE"
            and previous in ("RECONNECTING", "DOWN", "CONNECTING", "STALE")
            and self._private_was_live
            and not recently  # the caller already called on_private_reconnected for it
        ):
            await self.on_private_reconnected()
        if state == "LIVE":
            self._private_was_live = True

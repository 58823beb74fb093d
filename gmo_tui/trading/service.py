"""The trading service: every order action of the app goes through :class:`TradingService`.

The pipeline for anything that creates exposure::

    entry enabled? (start-up reconciled, not halted) -> identical intent unresolved? (BLOCKED)
    -> pre-trade checks (market.safety.check_order incl. the kill switch: HARD -> REFUSED,
       SOFT -> NEEDS_CONFIRM unless confirmed) -> journal the intent (committed)
    -> journal "sent" (committed) -> REST call
    -> accepted(order_id) | rejected(code) | lost reply (UNKNOWN: found by matching on a bounded
       polling schedule, never re-sent) | ERR-5201/5202/5203 (halt entry, poll /v1/status)

Cancels skip the pre-trade checks and the kill switch (they reduce exposure). A cancel answered
ERR-5122/5123 queries the order: a fill wins the race (EXECUTED, fills recorded). Notices reach
the UI through the ``notify`` callback as :class:`~gmo_tui.trading.results.TradingNotice`.
Maintenance handling lives in :mod:`gmo_tui.trading.halts`, reconciliation and back-fill in
:mod:`gmo_tui.trading.reconcile`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.errors import (
    ApiError,
    GmoError,
    OrderNotChangeableError,
    OrderNotFoundError,
    ReplyLost,
    TransportError,
    ValidationError,
)
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderTracker
from gmo_tui.market.safety import KillSwitch, check_order
from gmo_tui.trading.halts import HaltsMixin
from gmo_tui.trading.journal import IntentKind, Journal, JournalEntry
from gmo_tui.trading.lost_replies import DEFAULT_POLL_DELAYS, LostReplyResolver
from gmo_tui.trading.reconcile import ReconcileMixin
from gmo_tui.trading.results import NoticeKind, Outcome, SubmitResult, TradingNotice

log = logging.getLogger(__name__)


def intent_key(symbol: Any, side: Any, execution_type: Any, size: Any, price: Any) -> tuple:
    """What makes two order intents "identical" (same symbol/side/type/size/price)."""
    return (
        str(getattr(symbol, "value", symbol)),
        str(getattr(side, "value", side)),
        str(getattr(execution_type, "value", execution_type)),
        None if size is None else Decimal(size).normalize(),
        None if price is None else Decimal(price).normalize(),
    )


def entry_key(entry: JournalEntry) -> tuple:
    return intent_key(entry.symbol, entry.side, entry.execution_type, entry.size, entry.price)


def _wire(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


class TradingService(ReconcileMixin, HaltsMixin):
    """Safe order entry on top of :class:`gmo_tui.exchange.rest.GmoRestClient`.

    ``tracker`` (market.orders.OrderTracker), ``fills`` (market.fills.FillLedger), ``books``
    (symbol -> market.book.Book), ``rules`` (symbol -> SymbolRule), ``limits``
    (market.safety.SafetyLimits). Optional: ``positions`` (market.positions.Positions, to find a
    position for :meth:`close`), ``on_reopen`` (called, and awaited if async, when the exchange
    is OPEN again after a halt and before reconciliation: the app gets a new WS token and
    reconnects its streams there), ``status_poll_interval`` (seconds between /v1/status polls
    while halted), ``resolve_delays`` (the lost-reply polling schedule), ``watch_symbols``
    (always back-filled), ``stage_hook(stage, intent_id)`` called at "journaled", "sending"
    (SENT committed, request not yet out), "sent" (reply received, not yet recorded) and
    "replied" (crash tests).
    """

    def __init__(
        self,
        rest: Any,
        *,
        tracker: OrderTracker,
        fills: Any,
        books: Mapping[str, Any],
        rules: Mapping[str, models.SymbolRule],
        limits: Any,
        journal: Journal,
        notify: Callable[[TradingNotice], None],
        clock: Callable[[], float] = time.time,
        positions: Any = None,
        on_reopen: Callable[[], Awaitable[None] | None] | None = None,
        status_poll_interval: float = 15.0,
        resolve_delays: Sequence[float] = DEFAULT_POLL_DELAYS,
        watch_symbols: Iterable[str] = (),
        stage_hook: Callable[[str, int], None] | None = None,
    ):
        self.rest = rest
        self.tracker = tracker
        self.fills = fills
        self.books = books
        self.rules = rules
        self.limits = limits
        self.journal = journal
        self.positions = positions
        self._notify = notify
        self.clock = clock
        self.on_reopen = on_reopen
        self.status_poll_interval = status_poll_interval
        self.watch_symbols = set(watch_symbols)
        self.stage_hook = stage_hook
        self.resolver = LostReplyResolver(
            rest,
            claimed=self.claimed_order_ids,
            delays=resolve_delays,
            on_orders=self.apply_orders,
            on_executions=self.apply_executions,
            on_error=self.maybe_halt,
        )
        self.killswitch = KillSwitch()
        self.entry_enabled = False
        self.halted_reason: str | None = None
        self.reopened = asyncio.Event()
        self._started = False
        self._reopening = False
        self._poll_task: asyncio.Task | None = None
        self._resolving: dict[int, asyncio.Task] = {}
        self._journaled_status: dict[int, str] = {}
        self._private_state: str | None = None
        self._private_was_live = False
        self._inflight: dict[int, tuple] = {}  # intent id -> identity key, request on the wire
        self._lock = asyncio.Lock()  # the identity check and the journal write go together

    # ------------------------------------------------------------------ small helpers

    def notify(self, kind: NoticeKind, message: str, level: str = "info", **kw: Any) -> None:
        try:
            self._notify(TradingNotice(kind=kind, message=message, level=level, **kw))
        except Exception:  # the UI callback must never break order handling
            log.exception("notify callback failed")

    async def _journal_write(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A journal write on the hot path, committed (fsync) in a worker thread so the event
        loop (the UI) never blocks on the disk; awaited, so it is durable before we go on."""
        return await asyncio.to_thread(write, *args, **kwargs)

    def _stage(self, stage: str, intent_id: int) -> None:
        if self.stage_hook is not None:
            self.stage_hook(stage, intent_id)

    def exchange_now_ms(self) -> int:
        """Now on the exchange's clock: local time + the REST client's measured offset."""
        offset = getattr(getattr(self.rest, "clock", None), "offset_ms", 0) or 0
        return int(self.clock() * 1000) + int(offset)

    def claimed_order_ids(self) -> set[int]:
        return self.journal.claimed_order_ids() | self.tracker.claimed_ids()

    def apply_orders(self, orders: Iterable[models.Order]) -> None:
        for order in orders:
            self.tracker.apply_rest_order(order)

    def apply_executions(self, executions: Iterable[models.Execution]) -> None:
        for execution in executions:
            self.tracker.apply_rest_execution(execution)
            if self.fills is not None:
                self.fills.add(execution)

    @property
    def kill_switch(self) -> bool:
        return bool(self.killswitch)

    @kill_switch.setter
    def kill_switch(self, on: bool) -> None:
        self.set_kill_switch(on)

    def set_kill_switch(self, on: bool, reason: str = "engaged by the user") -> None:
        """Refuse every new order while on (cancels still go through)."""
        if bool(on) == bool(self.killswitch):
            return
        if on:
            self.killswitch.engage(reason)
            self.notify(
                NoticeKind.KILL_SWITCH, f"Kill switch ON ({reason}): new orders refused", "warning"
            )
        else:
            self.killswitch.release()
            self.notify(NoticeKind.KILL_SWITCH, "Kill switch off")

    def _blocked(self) -> SubmitResult | None:
        if self.entry_enabled:
            return None
        if self.halted_reason:
            reason = f"order entry halted: {self.halted_reason}"
        elif not self._started:
            reason = "reconciling with the exchange; order entry not enabled yet"
        else:
            reason = "order entry disabled"
        return SubmitResult(Outcome.BLOCKED, reason=reason)

    def _identical_unresolved(self, key: tuple) -> JournalEntry | None:
        for intent_id, other in self._inflight.items():
            if other == key:
                return self.journal.get(intent_id)
        for entry in self.journal.unresolved():
            if entry.kind.creates_order and entry_key(entry) == key:
                return entry
        return None

    def _identical_blocked(self, key: tuple) -> SubmitResult | None:
        same = self._identical_unresolved(key)
        if same is None:
            return None
        return SubmitResult(
            Outcome.BLOCKED,
            intent_id=same.id,
            reason=(
                f"an identical order (intent {same.id}) is still {same.state.value}: "
                "wait until it is resolved"
            ),
        )

    # ------------------------------------------------------------------ pre-trade checks

    def check(self, intent: OrderIntent, *, confirmed: bool = False) -> SubmitResult | None:
        """Pre-trade checks, no network: ``None`` when the order may go."""
        rule = self.rules.get(intent.symbol)
        if rule is None:
            return SubmitResult(Outcome.REFUSED, reason=f"unknown symbol {intent.symbol}")
        book = self.books.get(intent.symbol)
        result = check_order(
            intent, rule, book, self.limits, self.clock(), kill_switch=self.killswitch
        )
        if result.refused:
            return SubmitResult(Outcome.REFUSED, findings=result.hard, reason="pre-trade checks")
        if result.needs_confirmation and not confirmed:
            return SubmitResult(
                Outcome.NEEDS_CONFIRM, findings=result.soft, reason="confirm to send"
            )
        return None

    # ------------------------------------------------------------------ new orders

    async def submit(self, intent: OrderIntent, *, confirmed: bool = False) -> SubmitResult:
        """A new order or close order (``intent.settle == "close"``); see the module docstring."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        key = intent_key(
            intent.symbol, intent.side, intent.execution_type, intent.size, intent.price
        )
        kind = IntentKind.CLOSE if intent.is_close else IntentKind.ORDER
        async with self._lock:
            blocked = self._identical_blocked(key)
            if blocked is not None:
                return blocked
            refused = self.check(intent, confirmed=confirmed)
            if refused is not None:
                return refused
            intent_id = await self._journal_write(
                self.journal.record_intent,
                kind,
                symbol=intent.symbol,
                side=_wire(intent.side),
                execution_type=_wire(intent.execution_type),
                size=intent.size,
                price=intent.price,
                time_in_force=_wire(intent.time_in_force),
                losscut_price=intent.losscut_price,
                cancel_before=intent.cancel_before,
                position_id=intent.position_id,
            )
            self._inflight[intent_id] = key
        self.tracker.track_intent(str(intent_id), intent)
        self._stage("journaled", intent_id)
        cancel_before = True if intent.cancel_before else None
        try:
            if intent.is_close:
                call = self.rest.close_order(
                    intent.symbol,
                    intent.side,
                    intent.execution_type,
                    intent.position_id,
                    intent.size,
                    price=intent.price,
                    time_in_force=intent.time_in_force,
                    cancel_before=cancel_before,
                )
            else:
                call = self.rest.place_order(
                    intent.symbol,
                    intent.side,
                    intent.execution_type,
                    intent.size,
                    price=intent.price,
                    time_in_force=intent.time_in_force,
                    losscut_price=intent.losscut_price,
                    cancel_before=cancel_before,
                )
            return await self._send_creating(intent_id, call)
        finally:
            self._inflight.pop(intent_id, None)

    async def _send_creating(self, intent_id: int, call: Awaitable[int]) -> SubmitResult:
        """Send an order-creating request that is already journaled; record every outcome."""
        key = str(intent_id)
        sent_ms = self.exchange_now_ms()
        await self._journal_write(self.journal.mark_sent, intent_id, sent_ms)
        if self.tracker.by_key(key) is not None:
            self.tracker.mark_sent(key, datetime.fromtimestamp(sent_ms / 1000, tz=UTC))
        self._stage("sending", intent_id)
        try:
            order_id = int(await call)
        except asyncio.CancelledError:
            self.journal.mark_unknown(intent_id, "cancelled while in flight")
            if self.tracker.by_key(key) is not None:
                self.tracker.mark_unknown(key)
            self._start_resolution(intent_id)
            raise
        except ReplyLost as exc:
            self._stage("sent", intent_id)
            return self._lost(intent_id, exc)
        except (ValidationError, TransportError, ApiError) as exc:
            self._stage("sent", intent_id)
            return self._failed(intent_id, exc)
        except Exception as exc:  # anything else after sending: unknown, never "failed"
            self._stage("sent", intent_id)
            return self._lost(intent_id, exc)
        self._stage("sent", intent_id)
        await self._journal_write(self.journal.mark_accepted, intent_id, order_id)
        if self.tracker.by_key(key) is not None:
            self.tracker.mark_accepted(key, order_id)
        self._stage("replied", intent_id)
        return SubmitResult(Outcome.ACCEPTED, order_id=order_id, intent_id=intent_id)

    def _failed(self, intent_id: int, exc: GmoError) -> SubmitResult:
        """The exchange refused it, or it never left: record, maybe halt, tell the user."""
        key = str(intent_id)
        if isinstance(exc, ApiError):
            code = exc.code or f"status {exc.status}"
            self.journal.mark_rejected(intent_id, code, str(exc))
            if self.tracker.by_key(key) is not None:
                self.tracker.mark_rejected(key, code)
            self.maybe_halt(exc)
            self.notify(NoticeKind.REJECTED, f"Rejected: {exc}", "error", intent_id=intent_id)
            return SubmitResult(Outcome.REJECTED, intent_id=intent_id, error=exc)
        # ValidationError, or a TransportError before anything was sent: nothing reached it
        self.journal.mark_rejected(intent_id, "NOT_SENT", str(exc))
        if self.tracker.by_key(key) is not None:
            self.tracker.mark_rejected(key, "NOT_SENT")
        self.notify(NoticeKind.REJECTED, f"Not sent: {exc}", "error", intent_id=intent_id)
        return SubmitResult(Outcome.REJECTED, intent_id=intent_id, error=exc, reason="not sent")

    def _lost(self, intent_id: int, exc: BaseException) -> SubmitResult:
        self.journal.mark_unknown(intent_id, f"reply lost: {type(exc).__name__}")
        if self.tracker.by_key(str(intent_id)) is not None:
            self.tracker.mark_unknown(str(intent_id))
        self.notify(
            NoticeKind.UNKNOWN,
            f"Reply lost (intent {intent_id}): outcome UNKNOWN; looking for it on the exchange, "
            "it will not be re-sent",
            "warning",
            intent_id=intent_id,
        )
        self._start_resolution(intent_id)
        return SubmitResult(Outcome.UNKNOWN, intent_id=intent_id, error=exc)

    # ------------------------------------------------------------------ change / cancel

    async def _send_plain(
        self, kind: IntentKind, call: Callable[[], Awaitable[Any]], **fields: Any
    ) -> tuple[int, Any, GmoError | None]:
        """Journal, send and time-stamp a request that creates no order."""
        intent_id = await self._journal_write(self.journal.record_intent, kind, **fields)
        self._stage("journaled", intent_id)
        await self._journal_write(self.journal.mark_sent, intent_id, self.exchange_now_ms())
        try:
            reply = await call()
        except GmoError as exc:
            self._stage("sent", intent_id)
            return intent_id, None, exc
        self._stage("sent", intent_id)
        return intent_id, reply, None

    async def change(
        self,
        order_id: int,
        price: Decimal,
        losscut_price: Decimal | None = None,
        *,
        confirmed: bool = False,
    ) -> SubmitResult:
        """changeOrder. The new price passes the same checks as a new order at that price for
        the order's remaining size (HARD: REFUSED; SOFT: NEEDS_CONFIRM unless ``confirmed``;
        the kill switch refuses changes too). Blocked while an earlier change of the same order
        is unresolved. A lost reply is UNKNOWN and resolved by reading the order back."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        for entry in self.journal.unresolved():
            if entry.kind is IntentKind.CHANGE and entry.target_order_id == order_id:
                return SubmitResult(
                    Outcome.BLOCKED,
                    order_id=order_id,
                    intent_id=entry.id,
                    reason=f"a change of order {order_id} (intent {entry.id}) is still "
                    f"{entry.state.value}",
                )
        tracked = self.tracker.get(order_id)
        if tracked is not None and tracked.execution_type is not ExecutionType.MARKET:
            probe = OrderIntent(
                symbol=tracked.symbol,
                side=tracked.side,
                execution_type=tracked.execution_type,
                size=tracked.remaining if tracked.remaining > 0 else tracked.size,
                price=price,
            )
            refused = self.check(probe, confirmed=confirmed)
            if refused is not None:
                return refused
        intent_id, _, exc = await self._send_plain(
            IntentKind.CHANGE,
            lambda: self.rest.change_order(order_id, price, losscut_price),
            target_order_id=order_id,
            symbol=None if tracked is None else tracked.symbol,
            price=price,
            losscut_price=losscut_price,
        )
        if exc is None:
            await self._journal_write(self.journal.mark_accepted, intent_id)
            if tracked is not None:
                self.tracker.mark_modifying(order_id)
            self._stage("replied", intent_id)
            return SubmitResult(Outcome.ACCEPTED, order_id=order_id, intent_id=intent_id)
        if isinstance(exc, ReplyLost):
            if tracked is not None:
                self.tracker.mark_modifying(order_id)
            self._lost(intent_id, exc)
            return SubmitResult(Outcome.UNKNOWN, order_id=order_id, intent_id=intent_id, error=exc)
        result = self._failed(intent_id, exc)
        if isinstance(exc, OrderNotChangeableError | OrderNotFoundError):
            found = await self.query_race(order_id, "change")
            return SubmitResult(
                Outcome.REJECTED, order_id=order_id, intent_id=intent_id, error=exc, order=found
            )
        return result

    async def cancel(self, order_id: int) -> SubmitResult:
        """cancelOrder (allowed with the kill switch on). On ERR-5122/5123 the order is
        queried and its fills recorded: a fill wins the race."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        tracked = self.tracker.get(order_id)
        intent_id, _, exc = await self._send_plain(
            IntentKind.CANCEL,
            lambda: self.rest.cancel_order(order_id),
            target_order_id=order_id,
            symbol=None if tracked is None else tracked.symbol,
        )
        if exc is None:
            await self._journal_write(self.journal.mark_accepted, intent_id)
            if tracked is not None:
                self.tracker.mark_cancelling(order_id)
            self._stage("replied", intent_id)
            return SubmitResult(Outcome.ACCEPTED, order_id=order_id, intent_id=intent_id)
        if isinstance(exc, ReplyLost):
            self.journal.mark_unknown(intent_id, "reply lost")
            self._start_resolution(intent_id)
            return SubmitResult(Outcome.UNKNOWN, order_id=order_id, intent_id=intent_id, error=exc)
        self._failed(intent_id, exc)
        found = None
        if isinstance(exc, OrderNotChangeableError | OrderNotFoundError):
            found = await self.query_race(order_id, "cancel")
        return SubmitResult(
            Outcome.REJECTED, order_id=order_id, intent_id=intent_id, error=exc, order=found
        )

    async def query_race(self, order_id: int, what: str) -> models.Order | None:
        """After ERR-5122/5123: look the order up; a fill wins (EXECUTED, fills recorded)."""
        try:
            orders = await self.rest.get_orders([order_id])
        except GmoError as exc:
            log.warning("query after a %s race failed: %s", what, exc)
            return None
        self.apply_orders(orders)
        await self.backfill_fills(orders)
        order = orders[0] if orders else None
        if order is None:
            self.notify(
                NoticeKind.CANCEL_RACE,
                f"Could not {what} order {order_id}: the exchange does not know it",
                "warning",
                order_id=order_id,
            )
            return None
        self.journal.record_order_state(order.order_id, order.status.value)
        filled = f" (filled {order.executed_size} of {order.size})" if order.executed_size else ""
        self.notify(
            NoticeKind.CANCEL_RACE,
            f"Could not {what} order {order_id}: it is {order.status.value}{filled}",
            "warning",
            order_id=order_id,
        )
        return order

    async def cancel_all(self, symbol: str) -> SubmitResult:
        """cancelBulkOrder for one symbol (allowed with the kill switch on)."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        intent_id, reply, exc = await self._send_plain(
            IntentKind.CANCEL_BULK, lambda: self.rest.cancel_bulk_order([symbol]), symbol=symbol
        )
        if exc is None:
            ids = tuple(int(i) for i in reply or ())
            self.journal.mark_accepted(intent_id)
            self.journal.add_event(intent_id, "cancelling", order_ids=list(ids))
            return SubmitResult(Outcome.ACCEPTED, intent_id=intent_id, order_ids=ids)
        if isinstance(exc, ReplyLost):
            self.journal.mark_unknown(intent_id, "reply lost")
            self._start_resolution(intent_id)
            return SubmitResult(Outcome.UNKNOWN, intent_id=intent_id, error=exc)
        return self._failed(intent_id, exc)

    # ------------------------------------------------------------------ positions

    async def close(
        self,
        position_id: int,
        size: Decimal,
        *,
        execution_type: ExecutionType | str = "MARKET",
        price: Decimal | None = None,
        confirmed: bool = False,
    ) -> SubmitResult:
        """closeOrder for (part of) one position: the closing side is opposite the position's.
        Goes through the same checks as :meth:`submit`."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        position = await self._position(position_id)
        if position is None:
            return SubmitResult(Outcome.REFUSED, reason=f"unknown position {position_id}")
        kind = ExecutionType(_wire(execution_type))
        intent = OrderIntent(
            symbol=position.symbol,
            side=position.side.opposite,
            execution_type=kind,
            size=size,
            price=None if kind is ExecutionType.MARKET else price,
            settle="close",
            position_id=position_id,
        )
        return await self.submit(intent, confirmed=confirmed)

    async def _position(self, position_id: int) -> models.Position | None:
        if self.positions is not None:
            found = self.positions.get(position_id)
            if found is not None:
                return found
        for symbol in sorted(s for s in self.rules if s.endswith("_JPY")):
            page = await self.rest.get_open_positions(symbol)
            for position in page.list:
                if position.position_id == position_id:
                    return position
        return None

    async def close_all(
        self, symbol: str, side: Side | str, size: Decimal | None = None
    ) -> SubmitResult:
        """closeBulkOrder: a MARKET order on ``side`` closing the opposite-side positions of
        ``symbol``; ``size`` defaults to their total (fetched from the exchange). The kill
        switch refuses it (it is a new order)."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        if self.killswitch:
            return SubmitResult(
                Outcome.REFUSED, reason=f"kill switch engaged: {self.killswitch.reason}"
            )
        side = Side(_wire(side))
        if size is None:
            page = await self.rest.get_open_positions(symbol)
            size = sum((p.size for p in page.list if p.side == side.opposite), Decimal(0))
        if size <= 0:
            return SubmitResult(Outcome.REFUSED, reason=f"no {side.opposite} positions on {symbol}")
        key = intent_key(symbol, side, ExecutionType.MARKET, size, None)
        async with self._lock:
            blocked = self._identical_blocked(key)
            if blocked is not None:
                return blocked
            intent_id = await self._journal_write(
                self.journal.record_intent,
                IntentKind.CLOSE_BULK,
                symbol=symbol,
                side=side.value,
                execution_type=ExecutionType.MARKET.value,
                size=size,
            )
            self._inflight[intent_id] = key
        self._stage("journaled", intent_id)
        try:
            return await self._send_creating(
                intent_id, self.rest.close_bulk_order(symbol, side, ExecutionType.MARKET, size)
            )
        finally:
            self._inflight.pop(intent_id, None)

    async def change_losscut(self, position_id: int, losscut_price: Decimal) -> SubmitResult:
        """changeLosscutPrice of one position."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        intent_id, _, exc = await self._send_plain(
            IntentKind.CHANGE_LOSSCUT,
            lambda: self.rest.change_losscut_price(position_id, losscut_price),
            position_id=position_id,
            losscut_price=losscut_price,
        )
        if exc is None:
            self.journal.mark_accepted(intent_id)
            return SubmitResult(Outcome.ACCEPTED, intent_id=intent_id)
        if isinstance(exc, ReplyLost):
            # setting a losscut price is idempotent: the user may simply set it again
            self.journal.mark_resolved(intent_id, None, "reply lost; re-check the position")
            return SubmitResult(Outcome.UNKNOWN, intent_id=intent_id, error=exc)
        return self._failed(intent_id, exc)

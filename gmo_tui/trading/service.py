"""The trading service: every order action of the app goes through :class:`TradingService`.

The pipeline for anything that creates exposure::

    entry gates open? (gates.py; BLOCKED with the first closed gate's reason)
    -> identical intent unresolved? (BLOCKED)
    -> pre-trade checks (market.safety.check_order incl. the kill switch: HARD -> REFUSED,
       SOFT -> NEEDS_CONFIRM unless confirmed) -> journal the intent (committed, off the loop)
    -> journal "sent" (committed, off the loop) -> REST call
    -> accepted(order_id) | rejected(code) | lost reply (UNKNOWN: looked for on the exchange,
       never re-sent) | ERR-5201/5202/5203 (EXCHANGE_OPEN closed, /v1/status polled)

The checks are pure (:meth:`check`, :meth:`check_change`, :meth:`check_close`,
:meth:`check_close_all`): the app runs them before its first dialog, so the one confirm shows
the warning. Cancels skip the checks and the kill switch (they reduce exposure); they are
blocked only while AUTH, EXCHANGE_OPEN or RECONCILED is closed. A cancel answered
ERR-5122/5123 queries the order: a fill wins the race.

The service owns the only copies of the account: orders (``tracker``), fills (``fills``) and
positions (``positions``). Private events update them at once (:meth:`on_private_event`);
REST only back-fills and reconciles (:class:`~gmo_tui.trading.reconcile.Reconciler`). Every
fill newly added to the ledger, whatever its source, reaches ``listener.on_fill`` once.
Maintenance lives in :class:`~gmo_tui.trading.halts.Halts`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.errors import (
    ApiError,
    AuthenticationError,
    GmoError,
    OrderNotChangeableError,
    OrderNotFoundError,
    ReplyLost,
    TimestampError,
)
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.i18n import _
from gmo_tui.market.book import Book
from gmo_tui.market.fills import Fill, FillLedger
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState, OrderTracker
from gmo_tui.market.positions import Positions
from gmo_tui.market.safety import KillSwitch, SafetyLimits, check_order
from gmo_tui.trading.gates import EntryGates, Gate
from gmo_tui.trading.halts import Halts
from gmo_tui.trading.journal import IntentKind, Journal, JournalEntry
from gmo_tui.trading.listener import AccountPart, FillSource, NullListener, TradingListener
from gmo_tui.trading.lost_replies import DEFAULT_POLL_DELAYS, LostReplyResolver
from gmo_tui.trading.reconcile import Reconciler, ReconcileReason, ReconcileReport
from gmo_tui.trading.results import (
    NoticeKind,
    NoticeLevel,
    Outcome,
    SubmitResult,
    TradingNotice,
)

__all__ = ["ReconcileReason", "ReconcileReport", "TradingService", "intent_key"]

_FINAL_STATUSES = frozenset({OrderState.CANCELED, OrderState.EXECUTED, OrderState.EXPIRED})
"""Journaled order statuses after which the earlier run had told the order's end."""

log = logging.getLogger(__name__)

T = TypeVar("T")
IntentKey = tuple[str, str, str, Decimal | None, Decimal | None]

#: gates that block order-creating actions (the kill switch REFUSES through the pre-trade check)
_ENTRY_IGNORES = frozenset({Gate.KILL_SWITCH})
#: gates that block cancels (everything else may be closed: a cancel reduces exposure)
_CANCEL_GATES = (Gate.AUTH, Gate.EXCHANGE_OPEN, Gate.RECONCILED)


def _norm(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).normalize()


def intent_key(
    symbol: str,
    side: Side | str,
    execution_type: ExecutionType | str,
    size: Decimal | None,
    price: Decimal | None,
) -> IntentKey:
    """What makes two order intents "identical" (same symbol/side/type/size/price)."""
    return (symbol, str(side), str(execution_type), _norm(size), _norm(price))


def entry_key(entry: JournalEntry) -> IntentKey:
    return intent_key(
        entry.symbol or "",
        entry.side or "",
        entry.execution_type or "",
        entry.size,
        entry.price,
    )


class TradingService:
    """Safe order entry on top of :class:`gmo_tui.exchange.rest.GmoRestClient`.

    ``tracker``, ``fills`` and ``positions`` are the only copies of the account's orders,
    fills and positions. ``books`` (symbol -> Book), ``rules`` (symbol -> SymbolRule),
    ``limits`` (SafetyLimits). ``listener`` hears notices, fills, model changes and gate
    changes. ``clock_skew_limit_s``: the CLOCK gate closes when the server clock is further
    than this from the local one. ``reconcile_every_s``: :meth:`reconcile_due` period.
    Optional, for tests: ``clock`` (wall seconds), ``status_poll_interval`` (seconds between
    /v1/status polls while halted), ``resolve_delays`` (the lost-reply polling schedule),
    ``stage_hook(stage, intent_id)`` called at "journaled", "sending" (SENT committed, request
    not yet out), "sent" (reply received, not yet recorded) and "replied" (crash tests).
    """

    def __init__(
        self,
        rest: GmoRestClient,
        *,
        tracker: OrderTracker,
        fills: FillLedger,
        books: Mapping[str, Book],
        rules: Mapping[str, models.SymbolRule],
        limits: SafetyLimits,
        journal: Journal,
        positions: Positions | None = None,
        watch_symbols: Iterable[str] = (),
        listener: TradingListener | None = None,
        clock_skew_limit_s: float = 300.0,
        reconcile_every_s: float = 5.0,
        clock: Callable[[], float] = time.time,
        status_poll_interval: float = 15.0,
        resolve_delays: Sequence[float] = DEFAULT_POLL_DELAYS,
        stage_hook: Callable[[str, int], None] | None = None,
    ) -> None:
        self.rest = rest
        self.tracker = tracker
        self.fills = fills
        self.positions = positions if positions is not None else Positions()
        self.books = books
        self.rules = rules
        self.limits = limits
        self.journal = journal
        self.listener: TradingListener = listener if listener is not None else NullListener()
        self.clock = clock
        self.clock_skew_limit_s = clock_skew_limit_s
        self.reconcile_every_s = reconcile_every_s
        self.watch_symbols: set[str] = set(watch_symbols)
        self.stage_hook = stage_hook
        self.gates = EntryGates()
        rest.clock.skew_limit_ms = clock_skew_limit_s * 1000.0  # never adopted silently
        self.killswitch = KillSwitch()
        self.resolver = LostReplyResolver(
            rest,
            claimed=self.claimed_order_ids,
            delays=resolve_delays,
            on_error=self.on_rest_error,
        )
        self.halts = Halts(self, poll_interval=status_poll_interval)
        self.reconciler = Reconciler(self)
        self._journaled_status: dict[int, tuple[str, Decimal]] = {}
        self.history_before_ms: int | None = None
        """The exchange's time when the first start-up found the clock in line: a fill executed
        before it and read by REST is :attr:`FillSource.HISTORY` (kept, not news), unless it
        belongs to one of our orders that was open, or not yet known, when the app stopped."""
        self._untold_orders: set[int] = set()
        self._untold_intents: set[int] = set()
        self._inflight: dict[int, IntentKey] = {}  # intent id -> identity key, on the wire
        self._lock = asyncio.Lock()  # the identity check and the journal write go together

    # ------------------------------------------------------------------ small helpers

    def notify(
        self,
        kind: NoticeKind,
        message: str,
        level: NoticeLevel = NoticeLevel.INFO,
        *,
        intent_id: int | None = None,
        order_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        notice = TradingNotice(
            kind=kind,
            message=message,
            level=level,
            intent_id=intent_id,
            order_id=order_id,
            data=data or {},
        )
        try:
            self.listener.on_notice(notice)
        except Exception:  # the UI callback must never break order handling
            log.exception("listener.on_notice failed")

    def changed(self, part: AccountPart) -> None:
        try:
            self.listener.on_account_changed(part)
        except Exception:
            log.exception("listener.on_account_changed failed")

    def set_gate(self, gate: Gate, ok: bool, reason: str = "") -> bool:
        """Open or close one gate; the listener hears when entry was enabled or disabled or
        its reason changed. (``gates.set`` alone tells nobody.) True when enabled changed."""
        before = self.gates.reason
        changed = self.gates.set(gate, ok, reason)
        if changed and self.gates.enabled:
            self.notify(NoticeKind.ENABLED, _("Order entry enabled"))
        if changed or self.gates.reason != before:
            try:
                self.listener.on_entry_changed(self.gates)
            except Exception:
                log.exception("listener.on_entry_changed failed")
        return changed

    async def journal_write(self, write: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A journal write committed (fsync) in a worker thread so the event loop never blocks
        on the disk; awaited, so it is durable before we go on."""
        return await asyncio.to_thread(write, *args, **kwargs)

    def _stage(self, stage: str, intent_id: int) -> None:
        if self.stage_hook is not None:
            self.stage_hook(stage, intent_id)

    def exchange_now_ms(self) -> int:
        """Now on the exchange's clock: local time + the REST client's measured offset."""
        return int(self.clock() * 1000) + int(self.rest.clock.offset_ms)

    def claimed_order_ids(self) -> set[int]:
        return self.journal.claimed_order_ids() | self.tracker.claimed_ids()

    @property
    def entry_enabled(self) -> bool:
        """Every gate open."""
        return self.gates.enabled

    @property
    def reopened(self) -> asyncio.Event:
        """Set when the exchange is OPEN again after a halt (cleared by a new halt)."""
        return self.halts.reopened

    @property
    def halted_reason(self) -> str | None:
        """Why the exchange is not open for orders (``None`` when it is)."""
        return self.halts.reason

    # ------------------------------------------------------------------ account updates

    async def record_fills(
        self, items: Iterable[models.Execution | models.ExecutionEvent], source: FillSource
    ) -> list[Fill]:
        """The one path of every fill: tracker, ledger (deduped by executionId), the journal
        status of the order's intent, then ``listener.on_fill`` once per new executionId."""
        new: list[Fill] = []
        orders: set[int] = set()
        for item in items:
            self.tracker.apply(item)
            orders.add(item.order_id)
            fill = self.fills.add(item)
            if fill is not None:
                new.append(fill)
        for order_id in sorted(orders):
            await self.journal_order_state(order_id)
        for fill in new:
            try:
                self.listener.on_fill(fill, self._source_of(fill, source))
            except Exception:
                log.exception("listener.on_fill failed")
        if new:
            self.changed(AccountPart.FILLS)
        if orders:
            self.changed(AccountPart.ORDERS)
        return new

    def mark_start(self) -> None:
        """The first start-up with the clock in line: fills executed before now are history,
        except those of our orders the journal had open or unanswered (never told)."""
        if self.history_before_ms is not None:
            return
        self.history_before_ms = self.exchange_now_ms()
        for entry in self.journal.entries():
            if not entry.kind.creates_order:
                continue
            if entry.unresolved:
                self._untold_intents.add(entry.id)
            elif entry.order_id is not None and entry.order_status not in _FINAL_STATUSES:
                self._untold_orders.add(entry.order_id)

    def _source_of(self, fill: Fill, source: FillSource) -> FillSource:
        """A fill REST read that was executed before this session started is history."""
        before = self.history_before_ms
        if source is not FillSource.RECONCILE or before is None:
            return source
        if fill.timestamp.timestamp() * 1000 >= before or self._untold(fill.order_id):
            return source
        return FillSource.HISTORY

    def _untold(self, order_id: int) -> bool:
        if order_id in self._untold_orders:
            return True
        return any(self.journal.get(i).order_id == order_id for i in self._untold_intents)

    async def apply_orders(self, orders: Iterable[models.Order]) -> None:
        """Order rows from REST: the tracker, and the journal status of our intents."""
        ids: list[int] = []
        for order in orders:
            self.tracker.apply_rest_order(order)
            ids.append(order.order_id)
        for order_id in ids:
            await self.journal_order_state(order_id)
        if ids:
            self.changed(AccountPart.ORDERS)

    async def journal_order_state(self, order_id: int) -> None:
        """Write a changed exchange status or filled size (a partial fill) of one of our
        journaled orders (off the loop)."""
        tracked = self.tracker.get(order_id)
        if tracked is None or tracked.state.is_in_flight:
            return
        status = tracked.state.value
        if self._journaled_status.get(order_id) == (status, tracked.filled):
            return
        if not self.journal.claims(order_id):
            return
        self._journaled_status[order_id] = (status, tracked.filled)
        await self.journal_write(
            self.journal.record_order_state, order_id, status, filled=tracked.filled
        )

    async def on_private_event(self, event: object) -> None:
        """A private WebSocket event, applied at once: orders and fills to the tracker and the
        ledger (new fills to ``listener.on_fill(STREAM)``), positions and summaries to
        ``positions``; status changes of our orders journaled off the loop. No REST."""
        if isinstance(event, models.ExecutionEvent):
            await self.record_fills([event], FillSource.STREAM)
        elif isinstance(event, models.OrderEvent):
            self.tracker.apply(event)
            await self.journal_order_state(event.order_id)
            self.changed(AccountPart.ORDERS)
        elif isinstance(event, models.PositionEvent):
            self.positions.apply_event(event)
            self.changed(AccountPart.POSITIONS)
        elif isinstance(event, models.PositionSummaryEvent):
            self.positions.apply_summary_event(event)
            self.changed(AccountPart.POSITIONS)

    def on_rest_error(self, exc: BaseException) -> bool:
        """Every failed exchange call passes here: maintenance halts entry, a rejected key
        closes AUTH, a timestamp refusal re-checks CLOCK. True when a gate closed for it."""
        if not isinstance(exc, ApiError):
            return False
        if isinstance(exc, TimestampError):
            self.check_clock()  # the client re-synced its clock: is it beyond the limit now?
            return not self.gates.is_open(Gate.CLOCK)
        if isinstance(exc, AuthenticationError) and exc.key_rejected:
            self.set_gate(
                Gate.AUTH, False, _("the exchange rejected the API key: {error}").format(error=exc)
            )
            self.notify(
                NoticeKind.AUTH,
                _("API key rejected by the exchange: {error}").format(error=exc),
                NoticeLevel.ERROR,
            )
            return True
        return self.halts.maybe_halt(exc)

    def check_clock(self) -> None:
        """CLOCK: closed while the server clock is further than ``clock_skew_limit_s`` from the
        local clock (the REST client then refuses to adopt the offset: see exchange/clock.py)."""
        server = self.rest.clock
        server.skew_limit_ms = self.clock_skew_limit_s * 1000.0
        if server.skewed:
            seconds = server.measured_offset_ms / 1000.0
            self.set_gate(
                Gate.CLOCK,
                False,
                _(
                    "the exchange clock is {offset} s from this computer's (limit {limit} s): "
                    "fix the local clock"
                ).format(offset=f"{seconds:+.0f}", limit=f"{self.clock_skew_limit_s:.0f}"),
            )
        else:
            self.set_gate(Gate.CLOCK, True)

    # ------------------------------------------------------------------ kill switch

    @property
    def kill_switch(self) -> bool:
        return bool(self.killswitch)

    @kill_switch.setter
    def kill_switch(self, on: bool) -> None:
        self.set_kill_switch(on)

    def set_kill_switch(self, on: bool, reason: str = "") -> None:
        """Refuse every new order while on (cancels still go through)."""
        if on == bool(self.killswitch):
            return
        if on:
            reason = reason or _("engaged by the user")
            self.killswitch.engage(reason)
            self.set_gate(
                Gate.KILL_SWITCH, False, _("kill switch ON ({reason})").format(reason=reason)
            )
            self.notify(
                NoticeKind.KILL_SWITCH,
                _("Kill switch ON ({reason}): new orders refused").format(reason=reason),
                NoticeLevel.WARNING,
            )
        else:
            self.killswitch.release()
            self.set_gate(Gate.KILL_SWITCH, True)
            self.notify(NoticeKind.KILL_SWITCH, _("Kill switch off"))

    # ------------------------------------------------------------------ gates

    def _blocked(self) -> SubmitResult | None:
        """Order-creating actions and changes: every gate but the kill switch (which the
        pre-trade check REFUSES with its finding)."""
        closed = self.gates.closed(ignore=_ENTRY_IGNORES)
        if not closed:
            return None
        gate, why = closed[0]
        if gate is Gate.EXCHANGE_OPEN and self.halts.reason is not None:
            why = _("order entry halted: {reason}").format(reason=self.halts.reason)
        return SubmitResult(Outcome.BLOCKED, reason=why)

    def _cancel_blocked(self) -> SubmitResult | None:
        for gate in _CANCEL_GATES:
            why = self.gates.reason_of(gate)
            if why is not None:
                return SubmitResult(Outcome.BLOCKED, reason=why)
        return None

    def _identical_unresolved(self, key: IntentKey) -> JournalEntry | None:
        for intent_id, other in self._inflight.items():
            if other == key:
                return self.journal.get(intent_id)
        for entry in self.journal.unresolved():
            if entry.kind.creates_order and entry_key(entry) == key:
                return entry
        return None

    def _identical_blocked(self, key: IntentKey) -> SubmitResult | None:
        same = self._identical_unresolved(key)
        if same is None:
            return None
        return SubmitResult(
            Outcome.BLOCKED,
            intent_id=same.id,
            reason=_(
                "an identical order (intent {id}) is still {state}: wait until it is resolved"
            ).format(id=same.id, state=_(same.state.value)),
        )

    # ------------------------------------------------------------------ pure pre-trade checks

    def check(self, intent: OrderIntent, *, confirmed: bool = False) -> SubmitResult | None:
        """Pre-trade checks, no I/O: ``None`` when the order may go; REFUSED (hard findings,
        incl. the hard notional limit and the kill switch); NEEDS_CONFIRM (soft findings)."""
        rule = self.rules.get(intent.symbol)
        if rule is None:
            return SubmitResult(
                Outcome.REFUSED, reason=_("unknown symbol {symbol}").format(symbol=intent.symbol)
            )
        book = self.books.get(intent.symbol)
        result = check_order(
            intent, rule, book, self.limits, self.clock(), kill_switch=self.killswitch
        )
        if result.refused:
            return SubmitResult(Outcome.REFUSED, findings=result.hard, reason=_("pre-trade checks"))
        if result.needs_confirmation and not confirmed:
            return SubmitResult(
                Outcome.NEEDS_CONFIRM, findings=result.soft, reason=_("confirm to send")
            )
        return None

    def check_change(
        self, order_id: int, price: Decimal, *, confirmed: bool = False
    ) -> SubmitResult | None:
        """The new price checked as a new order at that price for the order's remaining size
        (a change far from the touch is a soft finding, beyond the hard level refused)."""
        tracked = self.tracker.get(order_id)
        if tracked is None:
            return SubmitResult(Outcome.REFUSED, order_id=order_id, reason=_("unknown order"))
        if tracked.execution_type is ExecutionType.MARKET:
            return SubmitResult(
                Outcome.REFUSED,
                order_id=order_id,
                reason=_("a MARKET order has no price to change"),
            )
        probe = OrderIntent(
            symbol=tracked.symbol,
            side=tracked.side,
            execution_type=tracked.execution_type,
            size=tracked.remaining if tracked.remaining > 0 else tracked.size,
            price=price,
        )
        return self.check(probe, confirmed=confirmed)

    def _close_intent(
        self,
        position: models.Position,
        size: Decimal | None,
        execution_type: ExecutionType,
        price: Decimal | None,
    ) -> OrderIntent:
        return OrderIntent(
            symbol=position.symbol,
            side=position.side.opposite,
            execution_type=execution_type,
            size=position.size if size is None else size,
            price=None if execution_type is ExecutionType.MARKET else price,
            settle="close",
            position_id=position.position_id,
        )

    def check_close(
        self,
        position_id: int,
        size: Decimal | None = None,
        *,
        execution_type: ExecutionType = ExecutionType.MARKET,
        price: Decimal | None = None,
        confirmed: bool = False,
    ) -> SubmitResult | None:
        """The close order's checks (for MARKET: book depth and the slippage estimate) on the
        position as ``positions`` holds it; ``size`` None closes all of it."""
        position = self.positions.get(position_id)
        if position is None:
            return SubmitResult(
                Outcome.REFUSED, reason=_("unknown position {id}").format(id=position_id)
            )
        intent = self._close_intent(position, size, execution_type, price)
        return self.check(intent, confirmed=confirmed)

    def _close_all_sizes(self, symbol: str, side: Side | None) -> dict[Side, Decimal]:
        """The closing order's side -> total size of the positions it closes."""
        sizes: dict[Side, Decimal] = {}
        for position in self.positions.all(symbol):
            order_side = position.side.opposite
            if side is None or order_side is side:
                sizes[order_side] = sizes.get(order_side, Decimal(0)) + position.size
        return sizes

    def check_close_all(
        self, symbol: str, side: Side | None = None, *, confirmed: bool = False
    ) -> SubmitResult | None:
        """closeBulkOrder's checks. ``side`` is the closing ORDER's side as in GMO's API (SELL
        closes the BUY positions); ``None``: every position of ``symbol``."""
        sizes = self._close_all_sizes(symbol, side)
        if not sizes:
            match side:
                case None:
                    why = _("no positions on {symbol}")
                case Side.SELL:
                    why = _("no BUY positions on {symbol}")
                case Side.BUY:
                    why = _("no SELL positions on {symbol}")
            return SubmitResult(Outcome.REFUSED, reason=why.format(symbol=symbol))
        needs: SubmitResult | None = None
        for order_side, size in sorted(sizes.items()):
            intent = OrderIntent(
                symbol, order_side, ExecutionType.MARKET, size, settle="close", position_id=0
            )  # a bulk close settles several positions: 0 stands for "no single one"
            result = self.check(intent, confirmed=confirmed)
            if result is not None and result.outcome is Outcome.REFUSED:
                return result
            if result is not None and needs is None:
                needs = result
        return needs

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
            intent_id = await self.journal_write(
                self.journal.record_intent,
                kind,
                symbol=intent.symbol,
                side=intent.side.value,
                execution_type=intent.execution_type.value,
                size=intent.size,
                price=intent.price,
                time_in_force=None if intent.time_in_force is None else intent.time_in_force.value,
                losscut_price=intent.losscut_price,
                cancel_before=intent.cancel_before,
                position_id=intent.position_id,
            )
            self._inflight[intent_id] = key
        self.tracker.track_intent(str(intent_id), intent)
        self.changed(AccountPart.ORDERS)
        self._stage("journaled", intent_id)
        cancel_before = True if intent.cancel_before else None
        try:
            if intent.is_close:
                if intent.position_id is None:
                    raise ValueError("a close intent needs a position id")
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
        await self.journal_write(self.journal.mark_sent, intent_id, sent_ms)
        if self.tracker.by_key(key) is not None:
            self.tracker.mark_sent(key, datetime.fromtimestamp(sent_ms / 1000, tz=UTC))
        self._stage("sending", intent_id)
        try:
            order_id = int(await call)
        except asyncio.CancelledError:
            await asyncio.shield(
                self.journal_write(self.journal.mark_unknown, intent_id, "cancelled in flight")
            )
            if self.tracker.by_key(key) is not None:
                self.tracker.mark_unknown(key)
            self.reconciler.start_resolution(intent_id)
            raise
        except ReplyLost as exc:
            self._stage("sent", intent_id)
            return await self._lost(intent_id, exc)
        except GmoError as exc:
            self._stage("sent", intent_id)
            return await self._failed(intent_id, exc)
        self._stage("sent", intent_id)
        await self.journal_write(self.journal.mark_accepted, intent_id, order_id)
        if self.tracker.by_key(key) is not None:
            self.tracker.mark_accepted(key, order_id)
        self.changed(AccountPart.ORDERS)
        self._stage("replied", intent_id)
        # fills or an end may have come over the socket before the reply: journal them now
        tracked = self.tracker.get(order_id)
        if tracked is not None and (tracked.filled > 0 or tracked.is_terminal):
            await self.journal_order_state(order_id)
        return SubmitResult(Outcome.ACCEPTED, order_id=order_id, intent_id=intent_id)

    async def _failed(self, intent_id: int, exc: GmoError) -> SubmitResult:
        key = str(intent_id)
        if isinstance(exc, ApiError):
            code = exc.code or f"status {exc.status}"
            await self.journal_write(self.journal.mark_rejected, intent_id, code, str(exc))
            if self.tracker.by_key(key) is not None:
                self.tracker.mark_rejected(key, code)
            self.on_rest_error(exc)
            self.notify(
                NoticeKind.REJECTED,
                _("Rejected: {error}").format(error=exc),
                NoticeLevel.ERROR,
                intent_id=intent_id,
            )
            return SubmitResult(Outcome.REJECTED, intent_id=intent_id, error=exc)
        # ValidationError, or a TransportError before anything was sent: nothing reached it
        await self.journal_write(self.journal.mark_rejected, intent_id, "NOT_SENT", str(exc))
        if self.tracker.by_key(key) is not None:
            self.tracker.mark_rejected(key, "NOT_SENT")
        self.notify(
            NoticeKind.REJECTED,
            _("Not sent: {error}").format(error=exc),
            NoticeLevel.ERROR,
            intent_id=intent_id,
        )
        return SubmitResult(Outcome.REJECTED, intent_id=intent_id, error=exc, reason=_("not sent"))

    async def _lost(self, intent_id: int, exc: BaseException) -> SubmitResult:
        await self.journal_write(
            self.journal.mark_unknown, intent_id, f"reply lost: {type(exc).__name__}"
        )
        if self.tracker.by_key(str(intent_id)) is not None:
            self.tracker.mark_unknown(str(intent_id))
        self.notify(
            NoticeKind.UNKNOWN,
            _(
                "Reply lost (intent {id}): outcome UNKNOWN; looking for it on the exchange, "
                "it will not be re-sent"
            ).format(id=intent_id),
            NoticeLevel.WARNING,
            intent_id=intent_id,
        )
        self.reconciler.start_resolution(intent_id)
        return SubmitResult(Outcome.UNKNOWN, intent_id=intent_id, error=exc)

    # ------------------------------------------------------------------ change / cancel

    async def _send_plain(
        self, kind: IntentKind, call: Callable[[], Awaitable[T]], **fields: Any
    ) -> tuple[int, T | None, GmoError | None]:
        """Journal, send and time-stamp a request that creates no order."""
        intent_id = await self.journal_write(self.journal.record_intent, kind, **fields)
        self._stage("journaled", intent_id)
        await self.journal_write(self.journal.mark_sent, intent_id, self.exchange_now_ms())
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
        """changeOrder, after :meth:`check_change` (HARD: REFUSED; SOFT: NEEDS_CONFIRM unless
        ``confirmed``; the kill switch refuses changes too). Blocked while an earlier change of
        the same order is unresolved. A lost reply is UNKNOWN, resolved by reading the order."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        for entry in self.journal.unresolved():
            if entry.kind is IntentKind.CHANGE and entry.target_order_id == order_id:
                return SubmitResult(
                    Outcome.BLOCKED,
                    order_id=order_id,
                    intent_id=entry.id,
                    reason=_("a change of order {order_id} (intent {id}) is still {state}").format(
                        order_id=order_id, id=entry.id, state=_(entry.state.value)
                    ),
                )
        tracked = self.tracker.get(order_id)
        if tracked is not None:
            refused = self.check_change(order_id, price, confirmed=confirmed)
            if refused is not None:
                return refused
        intent_id, _sent, exc = await self._send_plain(
            IntentKind.CHANGE,
            lambda: self.rest.change_order(order_id, price, losscut_price),
            target_order_id=order_id,
            symbol=None if tracked is None else tracked.symbol,
            price=price,
            losscut_price=losscut_price,
        )
        if exc is None:
            await self.journal_write(self.journal.mark_accepted, intent_id)
            if tracked is not None:
                self.tracker.mark_modifying(order_id)
                self.changed(AccountPart.ORDERS)
            self._stage("replied", intent_id)
            return SubmitResult(Outcome.ACCEPTED, order_id=order_id, intent_id=intent_id)
        if isinstance(exc, ReplyLost):
            if tracked is not None:
                self.tracker.mark_modifying(order_id)
            await self._lost(intent_id, exc)
            return SubmitResult(Outcome.UNKNOWN, order_id=order_id, intent_id=intent_id, error=exc)
        result = await self._failed(intent_id, exc)
        if isinstance(exc, OrderNotChangeableError | OrderNotFoundError):
            found = await self.query_race(order_id, "change")
            return SubmitResult(
                Outcome.REJECTED, order_id=order_id, intent_id=intent_id, error=exc, order=found
            )
        return result

    async def cancel(self, order_id: int) -> SubmitResult:
        """cancelOrder (allowed with the kill switch on). On ERR-5122/5123 the order is
        queried and its fills recorded: a fill wins the race."""
        blocked = self._cancel_blocked()
        if blocked is not None:
            return blocked
        tracked = self.tracker.get(order_id)
        intent_id, _sent, exc = await self._send_plain(
            IntentKind.CANCEL,
            lambda: self.rest.cancel_order(order_id),
            target_order_id=order_id,
            symbol=None if tracked is None else tracked.symbol,
        )
        if exc is None:
            await self.journal_write(self.journal.mark_accepted, intent_id)
            if tracked is not None:
                self.tracker.mark_cancelling(order_id)
                self.changed(AccountPart.ORDERS)
            self._stage("replied", intent_id)
            return SubmitResult(Outcome.ACCEPTED, order_id=order_id, intent_id=intent_id)
        if isinstance(exc, ReplyLost):
            await self.journal_write(self.journal.mark_unknown, intent_id, "reply lost")
            self.reconciler.start_resolution(intent_id)
            return SubmitResult(Outcome.UNKNOWN, order_id=order_id, intent_id=intent_id, error=exc)
        await self._failed(intent_id, exc)
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
        await self.apply_orders(orders)
        await self.reconciler.backfill_fills(orders)
        order = orders[0] if orders else None
        if order is None:
            self.notify(
                NoticeKind.CANCEL_RACE,
                (
                    _("Could not cancel order {order_id}: the exchange does not know it")
                    if what == "cancel"
                    else _("Could not change order {order_id}: the exchange does not know it")
                ).format(order_id=order_id),
                NoticeLevel.WARNING,
                order_id=order_id,
            )
            return None
        filled = (
            _(" (filled {executed} of {size})").format(
                executed=order.executed_size, size=order.size
            )
            if order.executed_size
            else ""
        )
        said = (
            _("Could not cancel order {order_id}: it is {status}{filled}")
            if what == "cancel"
            else _("Could not change order {order_id}: it is {status}{filled}")
        )
        self.notify(
            NoticeKind.CANCEL_RACE,
            said.format(order_id=order_id, status=_(order.status.value), filled=filled),
            NoticeLevel.WARNING,
            order_id=order_id,
        )
        return order

    async def cancel_all(self, symbol: str) -> SubmitResult:
        """cancelBulkOrder for one symbol (allowed with the kill switch on)."""
        blocked = self._cancel_blocked()
        if blocked is not None:
            return blocked
        intent_id, reply, exc = await self._send_plain(
            IntentKind.CANCEL_BULK, lambda: self.rest.cancel_bulk_order([symbol]), symbol=symbol
        )
        if exc is None:
            ids = tuple(int(i) for i in reply or ())
            await self.journal_write(self.journal.mark_accepted, intent_id)
            await self.journal_write(
                self.journal.add_event, intent_id, "cancelling", order_ids=list(ids)
            )
            for order_id in ids:
                self.tracker.mark_cancelling(order_id)
            self.changed(AccountPart.ORDERS)
            return SubmitResult(Outcome.ACCEPTED, intent_id=intent_id, order_ids=ids)
        if isinstance(exc, ReplyLost):
            await self.journal_write(self.journal.mark_unknown, intent_id, "reply lost")
            self.reconciler.start_resolution(intent_id)
            return SubmitResult(Outcome.UNKNOWN, intent_id=intent_id, error=exc)
        return await self._failed(intent_id, exc)

    # ------------------------------------------------------------------ positions

    async def close(
        self,
        position_id: int,
        size: Decimal | None = None,
        *,
        execution_type: ExecutionType = ExecutionType.MARKET,
        price: Decimal | None = None,
        confirmed: bool = False,
    ) -> SubmitResult:
        """closeOrder for (part of) one position (``size`` None: all of it): the closing side
        is opposite the position's. Goes through the same checks as :meth:`submit`."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        position = await self._position(position_id)
        if position is None:
            return SubmitResult(
                Outcome.REFUSED, reason=_("unknown position {id}").format(id=position_id)
            )
        intent = self._close_intent(position, size, execution_type, price)
        return await self.submit(intent, confirmed=confirmed)

    async def _position(self, position_id: int) -> models.Position | None:
        found = self.positions.get(position_id)
        if found is not None:
            return found
        await self.reconciler.load_positions(sorted(s for s in self.rules if s.endswith("_JPY")))
        return self.positions.get(position_id)

    async def close_all(
        self, symbol: str, side: Side | None = None, *, confirmed: bool = False
    ) -> SubmitResult:
        """closeBulkOrder: a MARKET order on ``side`` (the closing ORDER's side, as in GMO's
        API: SELL closes the BUY positions) for the total size of the positions it closes, as
        read from the exchange just before. ``side`` None closes both sides (one request per
        side; the first result that is not ACCEPTED is returned, else the last)."""
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        await self.reconciler.load_positions([symbol])
        refused = self.check_close_all(symbol, side, confirmed=confirmed)
        if refused is not None:
            return refused
        result = SubmitResult(
            Outcome.REFUSED, reason=_("no positions on {symbol}").format(symbol=symbol)
        )
        for order_side, size in sorted(self._close_all_sizes(symbol, side).items()):
            result = await self._close_bulk(symbol, order_side, size)
            if result.outcome is not Outcome.ACCEPTED:
                return result
        return result

    async def _close_bulk(self, symbol: str, side: Side, size: Decimal) -> SubmitResult:
        key = intent_key(symbol, side, ExecutionType.MARKET, size, None)
        async with self._lock:
            blocked = self._identical_blocked(key)
            if blocked is not None:
                return blocked
            intent_id = await self.journal_write(
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
        intent_id, _sent, exc = await self._send_plain(
            IntentKind.CHANGE_LOSSCUT,
            lambda: self.rest.change_losscut_price(position_id, losscut_price),
            position_id=position_id,
            losscut_price=losscut_price,
        )
        if exc is None:
            await self.journal_write(self.journal.mark_accepted, intent_id)
            return SubmitResult(Outcome.ACCEPTED, intent_id=intent_id)
        if isinstance(exc, ReplyLost):
            # setting a losscut price is idempotent: the user may simply set it again
            await self.journal_write(
                self.journal.mark_resolved, intent_id, None, "reply lost; re-check the position"
            )
            return SubmitResult(Outcome.UNKNOWN, intent_id=intent_id, error=exc)
        return await self._failed(intent_id, exc)

    # ------------------------------------------------------------------ lifecycle (delegates)

    async def start(self) -> None:
        """Start-up: status, journal reconciliation, then :meth:`reconcile` (START); RECONCILED
        opens when done (see :class:`~gmo_tui.trading.reconcile.Reconciler`)."""
        await self.reconciler.start()

    async def aclose(self) -> None:
        """Stop the background tasks (status polling, lost-reply resolution)."""
        await self.halts.aclose()
        await self.reconciler.aclose()

    async def reconcile(self, reason: ReconcileReason) -> ReconcileReport:
        """Read the account back over REST and apply it; see :meth:`Reconciler.reconcile`."""
        return await self.reconciler.reconcile(reason)

    def reconcile_due(self, now: float) -> bool:
        """``now`` on the service's ``clock`` (``time.time()``); see :meth:`Reconciler.due`."""
        return self.reconciler.due(now)

    def has_open_state(self) -> bool:
        """Anything working, open or unresolved: orders, positions, journal intents."""
        return self.reconciler.has_open_state()

    async def on_private_reconnected(self) -> None:
        """The private stream is LIVE again after a reconnect: reconcile what was missed."""
        await self.reconciler.on_private_reconnected()

    async def on_stream_status(self, status: object) -> None:
        """Feed every StreamStatus of the private stream (see :meth:`Reconciler.on_stream_status`)."""
        await self.reconciler.on_stream_status(status)

    async def on_exchange_status(self, status: models.Status | str) -> None:
        """Feed the exchange status (OPEN / MAINTENANCE / PREOPEN) from the poll or socket."""
        await self.halts.on_exchange_status(status)

    async def wait_resolved(self, timeout: float | None = None) -> None:
        """Wait until every lost-reply resolution in progress has finished."""
        await self.reconciler.wait_resolved(timeout)

    @property
    def unknown_intents(self) -> list[JournalEntry]:
        """Intents whose outcome is still unknown (show them as UNKNOWN)."""
        return self.reconciler.unknown_intents()

    async def acknowledge_unknown(self, intent_id: int, order_id: int | None = None) -> None:
        """The trader settles an UNKNOWN intent by hand (its order, or none): identical
        intents are no longer blocked by it. Journaled off the loop."""
        await self.reconciler.acknowledge_unknown(intent_id, order_id)

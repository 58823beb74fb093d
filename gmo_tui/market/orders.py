"""The order state machine and the tracker of the user's orders.

States (:class:`OrderState`): the exchange's statuses WAITING, ORDERED, MODIFYING, CANCELLING,
CANCELED, EXECUTED, EXPIRED, plus local ones:

* PENDING: the intent is journaled, not yet sent;
* SENT: the request is on the wire, awaiting the reply;
* UNKNOWN: the reply was lost; the outcome is unknown (never "failed"); the trading layer
  looks for it with :func:`find_lost_order`;
* REJECTED: the exchange refused it with an error code (``error_code``);
* ABANDONED: the intent never became an exchange order (journaled but never sent, or a lost
  reply resolved as "not placed").

:data:`TRANSITIONS` is the one table of allowed state changes. Rules enforced on every update:

* the filled size never decreases and never exceeds the order size (an over-report is
  clamped and counted as an anomaly);
* reaching ``filled == size`` makes the order EXECUTED;
* terminal states (CANCELED, EXPIRED, EXECUTED, REJECTED, ABANDONED) change only by a *late
  fill*: a CANCELED or EXPIRED order that receives a fill keeps its state with the larger filled
  size, or becomes EXECUTED if the fill completes it. Status reports for a terminal order are
  otherwise ignored (counted as stale);
* an event whose transition is not in the table (e.g. a reordered ORDERED after CANCELED), an
  unknown ``msgType`` or a mismatching symbol/side is logged (``logging``) and counted in
  ``anomalies``; nothing raises.

Fills are de-duplicated per order by ``executionId``; the filled size is the larger of the sum of
distinct fills seen and the exchange's reported executed size. Fills from REST for an order the
tracker does not know yet are parked and applied when the order shows up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from gmo_tui.exchange.enums import ExecutionType, OrderStatus, SettleType, Side, TimeInForce
from gmo_tui.exchange.models import ORDER_MSG_TYPES, Execution, ExecutionEvent, Order, OrderEvent
from gmo_tui.market.intent import OrderIntent

__all__ = [
    "ACTIVE",
    "IN_FLIGHT",
    "TERMINAL",
    "TRANSITIONS",
    "OrderIntent",
    "OrderState",
    "OrderTracker",
    "Resolution",
    "ResolutionStatus",
    "TrackedOrder",
    "can_transition",
    "find_lost_order",
]

log = logging.getLogger(__name__)

_ZERO = Decimal(0)


class OrderState(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    UNKNOWN = "UNKNOWN"
    REJECTED = "REJECTED"
    ABANDONED = "ABANDONED"
    WAITING = "WAITING"
    ORDERED = "ORDERED"
    MODIFYING = "MODIFYING"
    CANCELLING = "CANCELLING"
    CANCELED = "CANCELED"
    EXECUTED = "EXECUTED"
    EXPIRED = "EXPIRED"

    @classmethod
    def from_status(cls, status: OrderStatus) -> OrderState:
        return cls(status.value)

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @property
    def is_active(self) -> bool:
        """Live at the exchange (WAITING, ORDERED, MODIFYING, CANCELLING)."""
        return self in ACTIVE

    @property
    def is_in_flight(self) -> bool:
        """Local, outcome not known yet (PENDING, SENT, UNKNOWN)."""
        return self in IN_FLIGHT


S = OrderState
ACTIVE = frozenset({S.WAITING, S.ORDERED, S.MODIFYING, S.CANCELLING})
IN_FLIGHT = frozenset({S.PENDING, S.SENT, S.UNKNOWN})
TERMINAL = frozenset({S.CANCELED, S.EXECUTED, S.EXPIRED, S.REJECTED, S.ABANDONED})
_EXCHANGE_ANY = frozenset(
    {S.WAITING, S.ORDERED, S.MODIFYING, S.CANCELLING, S.CANCELED, S.EXECUTED, S.EXPIRED}
)

TRANSITIONS: dict[OrderState, frozenset[OrderState]] = {
    S.PENDING: frozenset({S.SENT, S.UNKNOWN, S.REJECTED, S.ABANDONED}) | _EXCHANGE_ANY,
    S.SENT: frozenset({S.UNKNOWN, S.REJECTED}) | _EXCHANGE_ANY,
    S.UNKNOWN: frozenset({S.ABANDONED}) | _EXCHANGE_ANY,
    S.WAITING: frozenset({S.ORDERED, S.MODIFYING, S.CANCELLING, S.CANCELED, S.EXECUTED, S.EXPIRED}),
    S.ORDERED: frozenset({S.MODIFYING, S.CANCELLING, S.CANCELED, S.EXECUTED, S.EXPIRED}),
    S.MODIFYING: frozenset({S.WAITING, S.ORDERED, S.CANCELLING, S.CANCELED, S.EXECUTED, S.EXPIRED}),
    S.CANCELLING: frozenset({S.WAITING, S.ORDERED, S.CANCELED, S.EXECUTED, S.EXPIRED}),
    # Terminal: only a late fill that completes the order (see the module docstring).
    S.CANCELED: frozenset({S.EXECUTED}),
    S.EXPIRED: frozenset({S.EXECUTED}),
    S.EXECUTED: frozenset(),
    S.REJECTED: frozenset(),
    S.ABANDONED: frozenset(),
}
"""Allowed changes ``state -> {next states}``; staying in the same state is always allowed."""


def can_transition(current: OrderState, target: OrderState) -> bool:
    return target == current or target in TRANSITIONS[current]


@dataclass(slots=True, eq=False)
class TrackedOrder:
    """One order the tracker follows: a local intent, an exchange order, or both once bound."""

    key: str
    """Local intent id, or ``"#<orderId>"`` for an order first seen from the exchange."""
    symbol: str
    side: Side
    execution_type: ExecutionType
    size: Decimal
    price: Decimal | None
    state: OrderState
    order_id: int | None = None
    filled: Decimal = _ZERO
    time_in_force: TimeInForce | None = None
    losscut_price: Decimal | None = None
    settle_type: str | None = None
    ordered_at: datetime | None = None
    """Exchange order timestamp."""
    sent_at: datetime | None = None
    updated_at: datetime | None = None
    error_code: str | None = None
    cancel_type: str | None = None
    from_intent: bool = False
    """True when created by :meth:`OrderTracker.track_intent` (a claim on its order id)."""
    fill_ids: set[int] = field(default_factory=set)
    fill_sum: Decimal = _ZERO
    seq: int = 0
    intent: OrderIntent | None = None
    """The intent this order came from (``None`` for orders first seen from the exchange)."""

    @property
    def remaining(self) -> Decimal:
        return self.size - self.filled

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def wire_price(self) -> Decimal:
        return self.price if self.price is not None else _ZERO


# ------------------------------------------------------------------------------ lost replies


class ResolutionStatus(StrEnum):
    FOUND = "found"  # ``order_id`` set
    NOT_FOUND = "not_found"  # nothing matched (which never proves the order was not placed)
    AMBIGUOUS = "ambiguous"  # ``candidates`` lists every matching order id; never guessed


@dataclass(frozen=True, slots=True)
class Resolution:
    """Outcome of looking for the order behind a lost reply (see :class:`ResolutionStatus`)."""

    status: ResolutionStatus
    order_id: int | None = None
    candidates: tuple[int, ...] = ()
    order: Order | None = None
    executions: tuple[Execution, ...] = ()

    @property
    def found(self) -> bool:
        return self.status is ResolutionStatus.FOUND


def find_lost_order(
    intent: OrderIntent,
    sent_at: datetime,
    orders: Iterable[Order] = (),
    executions: Iterable[Execution] = (),
    *,
    window: timedelta = timedelta(seconds=10),
    claimed: Iterable[int] = (),
) -> Resolution:
    """Find the exchange order created by a request whose reply was lost.

    An order row (``activeOrders``, or ``/v1/orders`` by id) matches when it has the intent's
    symbol, side, execution type, size, price (MARKET orders report price ``0``) and settle
    type (margin symbols: OPEN for an order, CLOSE for a close order), its OWN timestamp (when
    the exchange created it) is within ``window`` of ``sent_at`` (either side, to absorb clock
    offset), and its id is not in ``claimed`` (bound to another intent). The time of a fill
    says nothing: a resting order may fill long after it was placed. So ``executions`` only
    travel with the match (``Resolution.executions``); an order known only from its fills is
    not matched: fetch its row first (the trading layer does). Two or more matching ids give
    AMBIGUOUS (never guessed); none gives NOT_FOUND, which never proves the order was not
    placed (one canceled without a fill leaves no row to read without its id).
    """
    claimed_ids = set(claimed)
    want_settle: SettleType | None = None
    if intent.symbol.endswith("_JPY"):  # margin: /v1/order opens, /v1/closeOrder closes
        want_settle = SettleType.CLOSE if intent.is_close else SettleType.OPEN
    matches: dict[int, Order] = {}
    for o in orders:
        if (
            o.order_id not in claimed_ids
            and o.symbol == intent.symbol
            and o.side is intent.side
            and o.execution_type is intent.execution_type
            and o.size == intent.size
            and o.price == intent.wire_price
            and (want_settle is None or o.settle_type is want_settle)
            and abs(o.timestamp - sent_at) <= window
        ):
            matches[o.order_id] = o
    if not matches:
        return Resolution(ResolutionStatus.NOT_FOUND)
    if len(matches) > 1:
        return Resolution(ResolutionStatus.AMBIGUOUS, candidates=tuple(sorted(matches)))
    ((order_id, order),) = matches.items()
    return Resolution(
        ResolutionStatus.FOUND,
        order_id=order_id,
        candidates=(order_id,),
        order=order,
        executions=tuple(e for e in executions if e.order_id == order_id),
    )


# ------------------------------------------------------------------------------ tracker


class OrderTracker:
    """The user's orders keyed by orderId (and by local intent key while not yet accepted)."""

    def __init__(self) -> None:
        self._by_key: dict[str, TrackedOrder] = {}
        self._by_id: dict[int, TrackedOrder] = {}
        self._parked: dict[int, dict[int, Execution]] = {}
        self._seq = 0
        self.anomalies = 0
        """Events that were out of order, unknown or inconsistent (logged, never raised)."""
        self.stale = 0
        """Status reports ignored because the order was already terminal or further along."""
        self.last_anomaly: str | None = None
        self.version = 0
        """Grows on every change, so panes can skip repaints."""

    # ---------------------------------------------------------------- lookups

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[TrackedOrder]:
        return iter(self._by_key.values())

    def get(self, order_id: int) -> TrackedOrder | None:
        return self._by_id.get(order_id)

    def by_key(self, key: str) -> TrackedOrder | None:
        return self._by_key.get(key)

    def orders(self, symbol: str | None = None) -> list[TrackedOrder]:
        """Every tracked order, newest first."""
        out = [o for o in self._by_key.values() if symbol is None or o.symbol == symbol]
        out.sort(key=lambda o: o.seq, reverse=True)
        return out

    def active(
        self, symbol: str | None = None, *, include_in_flight: bool = True
    ) -> list[TrackedOrder]:
        """Orders live at the exchange (and, by default, local ones not resolved yet)."""
        states = ACTIVE | IN_FLIGHT if include_in_flight else ACTIVE
        return [o for o in self.orders(symbol) if o.state in states]

    def unresolved(self) -> list[TrackedOrder]:
        """Local intents in PENDING, SENT or UNKNOWN."""
        return [o for o in self.orders() if o.state in IN_FLIGHT]

    def own_levels(self, symbol: str, side: Side | None = None) -> dict[Decimal, Decimal]:
        """Remaining size of the user's resting LIMIT orders by price (ladder markers)."""
        levels: dict[Decimal, Decimal] = {}
        for o in self._by_key.values():
            if (
                o.symbol == symbol
                and o.state in (S.ORDERED, S.MODIFYING, S.CANCELLING)
                and o.execution_type is ExecutionType.LIMIT
                and o.price is not None
                and (side is None or o.side == side)
                and o.remaining > 0
            ):
                levels[o.price] = levels.get(o.price, _ZERO) + o.remaining
        return levels

    def claimed_ids(self) -> set[int]:
        """Order ids bound to local intents."""
        return {
            o.order_id for o in self._by_key.values() if o.from_intent and o.order_id is not None
        }

    # ---------------------------------------------------------------- local lifecycle

    def track_intent(
        self, key: str, intent: OrderIntent, state: OrderState = S.PENDING
    ) -> TrackedOrder:
        """Start following a local intent under ``key`` (the journal's intent id)."""
        if key in self._by_key:
            raise KeyError(f"intent {key!r} is already tracked")
        if key.startswith("#"):
            raise ValueError("intent keys must not start with '#'")
        self._seq += 1
        rec = TrackedOrder(
            key=key,
            symbol=intent.symbol,
            side=intent.side,
            execution_type=intent.execution_type,
            size=intent.size,
            price=intent.price,
            state=state,
            time_in_force=intent.time_in_force,
            losscut_price=intent.losscut_price,
            settle_type="CLOSE" if intent.is_close else "OPEN",
            from_intent=True,
            seq=self._seq,
            intent=intent,
        )
        self._by_key[key] = rec
        self.version += 1
        return rec

    def _local(self, key: str, target: OrderState, **changes: object) -> TrackedOrder | None:
        rec = self._by_key.get(key)
        if rec is None:
            self._anomaly(f"unknown intent {key!r} for {target.value}")
            return None
        if not can_transition(rec.state, target):
            self._anomaly(f"intent {key!r}: {rec.state.value} -> {target.value} not allowed")
            return rec
        rec.state = target
        for name, value in changes.items():
            setattr(rec, name, value)
        self.version += 1
        return rec

    def mark_sent(self, key: str, sent_at: datetime) -> TrackedOrder | None:
        return self._local(key, S.SENT, sent_at=sent_at)

    def mark_unknown(self, key: str) -> TrackedOrder | None:
        return self._local(key, S.UNKNOWN)

    def mark_rejected(self, key: str, error_code: str) -> TrackedOrder | None:
        return self._local(key, S.REJECTED, error_code=error_code)

    def mark_abandoned(self, key: str) -> TrackedOrder | None:
        return self._local(key, S.ABANDONED)

    def mark_cancelling(self, order_id: int) -> TrackedOrder | None:
        """A cancel was sent for ``order_id``: show CANCELLING until the exchange says more.

        If the cancel fails (ERR-5122/5123), apply the order's REST row: CANCELLING -> ORDERED
        or -> EXECUTED are both in the table.
        """
        return self._expect(order_id, S.CANCELLING)

    def mark_modifying(self, order_id: int) -> TrackedOrder | None:
        """A change was sent for ``order_id``: show MODIFYING until the exchange says more."""
        return self._expect(order_id, S.MODIFYING)

    def _expect(self, order_id: int, target: OrderState) -> TrackedOrder | None:
        rec = self._by_id.get(order_id)
        if rec is None:
            self._anomaly(f"unknown order {order_id} for {target.value}")
            return None
        if rec.state in (S.ORDERED, S.WAITING) and can_transition(rec.state, target):
            rec.state = target
            self.version += 1
        return rec

    def mark_accepted(self, key: str, order_id: int) -> TrackedOrder | None:
        """The exchange answered with ``order_id``: bind it (merging any event-first record)."""
        rec = self._by_key.get(key)
        if rec is None:
            self._anomaly(f"unknown intent {key!r} accepted as {order_id}")
            return None
        if rec.order_id is None and rec.state in TERMINAL:
            self._anomaly(f"intent {key!r} is {rec.state.value}; cannot accept {order_id}")
            return rec
        if rec.order_id is not None and rec.order_id != order_id:
            self._anomaly(f"intent {key!r} already bound to {rec.order_id}, not {order_id}")
            return rec
        other = self._by_id.get(order_id)
        if other is not None and other is not rec:
            if other.from_intent:
                self._anomaly(f"order {order_id} already claimed by intent {other.key!r}")
                return rec
            # The exchange's events got here first: fold what they said into the intent.
            del self._by_key[other.key]
            rec.fill_ids |= other.fill_ids
            rec.fill_sum = max(rec.fill_sum, other.fill_sum)
            rec.ordered_at = other.ordered_at
            rec.cancel_type = other.cancel_type
            if other.price is not None and rec.execution_type is not ExecutionType.MARKET:
                rec.price = other.price
            rec.order_id = order_id
            self._by_id[order_id] = rec
            if rec.state in IN_FLIGHT:
                rec.state = S.ORDERED
            self._update(rec, other.state, other.filled, "merge")
        else:
            rec.order_id = order_id
            self._by_id[order_id] = rec
            if rec.state in IN_FLIGHT:
                rec.state = S.ORDERED
        self._drain_parked(rec)
        self.version += 1
        return rec

    # ---------------------------------------------------------------- exchange input

    def apply_order_event(self, ev: OrderEvent) -> TrackedOrder | None:
        """An ``orderEvents`` frame (NOR/ROR/COR/ER)."""
        if ev.msg_type not in ORDER_MSG_TYPES:
            self._anomaly(f"order {ev.order_id}: unknown msgType {ev.msg_type!r}")
            return None
        if ev.order_size <= 0 or ev.order_executed_size < 0:  # (an overfill is clamped below)
            self._anomaly(f"order {ev.order_id}: impossible sizes in an orderEvent")
            return None
        rec = self._by_id.get(ev.order_id)
        if rec is None:
            rec = self._adopt(
                ev.order_id,
                ev.symbol,
                ev.side,
                ev.execution_type,
                ev.order_size,
                ev.order_price,
                ev.order_timestamp,
                ev.time_in_force,
                S.from_status(ev.order_status),
                ev.settle_type.value,
            )
        elif not self._consistent(rec, ev.symbol, ev.side, ev.order_size, "orderEvent"):
            return rec
        if not rec.is_terminal:
            if rec.execution_type is not ExecutionType.MARKET:
                rec.price = ev.order_price
            rec.losscut_price = ev.losscut_price
            if ev.cancel_type is not None:
                rec.cancel_type = ev.cancel_type
        self._update(rec, S.from_status(ev.order_status), ev.order_executed_size, ev.msg_type)
        return rec

    def apply_execution_event(self, ev: ExecutionEvent) -> TrackedOrder | None:
        """An ``executionEvents`` frame: one fill (de-duplicated by ``executionId``)."""
        if ev.order_size <= 0 or ev.execution_size <= 0 or ev.order_executed_size < 0:
            self._anomaly(f"order {ev.order_id}: impossible sizes in an executionEvent")
            return None
        rec = self._by_id.get(ev.order_id)
        if rec is None:
            rec = self._adopt(
                ev.order_id,
                ev.symbol,
                ev.side,
                ev.execution_type,
                ev.order_size,
                ev.order_price,
                ev.order_timestamp,
                ev.time_in_force,
                S.ORDERED,
                ev.settle_type.value,
            )
        elif not self._consistent(rec, ev.symbol, ev.side, ev.order_size, "executionEvent"):
            return rec
        if ev.execution_id not in rec.fill_ids:
            rec.fill_ids.add(ev.execution_id)
            rec.fill_sum += ev.execution_size
        reported = max(rec.fill_sum, ev.order_executed_size)
        self._update(rec, None, reported, "ER")
        return rec

    def apply_rest_order(self, order: Order) -> TrackedOrder | None:
        """A row of ``/v1/orders`` or ``/v1/activeOrders``."""
        rec = self._by_id.get(order.order_id)
        if rec is None:
            rec = self._adopt(
                order.order_id,
                order.symbol,
                order.side,
                order.execution_type,
                order.size,
                order.price,
                order.timestamp,
                order.time_in_force,
                S.from_status(order.status),
                order.settle_type.value,
            )
        elif not self._consistent(rec, order.symbol, order.side, order.size, "REST order"):
            return rec
        if not rec.is_terminal:
            if rec.execution_type is not ExecutionType.MARKET:
                rec.price = order.price
            rec.losscut_price = order.losscut_price
            if order.cancel_type is not None:
                rec.cancel_type = order.cancel_type
        self._update(rec, S.from_status(order.status), order.executed_size, "REST")
        return rec

    def apply_rest_execution(self, ex: Execution) -> TrackedOrder | None:
        """A row of ``/v1/executions`` or ``/v1/latestExecutions``.

        REST executions carry no order size: a fill for an unknown order is parked until the
        order itself is seen (event or REST order row).
        """
        rec = self._by_id.get(ex.order_id)
        if rec is None:
            self._parked.setdefault(ex.order_id, {})[ex.execution_id] = ex
            return None
        if ex.symbol != rec.symbol or ex.side != rec.side:
            self._anomaly(f"execution {ex.execution_id} does not match order {ex.order_id}")
            return rec
        if ex.execution_id not in rec.fill_ids:
            rec.fill_ids.add(ex.execution_id)
            rec.fill_sum += ex.size
            self._update(rec, None, rec.fill_sum, "REST execution")
        return rec

    def apply(self, item: OrderEvent | ExecutionEvent | Order | Execution) -> TrackedOrder | None:
        """Dispatch any of the four inputs."""
        if isinstance(item, OrderEvent):
            return self.apply_order_event(item)
        if isinstance(item, ExecutionEvent):
            return self.apply_execution_event(item)
        if isinstance(item, Order):
            return self.apply_rest_order(item)
        if isinstance(item, Execution):
            return self.apply_rest_execution(item)
        self._anomaly(f"unexpected input {type(item).__name__}")
        return None

    # ---------------------------------------------------------------- housekeeping

    def prune(self, keep_terminal: int = 500) -> int:
        """Forget the oldest terminal orders beyond ``keep_terminal``; return how many."""
        done = [o for o in self._by_key.values() if o.is_terminal]
        if len(done) <= keep_terminal:
            return 0
        done.sort(key=lambda o: o.seq)
        drop = done[: len(done) - keep_terminal]
        for o in drop:
            del self._by_key[o.key]
            if o.order_id is not None and self._by_id.get(o.order_id) is o:
                del self._by_id[o.order_id]
        self.version += 1
        return len(drop)

    # ---------------------------------------------------------------- internals

    def _anomaly(self, message: str) -> None:
        self.anomalies += 1
        self.last_anomaly = message
        log.warning("order tracker: %s", message)

    def _consistent(
        self, rec: TrackedOrder, symbol: str, side: Side, size: Decimal, what: str
    ) -> bool:
        if symbol != rec.symbol or side != rec.side:
            self._anomaly(
                f"{what} for order {rec.order_id} has {symbol}/{side}, "
                f"tracked as {rec.symbol}/{rec.side}"
            )
            return False
        if size != rec.size:
            self._anomaly(f"{what} for order {rec.order_id} has size {size}, tracked {rec.size}")
            # Keep going: status and fills are still informative; the size stays as tracked.
        return True

    def _adopt(
        self,
        order_id: int,
        symbol: str,
        side: Side,
        execution_type: ExecutionType,
        size: Decimal,
        price: Decimal,
        ordered_at: datetime,
        time_in_force: TimeInForce | None,
        state: OrderState = S.ORDERED,
        settle_type: str | None = None,
    ) -> TrackedOrder:
        """Start following an order first seen from the exchange (placed elsewhere, or ours
        before its REST reply arrived)."""
        self._seq += 1
        rec = TrackedOrder(
            key=f"#{order_id}",
            symbol=symbol,
            side=side,
            execution_type=execution_type,
            size=size,
            price=price if execution_type is not ExecutionType.MARKET else None,
            state=state,
            order_id=order_id,
            time_in_force=time_in_force,
            ordered_at=ordered_at,
            settle_type=settle_type,
            seq=self._seq,
        )
        self._by_key[rec.key] = rec
        self._by_id[order_id] = rec
        self.version += 1
        self._drain_parked(rec)
        return rec

    def _drain_parked(self, rec: TrackedOrder) -> None:
        assert rec.order_id is not None
        parked = self._parked.pop(rec.order_id, None)
        if parked:
            for ex in parked.values():
                self.apply_rest_execution(ex)

    def _update(
        self,
        rec: TrackedOrder,
        status: OrderState | None,
        reported_filled: Decimal | None,
        source: str,
    ) -> None:
        """The single place where state and filled size change."""
        changed = False
        if reported_filled is not None:
            if reported_filled > rec.size:
                self._anomaly(
                    f"order {rec.order_id}: {source} reports filled {reported_filled} "
                    f"> size {rec.size}; clamped"
                )
                reported_filled = rec.size
            if reported_filled > rec.filled:
                rec.filled = reported_filled
                changed = True
            elif reported_filled < rec.filled:
                self.stale += 1
        grew = changed
        current = rec.state
        if current in TERMINAL:
            if grew and rec.filled == rec.size and can_transition(current, S.EXECUTED):
                rec.state = S.EXECUTED
            elif status is not None and status != current:
                self.stale += 1
                log.info(
                    "order tracker: ignored %s %s for terminal order %s (%s)",
                    source,
                    status.value,
                    rec.order_id,
                    current.value,
                )
        else:
            target = status if status is not None else current
            if rec.filled == rec.size and rec.size > 0:
                target = S.EXECUTED
            if target != current:
                if can_transition(current, target):
                    rec.state = target
                    changed = True
                else:
                    self._anomaly(
                        f"order {rec.order_id}: {source} {current.value} -> {target.value} "
                        "not allowed; ignored"
                    )
        if changed or status is not None:
            self.version += 1

"""What a bracket is: an entry order, its exits (stop-loss, take-profit, trailing distance) and
the lots its fills opened, as plain data that round-trips through JSON (Decimals as strings).

* :class:`ExitOffset`: an exit price given as a price, a number of ticks or a percentage of the
  lot's fill price.
* :class:`BracketSpec`: what the trader asked for.
* :class:`Lot`: one fill of the entry (on margin: one position, as the exchange opens one per
  execution) with its exchange-held stop and its app-emulated take-profit.
* :class:`Bracket`: the spec, the entry order, the lots and the state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.models import SymbolRule
from gmo_tui.i18n import _
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.rules import round_price

__all__ = [
    "Bracket",
    "BracketSpec",
    "BracketState",
    "ExitOffset",
    "Lot",
    "OffsetKind",
    "TakeProfitState",
    "exit_intent",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class OffsetKind(StrEnum):
    PRICE = "PRICE"  # the exit's price itself
    TICKS = "TICKS"  # this many ticks from the fill price
    PERCENT = "PERCENT"  # this percentage of the fill price away from it


@dataclass(frozen=True, slots=True)
class ExitOffset:
    kind: OffsetKind
    value: Decimal

    def __post_init__(self) -> None:
        if not self.value.is_finite() or self.value <= 0:
            raise ValueError(_("an exit offset must be a positive number"))

    def price(self, rule: SymbolRule, side: Side, fill_price: Decimal, *, profit: bool) -> Decimal:
        """The exit price of a lot entered on ``side`` at ``fill_price``: above it for a BUY's
        take-profit or a SELL's stop, below it otherwise; on the tick, rounded away from the
        fill price (never tighter than asked)."""
        up = (side is Side.BUY) == profit
        match self.kind:
            case OffsetKind.PRICE:
                return self.value
            case OffsetKind.TICKS:
                distance = self.value * rule.tick_size
            case OffsetKind.PERCENT:
                distance = fill_price * self.value / _HUNDRED
        raw = fill_price + distance if up else fill_price - distance
        return round_price(rule, raw, ROUND_CEILING if up else ROUND_FLOOR)

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "value": str(self.value)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExitOffset:
        return cls(OffsetKind(data["kind"]), Decimal(data["value"]))


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class BracketSpec:
    """An entry (LIMIT, MARKET or STOP; ``price`` None for MARKET) with exits. ``trail`` is a
    price distance: the stop follows the market at this distance, only in the lot's favour."""

    symbol: str
    side: Side
    size: Decimal
    execution_type: ExecutionType
    price: Decimal | None = None
    stop_loss: ExitOffset | None = None
    take_profit: ExitOffset | None = None
    trail: Decimal | None = None

    def __post_init__(self) -> None:
        if self.stop_loss is None and self.take_profit is None:
            raise ValueError(_("a bracket needs a stop-loss, a take-profit or both"))
        if self.trail is not None and (self.stop_loss is None or self.trail <= 0):
            raise ValueError(_("a trailing distance needs a stop-loss and must be positive"))
        if (self.execution_type is ExecutionType.MARKET) != (self.price is None):
            raise ValueError(_("a MARKET entry has no price; LIMIT and STOP entries need one"))

    @property
    def exit_side(self) -> Side:
        return self.side.opposite

    def entry_intent(self) -> OrderIntent:
        return OrderIntent(self.symbol, self.side, self.execution_type, self.size, self.price)

    def to_json(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "side": self.side.value,
            "size": str(self.size),
            "execution_type": self.execution_type.value,
            "price": _text(self.price),
            "stop_loss": None if self.stop_loss is None else self.stop_loss.to_json(),
            "take_profit": None if self.take_profit is None else self.take_profit.to_json(),
            "trail": _text(self.trail),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BracketSpec:
        sl, tp = data.get("stop_loss"), data.get("take_profit")
        return cls(
            symbol=data["symbol"],
            side=Side(data["side"]),
            size=Decimal(data["size"]),
            execution_type=ExecutionType(data["execution_type"]),
            price=_dec(data.get("price")),
            stop_loss=None if sl is None else ExitOffset.from_json(sl),
            take_profit=None if tp is None else ExitOffset.from_json(tp),
            trail=_dec(data.get("trail")),
        )


class TakeProfitState(StrEnum):
    """The app's own exit of a lot: the emulated take-profit (ARMED while watched), and the
    MARKET order it sends (also used for the rest of a stop that triggered but expired)."""

    NONE = "NONE"  # no take-profit, nothing being sent
    ARMED = "ARMED"  # watched by the app (emulated), nothing at the exchange
    SENDING = "SENDING"  # triggered: cancelling the stop, then sending the exit (persisted first)
    SENT = "SENT"  # the exit order was sent (accepted, or its reply lost: being resolved)
    DONE = "DONE"  # not needed any more (the lot is closed)


@dataclass(slots=True)
class Lot:
    """One fill of the entry. ``position_id`` on margin (closes name it). The stop is an order
    at the exchange (``stop_order_id`` once accepted, ``stop_intent_id`` while its reply is
    lost, ``stop_sending`` from just before it is sent until the answer is recorded); the
    take-profit is emulated by the app (``tp_state``)."""

    execution_id: int
    size: Decimal
    price: Decimal
    position_id: int | None = None
    closed: Decimal = _ZERO
    exit_fill_ids: list[int] = field(default_factory=list)
    stop_price: Decimal | None = None
    stop_order_id: int | None = None
    stop_intent_id: int | None = None
    stop_sending: float | None = None
    stop_error: str | None = None
    tp_price: Decimal | None = None
    tp_state: TakeProfitState = TakeProfitState.NONE
    tp_order_id: int | None = None
    tp_intent_id: int | None = None
    tp_sending: float | None = None
    retired_stops: list[int] = field(default_factory=list)
    """Stops of this lot that were replaced or cancelled (their late fills still count)."""

    @property
    def open_size(self) -> Decimal:
        return self.size - self.closed

    @property
    def is_open(self) -> bool:
        return self.open_size > 0

    @property
    def idle_exit_state(self) -> TakeProfitState:
        """The app's exit state with nothing being sent: ARMED with a take-profit, else NONE."""
        return TakeProfitState.NONE if self.tp_price is None else TakeProfitState.ARMED

    def exit_order_ids(self) -> set[int]:
        ids = {i for i in (self.stop_order_id, self.tp_order_id) if i is not None}
        return ids | set(self.retired_stops)

    def to_json(self) -> dict[str, Any]:
        return {
            "execution_id": self.execution_id,
            "size": str(self.size),
            "price": str(self.price),
            "position_id": self.position_id,
            "closed": str(self.closed),
            "exit_fill_ids": list(self.exit_fill_ids),
            "stop_price": _text(self.stop_price),
            "stop_order_id": self.stop_order_id,
            "stop_intent_id": self.stop_intent_id,
            "stop_sending": self.stop_sending,
            "stop_error": self.stop_error,
            "tp_price": _text(self.tp_price),
            "tp_state": self.tp_state.value,
            "tp_order_id": self.tp_order_id,
            "tp_intent_id": self.tp_intent_id,
            "tp_sending": self.tp_sending,
            "retired_stops": list(self.retired_stops),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lot:
        return cls(
            execution_id=int(data["execution_id"]),
            size=Decimal(data["size"]),
            price=Decimal(data["price"]),
            position_id=data.get("position_id"),
            closed=Decimal(data.get("closed", "0")),
            exit_fill_ids=[int(i) for i in data.get("exit_fill_ids", [])],
            stop_price=_dec(data.get("stop_price")),
            stop_order_id=data.get("stop_order_id"),
            stop_intent_id=data.get("stop_intent_id"),
            stop_sending=data.get("stop_sending"),
            stop_error=data.get("stop_error"),
            tp_price=_dec(data.get("tp_price")),
            tp_state=TakeProfitState(data.get("tp_state", "NONE")),
            tp_order_id=data.get("tp_order_id"),
            tp_intent_id=data.get("tp_intent_id"),
            tp_sending=data.get("tp_sending"),
            retired_stops=[int(i) for i in data.get("retired_stops", [])],
        )


class BracketState(StrEnum):
    NEW = "NEW"  # persisted; the entry is being sent
    WORKING = "WORKING"  # the entry is at the exchange (or its reply lost: being resolved)
    CANCELLING = "CANCELLING"  # cancelled by the trader as one unit: orders being cancelled
    DONE = "DONE"  # the entry is over and every lot is closed
    CANCELLED = "CANCELLED"  # cancelled with nothing left working
    NOT_PLACED = "NOT_PLACED"  # the exchange refused the entry, or it was never sent

    @property
    def is_final(self) -> bool:
        return self in (BracketState.DONE, BracketState.CANCELLED, BracketState.NOT_PLACED)


@dataclass(slots=True)
class Bracket:
    id: int
    spec: BracketSpec
    state: BracketState = BracketState.NEW
    created_at: float = 0.0
    entry_order_id: int | None = None
    entry_intent_id: int | None = None
    entry_done: bool = False
    """The entry order is over at the exchange (EXECUTED, CANCELED, EXPIRED)."""
    lots: list[Lot] = field(default_factory=list)
    note: str = ""
    """The last thing worth telling the trader (why not placed, an exit refused ...)."""

    @property
    def symbol(self) -> str:
        return self.spec.symbol

    @property
    def filled(self) -> Decimal:
        return sum((lot.size for lot in self.lots), _ZERO)

    @property
    def open_size(self) -> Decimal:
        return sum((lot.open_size for lot in self.lots), _ZERO)

    def lot(self, execution_id: int) -> Lot | None:
        return next((lot for lot in self.lots if lot.execution_id == execution_id), None)

    def order_ids(self) -> set[int]:
        """Every exchange order of the bracket (entry, stops, take-profit exits)."""
        ids: set[int] = set() if self.entry_order_id is None else {self.entry_order_id}
        for lot in self.lots:
            ids |= lot.exit_order_ids()
        return ids

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "spec": self.spec.to_json(),
            "state": self.state.value,
            "created_at": self.created_at,
            "entry_order_id": self.entry_order_id,
            "entry_intent_id": self.entry_intent_id,
            "entry_done": self.entry_done,
            "lots": [lot.to_json() for lot in self.lots],
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bracket:
        return cls(
            id=int(data["id"]),
            spec=BracketSpec.from_json(data["spec"]),
            state=BracketState(data["state"]),
            created_at=float(data.get("created_at", 0.0)),
            entry_order_id=data.get("entry_order_id"),
            entry_intent_id=data.get("entry_intent_id"),
            entry_done=bool(data.get("entry_done", False)),
            lots=[Lot.from_json(item) for item in data.get("lots", [])],
            note=str(data.get("note", "")),
        )


def exit_intent(
    bracket: Bracket,
    lot: Lot,
    execution_type: ExecutionType,
    size: Decimal,
    price: Decimal | None = None,
) -> OrderIntent:
    """An exit order of ``lot``: a close naming its position on margin, else an order on the
    opposite side."""
    spec = bracket.spec
    if lot.position_id is not None:
        return OrderIntent(
            spec.symbol,
            spec.exit_side,
            execution_type,
            size,
            price,
            settle="close",
            position_id=lot.position_id,
        )
    return OrderIntent(spec.symbol, spec.exit_side, execution_type, size, price)

"""Typed, immutable models of every GMO Coin REST reply and WebSocket frame.

Field names follow the seed exactly (camelCase on the wire, snake_case here, including the
seed's own spelling ``orderdSize``). Money and sizes are ``Decimal``; ids are ``int``;
timestamps are timezone-aware ``datetime``. Unknown extra fields are ignored. The built-in
exchange encodes these same models with :func:`gmo_tui.exchange.codec.to_wire`, so client and
server share one definition of the wire.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from gmo_tui.exchange.enums import (
    ExchangeStatus,
    ExecutionType,
    MarginCallStatus,
    OrderStatus,
    OrderType,
    SettleType,
    Side,
    TimeInForce,
)

UtcDatetime = Annotated[datetime, msgspec.Meta(tz=True)]

_LIMIT = Decimal("1e30")


class NonFiniteNumber(ValueError):
    """A Decimal field held NaN, Infinity or an absurd magnitude."""


def _decimal_fields(cls: type) -> tuple[str, ...]:
    fields = msgspec.structs.fields(cls)
    return tuple(f.name for f in fields if f.type is Decimal or f.type == (Decimal | None))


class Wire(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True, gc=False):
    """Base of every wire model: checks that every Decimal field is a sane finite number.

    ``gc=False``: wire values are frozen trees of scalars and tuples, so they can never form a
    reference cycle, and the cyclic garbage collector need not track them (a busy book stream
    allocates ~500 of them a second; tracked, they triggered collections that paused the
    event loop)."""

    def __post_init__(self) -> None:
        cls = type(self)
        names = cls.__dict__.get("_decimals_cache")
        if names is None:
            names = _decimal_fields(cls)
            cls._decimals_cache = names  # type: ignore[attr-defined]
        for name in names:
            value = getattr(self, name)
            if value is not None and (not value.is_finite() or abs(value) >= _LIMIT):
                raise NonFiniteNumber(f"field `{name}` is not a finite number: {value!r}")


# ---------------------------------------------------------------------------- public REST


class Status(Wire, frozen=True):
    status: ExchangeStatus


class Ticker(Wire, frozen=True):
    symbol: str
    ask: Decimal
    bid: Decimal
    high: Decimal
    last: Decimal
    low: Decimal
    volume: Decimal
    timestamp: UtcDatetime


class BookLevel(msgspec.Struct, frozen=True, array_like=False, gc=False):
    """One price level. Not a :class:`Wire` subclass: books are checked whole by the book model."""

    price: Decimal
    size: Decimal


class OrderBook(Wire, frozen=True):
    """A full snapshot: asks ascending, bids descending. The REST reply has no timestamp."""

    symbol: str
    asks: tuple[BookLevel, ...] = ()
    bids: tuple[BookLevel, ...] = ()
    timestamp: UtcDatetime | None = None


class Trade(Wire, frozen=True):
    price: Decimal
    side: Side
    size: Decimal
    timestamp: UtcDatetime
    symbol: str | None = None


class Pagination(Wire, frozen=True):
    current_page: int
    count: int


class TradesPage(Wire, frozen=True):
    list: tuple[Trade, ...] = ()
    pagination: Pagination | None = None


class Kline(Wire, frozen=True):
    """One candle. ``openTime`` is unix milliseconds sent as a string; see :attr:`opened_at`."""

    open_time: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.open_time.isdigit():
            raise ValueError(f"field `openTime` is not unix milliseconds: {self.open_time!r}")

    @property
    def open_ms(self) -> int:
        return int(self.open_time)

    @property
    def opened_at(self) -> datetime:
        return datetime.fromtimestamp(int(self.open_time) / 1000, tz=UTC)


class SymbolRule(Wire, frozen=True):
    symbol: str
    min_order_size: Decimal
    max_order_size: Decimal
    size_step: Decimal
    tick_size: Decimal
    taker_fee: Decimal
    maker_fee: Decimal

    @property
    def is_margin(self) -> bool:
        return self.symbol.endswith("_JPY")


# ---------------------------------------------------------------------------- private REST


class Margin(Wire, frozen=True):
    actual_profit_loss: Decimal
    available_amount: Decimal
    margin: Decimal
    margin_call_status: MarginCallStatus
    margin_ratio: Decimal
    profit_loss: Decimal
    transferable_amount: Decimal


class Asset(Wire, frozen=True):
    symbol: str
    amount: Decimal
    available: Decimal
    conversion_rate: Decimal


class VolumeLimit(Wire, frozen=True):
    symbol: str
    taker_fee: Decimal
    maker_fee: Decimal
    today_limit_open_size: Decimal | None = None
    today_limit_buy_size: Decimal | None = None
    today_limit_sell_size: Decimal | None = None


class TradingVolume(Wire, frozen=True):
    jpy_volume: Decimal
    tier_level: int
    limit: tuple[VolumeLimit, ...] = ()


class FiatTransfer(Wire, frozen=True):
    """An entry of fiatDeposit/history or fiatWithdrawal/history."""

    amount: Decimal
    fee: Decimal
    status: str
    symbol: str
    timestamp: UtcDatetime


class CryptoTransfer(Wire, frozen=True):
    """An entry of deposit/history or withdrawal/history."""

    amount: Decimal
    status: str
    symbol: str
    timestamp: UtcDatetime
    address: str = ""
    tx_hash: str = ""
    fee: Decimal | None = None


class Order(Wire, frozen=True):
    root_order_id: int
    order_id: int
    symbol: str
    side: Side
    order_type: OrderType
    execution_type: ExecutionType
    settle_type: SettleType
    size: Decimal
    executed_size: Decimal
    price: Decimal
    losscut_price: Decimal
    status: OrderStatus
    time_in_force: TimeInForce
    timestamp: UtcDatetime
    cancel_type: str | None = None


class OrdersList(Wire, frozen=True):
    list: tuple[Order, ...] = ()
    pagination: Pagination | None = None


class Execution(Wire, frozen=True):
    execution_id: int
    order_id: int
    symbol: str
    side: Side
    settle_type: SettleType
    size: Decimal
    price: Decimal
    loss_gain: Decimal
    fee: Decimal
    timestamp: UtcDatetime
    position_id: int | None = None


class ExecutionsList(Wire, frozen=True):
    list: tuple[Execution, ...] = ()
    pagination: Pagination | None = None


class Position(Wire, frozen=True):
    position_id: int
    symbol: str
    side: Side
    size: Decimal
    orderd_size: Decimal
    price: Decimal
    loss_gain: Decimal
    leverage: Decimal
    losscut_price: Decimal
    timestamp: UtcDatetime


class PositionsList(Wire, frozen=True):
    list: tuple[Position, ...] = ()
    pagination: Pagination | None = None


class PositionSummary(Wire, frozen=True):
    symbol: str
    side: Side
    average_position_rate: Decimal
    position_loss_gain: Decimal
    sum_order_quantity: Decimal
    sum_position_quantity: Decimal


class PositionSummaryList(Wire, frozen=True):
    list: tuple[PositionSummary, ...] = ()


class Transfer(Wire, frozen=True):
    transferred_amount: Decimal


class CancelFailure(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """One refused id of cancelOrders; keys are snake_case on the wire, as the seed shows."""

    message_code: str
    message_string: str
    orderId: int  # noqa: N815 - the wire mixes styles here


class CancelOrdersResult(Wire, frozen=True):
    success: tuple[int, ...] = ()
    failed: tuple[CancelFailure, ...] = ()


# ---------------------------------------------------------------------------- envelope


class ApiMessage(msgspec.Struct, frozen=True, gc=False):
    message_code: str
    message_string: str = ""


class Envelope(msgspec.Struct, frozen=True, kw_only=True, gc=False):
    """`{"status": 0, "data": ..., "responsetime": ...}` or an error with `messages`."""

    status: int
    responsetime: UtcDatetime | None = None
    data: msgspec.Raw = msgspec.Raw(b"null")
    messages: tuple[ApiMessage, ...] = ()


# ---------------------------------------------------------------------------- public WebSocket


class TickerEvent(Ticker, frozen=True, tag_field="channel", tag="ticker"):
    pass


class OrderBookEvent(OrderBook, frozen=True, tag_field="channel", tag="orderbooks"):
    pass


class TradeEvent(Trade, frozen=True, tag_field="channel", tag="trades"):
    pass


PublicEvent = TickerEvent | OrderBookEvent | TradeEvent


# ---------------------------------------------------------------------------- private WebSocket


class ExecutionEvent(Wire, frozen=True, tag_field="channel", tag="executionEvents"):
    order_id: int
    execution_id: int
    symbol: str
    settle_type: SettleType
    execution_type: ExecutionType
    side: Side
    execution_price: Decimal
    execution_size: Decimal
    order_timestamp: UtcDatetime
    execution_timestamp: UtcDatetime
    loss_gain: Decimal
    fee: Decimal
    order_price: Decimal
    order_size: Decimal
    order_executed_size: Decimal
    time_in_force: TimeInForce
    msg_type: str = "ER"
    position_id: int | None = None


class OrderEvent(Wire, frozen=True, tag_field="channel", tag="orderEvents"):
    order_id: int
    symbol: str
    settle_type: SettleType
    execution_type: ExecutionType
    side: Side
    order_status: OrderStatus
    order_timestamp: UtcDatetime
    order_price: Decimal
    order_size: Decimal
    order_executed_size: Decimal
    losscut_price: Decimal
    time_in_force: TimeInForce
    msg_type: str
    cancel_type: str | None = None


class PositionEvent(Wire, frozen=True, tag_field="channel", tag="positionEvents"):
    position_id: int
    symbol: str
    side: Side
    size: Decimal
    orderd_size: Decimal
    price: Decimal
    loss_gain: Decimal
    leverage: Decimal
    losscut_price: Decimal
    timestamp: UtcDatetime
    msg_type: str


class PositionSummaryEvent(Wire, frozen=True, tag_field="channel", tag="positionSummaryEvents"):
    symbol: str
    side: Side
    average_position_rate: Decimal
    position_loss_gain: Decimal
    sum_order_quantity: Decimal
    sum_position_quantity: Decimal
    timestamp: UtcDatetime
    msg_type: str


PrivateEvent = ExecutionEvent | OrderEvent | PositionEvent | PositionSummaryEvent

ORDER_MSG_TYPES = frozenset({"NOR", "ROR", "COR", "ER"})
POSITION_MSG_TYPES = frozenset({"OPR", "UPR", "ULR", "CPR"})
SUMMARY_MSG_TYPES = frozenset({"INIT", "UPDATE", "PERIODIC"})

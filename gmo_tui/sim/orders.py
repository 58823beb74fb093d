"""The built-in exchange's mutable order and position records, and their wire models.

:class:`SimOrder` and :class:`SimPosition` are the engine's working state (mutable, slotted,
cheap); :func:`order_model`, :func:`order_event`, :func:`position_model` and
:func:`position_event` turn them into the shared wire models of :mod:`gmo_tui.exchange.models`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import (
    ExecutionType,
    OrderStatus,
    OrderType,
    SettleType,
    Side,
    TimeInForce,
)

ZERO = Decimal(0)


class SimOrder:
    """One order as the engine keeps it (``price`` is 0 for MARKET)."""

    __slots__ = (
        "allocations",
        "account_id",
        "cancel_type",
        "changes",
        "executed",
        "execution_type",
        "id",
        "is_margin",
        "losscut_price",
        "order_type",
        "price",
        "reserve_asset",
        "reserved",
        "seq",
        "settle_type",
        "side",
        "size",
        "status",
        "symbol",
        "tif",
        "timestamp",
    )

    def __init__(
        self,
        *,
        id: int,
        account_id: str,
        symbol: str,
        side: Side,
        execution_type: ExecutionType,
        settle_type: SettleType,
        order_type: OrderType,
        tif: TimeInForce,
        price: Decimal,
        size: Decimal,
        losscut_price: Decimal,
        timestamp: datetime,
        is_margin: bool,
        seq: int,
    ) -> None:
        self.id = id
        self.account_id = account_id
        self.symbol = symbol
        self.side = side
        self.execution_type = execution_type
        self.settle_type = settle_type
        self.order_type = order_type
        self.tif = tif
        self.price = price
        self.size = size
        self.executed = ZERO
        self.losscut_price = losscut_price
        self.status = OrderStatus.ORDERED
        self.cancel_type: str | None = None
        self.timestamp = timestamp
        self.changes = 0
        self.is_margin = is_margin
        self.seq = seq  # time priority: a changed price gets a fresh seq
        self.reserve_asset: str | None = None  # "JPY", a coin, or "MARGIN"
        self.reserved = ZERO
        # close orders: [[position_id, size still to close], ...] in FIFO order
        self.allocations: list[list] = []

    @property
    def remaining(self) -> Decimal:
        return self.size - self.executed

    @property
    def is_active(self) -> bool:
        return self.status in (OrderStatus.ORDERED, OrderStatus.WAITING)

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return (
            f"SimOrder({self.id} {self.account_id} {self.symbol} {self.side} "
            f"{self.execution_type} {self.price} {self.executed}/{self.size} {self.status})"
        )


class SimPosition:
    """One open margin position (GMO opens one position per execution of an opening order)."""

    __slots__ = (
        "account_id",
        "id",
        "leverage",
        "losscut_price",
        "orderd_size",
        "price",
        "side",
        "size",
        "symbol",
        "timestamp",
    )

    def __init__(
        self,
        *,
        id: int,
        account_id: str,
        symbol: str,
        side: Side,
        size: Decimal,
        price: Decimal,
        leverage: Decimal,
        losscut_price: Decimal,
        timestamp: datetime,
    ) -> None:
        self.id = id
        self.account_id = account_id
        self.symbol = symbol
        self.side = side
        self.size = size
        self.orderd_size = ZERO
        self.price = price
        self.leverage = leverage
        self.losscut_price = losscut_price
        self.timestamp = timestamp

    def pnl(self, mark: Decimal) -> Decimal:
        """Unrealised profit/loss at ``mark`` (exact)."""
        diff = mark - self.price if self.side is Side.BUY else self.price - mark
        return diff * self.size

    @property
    def closable(self) -> Decimal:
        return self.size - self.orderd_size


def clean(value: Decimal) -> Decimal:
    """Drop trailing zeros that arithmetic leaves (``7748675.00`` -> ``7748675``)."""
    if not value:
        return ZERO
    value = value.normalize()
    exponent = value.as_tuple().exponent  # a str only for NaN and infinities
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


def whole_yen(value: Decimal) -> Decimal:
    """Round a JPY amount to whole yen for display (half to even)."""
    return clean(value.quantize(Decimal(1)))


def order_model(o: SimOrder) -> models.Order:
    status = o.status
    return models.Order(
        root_order_id=o.id,
        order_id=o.id,
        symbol=o.symbol,
        side=o.side,
        order_type=o.order_type,
        execution_type=o.execution_type,
        settle_type=SettleType.CLOSE if o.settle_type is SettleType.LOSS_CUT else o.settle_type,
        size=o.size,
        executed_size=o.executed,
        price=o.price,
        losscut_price=o.losscut_price,
        status=status,
        time_in_force=o.tif,
        timestamp=o.timestamp,
        cancel_type=o.cancel_type
        if status in (OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.CANCELLING)
        else None,
    )


def order_event(o: SimOrder, msg_type: str, *, cancel_type: str | None = None) -> models.OrderEvent:
    """An ``orderEvents`` frame; LOSSCUT orders carry settleType LOSS_CUT there."""
    if cancel_type is None and o.status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
        cancel_type = o.cancel_type
    return models.OrderEvent(
        order_id=o.id,
        symbol=o.symbol,
        settle_type=o.settle_type,
        execution_type=o.execution_type,
        side=o.side,
        order_status=o.status,
        order_timestamp=o.timestamp,
        order_price=o.price,
        order_size=o.size,
        order_executed_size=o.executed,
        losscut_price=o.losscut_price,
        time_in_force=o.tif,
        msg_type=msg_type,
        cancel_type=cancel_type,
    )


def position_model(p: SimPosition, mark: Decimal) -> models.Position:
    return models.Position(
        position_id=p.id,
        symbol=p.symbol,
        side=p.side,
        size=clean(p.size),
        orderd_size=clean(p.orderd_size),
        price=p.price,
        loss_gain=whole_yen(p.pnl(mark)),
        leverage=p.leverage,
        losscut_price=p.losscut_price,
        timestamp=p.timestamp,
    )


def position_event(
    p: SimPosition, mark: Decimal, msg_type: str, timestamp: datetime
) -> models.PositionEvent:
    return models.PositionEvent(
        position_id=p.id,
        symbol=p.symbol,
        side=p.side,
        size=clean(p.size),
        orderd_size=clean(p.orderd_size),
        price=p.price,
        loss_gain=whole_yen(p.pnl(mark)),
        leverage=p.leverage,
        losscut_price=p.losscut_price,
        timestamp=timestamp,
        msg_type=msg_type,
    )

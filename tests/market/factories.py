"""Builders of wire models for the market-state tests (real models, sensible defaults)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from gmo_tui.exchange.enums import (
    ExecutionType,
    OrderStatus,
    OrderType,
    SettleType,
    Side,
    TimeInForce,
)
from gmo_tui.exchange.models import (
    BookLevel,
    Execution,
    ExecutionEvent,
    Order,
    OrderBookEvent,
    OrderEvent,
    SymbolRule,
    Trade,
)

T0 = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
D = Decimal


def ts(seconds: float = 0) -> datetime:
    return T0 + timedelta(seconds=seconds)


def rule(
    symbol: str = "BTC_JPY",
    tick: str = "1",
    step: str = "0.01",
    min_size: str = "0.01",
    max_size: str = "5",
) -> SymbolRule:
    return SymbolRule(
        symbol=symbol,
        min_order_size=D(min_size),
        max_order_size=D(max_size),
        size_step=D(step),
        tick_size=D(tick),
        taker_fee=D("0.0005"),
        maker_fee=D("-0.0001"),
    )


def book_event(
    bids: list[tuple[str, str]],
    asks: list[tuple[str, str]],
    *,
    symbol: str = "BTC_JPY",
    at: float | None = 0,
) -> OrderBookEvent:
    return OrderBookEvent(
        symbol=symbol,
        bids=tuple(BookLevel(price=D(p), size=D(s)) for p, s in bids),
        asks=tuple(BookLevel(price=D(p), size=D(s)) for p, s in asks),
        timestamp=None if at is None else ts(at),
    )


def trade(
    price: str, size: str, side: Side = Side.BUY, at: float = 0, symbol: str = "BTC"
) -> Trade:
    return Trade(price=D(price), side=side, size=D(size), timestamp=ts(at), symbol=symbol)


def order_event(
    order_id: int,
    status: OrderStatus,
    *,
    executed: str = "0",
    size: str = "1",
    price: str = "100",
    msg: str = "NOR",
    symbol: str = "BTC_JPY",
    side: Side = Side.BUY,
    execution_type: ExecutionType = ExecutionType.LIMIT,
    at: float = 0,
) -> OrderEvent:
    return OrderEvent(
        order_id=order_id,
        symbol=symbol,
        settle_type=SettleType.OPEN,
        execution_type=execution_type,
        side=side,
        order_status=status,
        order_timestamp=ts(at),
        order_price=D(price),
        order_size=D(size),
        order_executed_size=D(executed),
        losscut_price=D(0),
        time_in_force=TimeInForce.FAS,
        msg_type=msg,
    )


def execution_event(
    order_id: int,
    execution_id: int,
    fill: str,
    *,
    executed: str | None = None,
    size: str = "1",
    price: str = "100",
    fill_price: str | None = None,
    fee: str = "1",
    symbol: str = "BTC_JPY",
    side: Side = Side.BUY,
    execution_type: ExecutionType = ExecutionType.LIMIT,
    at: float = 0,
    position_id: int | None = None,
    settle: SettleType = SettleType.OPEN,
    loss_gain: str = "0",
) -> ExecutionEvent:
    return ExecutionEvent(
        order_id=order_id,
        execution_id=execution_id,
        symbol=symbol,
        settle_type=settle,
        execution_type=execution_type,
        side=side,
        execution_price=D(fill_price or price),
        execution_size=D(fill),
        order_timestamp=ts(at),
        execution_timestamp=ts(at + execution_id % 7),
        loss_gain=D(loss_gain),
        fee=D(fee),
        order_price=D(price),
        order_size=D(size),
        order_executed_size=D(executed if executed is not None else fill),
        time_in_force=TimeInForce.FAS,
        position_id=position_id,
    )


def rest_order(
    order_id: int,
    status: OrderStatus,
    *,
    executed: str = "0",
    size: str = "1",
    price: str = "100",
    symbol: str = "BTC_JPY",
    side: Side = Side.BUY,
    execution_type: ExecutionType = ExecutionType.LIMIT,
    at: float = 0,
) -> Order:
    return Order(
        root_order_id=order_id,
        order_id=order_id,
        symbol=symbol,
        side=side,
        order_type=OrderType.NORMAL,
        execution_type=execution_type,
        settle_type=SettleType.OPEN,
        size=D(size),
        executed_size=D(executed),
        price=D(price),
        losscut_price=D(0),
        status=status,
        time_in_force=TimeInForce.FAS,
        timestamp=ts(at),
    )


def rest_execution(
    order_id: int,
    execution_id: int,
    fill: str,
    *,
    price: str = "100",
    fee: str = "1",
    symbol: str = "BTC_JPY",
    side: Side = Side.BUY,
    at: float | None = None,
    position_id: int | None = None,
    settle: SettleType = SettleType.OPEN,
    loss_gain: str = "0",
) -> Execution:
    return Execution(
        execution_id=execution_id,
        order_id=order_id,
        symbol=symbol,
        side=side,
        settle_type=settle,
        size=D(fill),
        price=D(price),
        loss_gain=D(loss_gain),
        fee=D(fee),
        timestamp=ts(at if at is not None else execution_id % 7),
        position_id=position_id,
    )

"""What the user asked to trade, before it becomes an exchange order: :class:`OrderIntent`.

Shared by the safety checks (:mod:`gmo_tui.market.safety`), the order tracker and lost-reply
matching (:mod:`gmo_tui.market.orders`) and the trading service's journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce

__all__ = ["OrderIntent"]


@dataclass(frozen=True, slots=True)
class OrderIntent:
    """One new order (``/v1/order``) or close order (``/v1/closeOrder``) the user wants.

    ``price`` is ``None`` for MARKET orders and the limit (LIMIT) or trigger (STOP) price
    otherwise. ``time_in_force`` ``None`` means the exchange default (FAK for MARKET/STOP,
    FAS for LIMIT). ``settle`` is ``"open"`` for a new order or ``"close"`` to settle the
    margin position ``position_id``.
    """

    symbol: str
    side: Side
    execution_type: ExecutionType
    size: Decimal
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    losscut_price: Decimal | None = None
    cancel_before: bool = False
    settle: Literal["open", "close"] = "open"
    position_id: int | None = None

    def __post_init__(self) -> None:
        if self.execution_type is ExecutionType.MARKET and self.price is not None:
            raise ValueError("a MARKET intent has no price")
        if self.execution_type is not ExecutionType.MARKET and self.price is None:
            raise ValueError(f"a {self.execution_type.value} intent needs a price")
        if self.settle == "close" and self.position_id is None:
            raise ValueError("a close intent needs a position_id")
        if self.settle not in ("open", "close"):
            raise ValueError(f"settle must be 'open' or 'close', not {self.settle!r}")

    @property
    def wire_price(self) -> Decimal:
        """The price as GMO reports it on the order: ``0`` for MARKET."""
        return self.price if self.price is not None else Decimal(0)

    @property
    def is_close(self) -> bool:
        return self.settle == "close"

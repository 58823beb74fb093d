"""Trading rules of the built-in exchange: limits, time-in-force tables, checks and SimError.

Every check raises :class:`SimError` carrying GMO's error code; the engine calls these before it
changes any state. The numbers here are the engine's documented choices where the seed is
silent (see :mod:`gmo_tui.sim.engine`).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_DOWN, Decimal
from enum import Enum
from typing import Any, TypeVar

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.exchange.errors import ERROR_MESSAGES
from gmo_tui.sim.symbols import SOK_MARGIN_SYMBOLS, is_margin

E = TypeVar("E", bound=Enum)

MARKET_MAKER = "__mm__"

ZERO = Decimal(0)
ONE = Decimal(1)
LEVERAGE = Decimal(2)
MAX_ACTIVE_ORDERS = 100
MAX_CHANGES = 20
PRICE_BAND = Decimal("0.5")
LOSSCUT_SHARE = Decimal("0.5")  # a default losscut loses this share of the position's margin
MARGIN_CALL_RATIO = Decimal(100)
LOSSCUT_RATIO = Decimal(50)
TRANSFER_INTERVAL = timedelta(minutes=3)
TRANSFER_LIMIT_CODE = "ERR-5003"
VOLUME_WINDOW = timedelta(days=7)
TIER2_VOLUME = Decimal(1_000_000_000)
DAILY_LIMIT_FACTOR = Decimal(100)  # today's limit per symbol = maxOrderSize * this
JST = timedelta(hours=9)
FX_START = Decimal(1_000_000)
ORDER_ID_START = 2_000_000_001
EXECUTION_ID_START = 700_000_001
POSITION_ID_START = 100_000_001
MAX_PENDING_ROUNDS = 1000

ALLOWED_TIF = {
    ExecutionType.MARKET: frozenset({TimeInForce.FAK, TimeInForce.FOK}),
    ExecutionType.STOP: frozenset({TimeInForce.FAK, TimeInForce.FAS, TimeInForce.FOK}),
    ExecutionType.LIMIT: frozenset(TimeInForce),
}
DEFAULT_TIF = {
    ExecutionType.MARKET: TimeInForce.FAK,
    ExecutionType.STOP: TimeInForce.FAK,
    ExecutionType.LIMIT: TimeInForce.FAS,
}


class SimError(Exception):
    """A refused request: ``code`` is GMO's error code, ``message`` its text."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else ERROR_MESSAGES.get(code, code)
        super().__init__(f"{code}: {self.message}")


def enum_value(kind: type[E], value: object, code: str = "ERR-5106") -> E:
    """``value`` as a member of ``kind``; ``SimError(code)`` when it names none."""
    try:
        return kind(value)
    except ValueError:
        raise SimError(code) from None


def fee_for(notional: Decimal, rate: Decimal) -> Decimal:
    return (notional * rate).quantize(ONE, rounding=ROUND_DOWN)


def crosses(side: Side, best: Decimal | None, limit: Decimal | None) -> bool:
    if best is None:
        return False
    if limit is None:
        return True
    return best <= limit if side is Side.BUY else best >= limit


def check_page(page: int, count: int) -> None:
    if not isinstance(page, int) or not isinstance(count, int) or page < 1 or not 1 <= count <= 100:
        raise SimError("ERR-5106")


def finite_positive(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value > 0


def resolve_tif(symbol: str, et: ExecutionType, value: Any) -> TimeInForce:
    """The order's time in force: the default when absent, else checked (ERR-5111)."""
    if value is None:
        return DEFAULT_TIF[et]
    tif = enum_value(TimeInForce, value, "ERR-5111")
    if tif not in ALLOWED_TIF[et]:
        raise SimError("ERR-5111")
    if tif is TimeInForce.SOK and is_margin(symbol) and symbol not in SOK_MARGIN_SYMBOLS:
        raise SimError("ERR-5111")
    return tif


def check_size(rule: models.SymbolRule, size: Any) -> None:
    if not finite_positive(size):
        raise SimError("ERR-5106")
    if size % rule.size_step != 0:
        raise SimError("ERR-5114")
    if size < rule.min_order_size or size > rule.max_order_size:
        raise SimError("ERR-5126")


def check_price(rule: models.SymbolRule, price: Any) -> None:
    if not finite_positive(price):
        raise SimError("ERR-5106")
    if price % rule.tick_size != 0:
        raise SimError("ERR-5114")

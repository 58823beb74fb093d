"""The protocol's enumerated string values, as documented in the seed's reference tables."""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class ExecutionType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOP = "STOP"


class TimeInForce(StrEnum):
    FAK = "FAK"
    FAS = "FAS"
    FOK = "FOK"
    SOK = "SOK"


class SettleType(StrEnum):
    OPEN = "OPEN"
    CLOSE = "CLOSE"
    LOSS_CUT = "LOSS_CUT"


class OrderType(StrEnum):
    NORMAL = "NORMAL"
    LOSSCUT = "LOSSCUT"


class OrderStatus(StrEnum):
    WAITING = "WAITING"
    ORDERED = "ORDERED"
    MODIFYING = "MODIFYING"
    CANCELLING = "CANCELLING"
    CANCELED = "CANCELED"
    EXECUTED = "EXECUTED"
    EXPIRED = "EXPIRED"

    @property
    def is_active(self) -> bool:
        return self in (
            OrderStatus.WAITING,
            OrderStatus.ORDERED,
            OrderStatus.MODIFYING,
            OrderStatus.CANCELLING,
        )


class ExchangeStatus(StrEnum):
    MAINTENANCE = "MAINTENANCE"
    PREOPEN = "PREOPEN"
    OPEN = "OPEN"


class MarginCallStatus(StrEnum):
    NORMAL = "NORMAL"
    MARGIN_CALL = "MARGIN_CALL"
    LOSSCUT = "LOSSCUT"


class TransferType(StrEnum):
    WITHDRAWAL = "WITHDRAWAL"
    DEPOSIT = "DEPOSIT"


class KlineInterval(StrEnum):
    MIN1 = "1min"
    MIN5 = "5min"
    MIN10 = "10min"
    MIN15 = "15min"
    MIN30 = "30min"
    HOUR1 = "1hour"
    HOUR4 = "4hour"
    HOUR8 = "8hour"
    HOUR12 = "12hour"
    DAY1 = "1day"
    WEEK1 = "1week"
    MONTH1 = "1month"

    @property
    def date_format(self) -> str:
        """`YYYYMMDD` for 1min…1hour, `YYYY` for 4hour…1month (the seed's rule)."""
        return "YYYYMMDD" if self in _DAILY_INTERVALS else "YYYY"

    @property
    def seconds(self) -> int:
        """Nominal length in seconds (a month counts 31 days; use for spacing, not calendars)."""
        return _INTERVAL_SECONDS[self]


_DAILY_INTERVALS = frozenset(
    {
        KlineInterval.MIN1,
        KlineInterval.MIN5,
        KlineInterval.MIN10,
        KlineInterval.MIN15,
        KlineInterval.MIN30,
        KlineInterval.HOUR1,
    }
)

_INTERVAL_SECONDS = {
    KlineInterval.MIN1: 60,
    KlineInterval.MIN5: 300,
    KlineInterval.MIN10: 600,
    KlineInterval.MIN15: 900,
    KlineInterval.MIN30: 1800,
    KlineInterval.HOUR1: 3600,
    KlineInterval.HOUR4: 4 * 3600,
    KlineInterval.HOUR8: 8 * 3600,
    KlineInterval.HOUR12: 12 * 3600,
    KlineInterval.DAY1: 86400,
    KlineInterval.WEEK1: 7 * 86400,
    KlineInterval.MONTH1: 31 * 86400,
}


class PublicChannel(StrEnum):
    TICKER = "ticker"
    ORDERBOOKS = "orderbooks"
    TRADES = "trades"


class PrivateChannel(StrEnum):
    EXECUTION_EVENTS = "executionEvents"
    ORDER_EVENTS = "orderEvents"
    POSITION_EVENTS = "positionEvents"
    POSITION_SUMMARY_EVENTS = "positionSummaryEvents"

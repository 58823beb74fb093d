"""Every Message of the app, as small dataclasses.

Snapshot-like messages (book, ticker, status, stream state, account snapshots) override
``can_replace`` so a newer one replaces an unprocessed older one of the same key: only the
latest book per symbol is ever rendered. Trades, fills and order results never coalesce.
Widgets re-export the ones they post as nested names (``OrderTicket.Submitted`` …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from textual.message import Message

from gmo_tui.exchange import models as m
from gmo_tui.exchange.enums import ExchangeStatus, KlineInterval, Side


class _Snapshot(Message):
    """Replaces an unprocessed older message of the same type and :meth:`key`."""

    def key(self) -> Any:
        return None

    def can_replace(self, message: Message) -> bool:
        return type(message) is type(self) and message.key() == self.key()  # type: ignore[attr-defined]


# ------------------------------------------------------------------ market data (workers -> app)


@dataclass
class BookUpdated(_Snapshot):
    """The book of ``symbol`` changed; the ladder reads the model."""

    symbol: str
    received_at: float = 0.0

    def key(self) -> Any:
        return self.symbol


@dataclass
class TickerUpdated(_Snapshot):
    ticker: m.Ticker

    def key(self) -> Any:
        return self.ticker.symbol


@dataclass
class TickersPolled(_Snapshot):
    """One /v1/ticker reply for every symbol."""

    tickers: tuple[m.Ticker, ...]


@dataclass
class TradesArrived(Message):
    """New prints for ``symbol`` (oldest first). Never coalesced."""

    symbol: str
    trades: tuple[m.Trade, ...]


@dataclass
class KlinesLoaded(_Snapshot):
    symbol: str
    interval: KlineInterval
    klines: tuple[m.Kline, ...]

    def key(self) -> Any:
        return (self.symbol, self.interval)


@dataclass
class SymbolsLoaded(Message):
    rules: tuple[m.SymbolRule, ...]


@dataclass
class ExchangeStatusChanged(_Snapshot):
    status: ExchangeStatus


@dataclass
class StreamStateChanged(_Snapshot):
    """One stream's state: CONNECTING / LIVE / STALE / RECONNECTING / DOWN."""

    stream: str
    state: str
    detail: str = ""
    reconnects: int = 0

    def key(self) -> Any:
        return self.stream


@dataclass
class MetricsUpdated(_Snapshot):
    """Feed latency p50 (ms), server clock offset (ms), REST budget in use (0..1)."""

    latency_p50_ms: float | None
    clock_offset_ms: float | None
    rest_usage: float | None


# ------------------------------------------------------------------ account (workers -> app)


@dataclass
class OrdersChanged(_Snapshot):
    symbol: str
    orders: tuple[m.Order, ...]

    def key(self) -> Any:
        return self.symbol


@dataclass
class PositionsChanged(_Snapshot):
    symbol: str
    positions: tuple[m.Position, ...]

    def key(self) -> Any:
        return self.symbol


@dataclass
class ExecutionsChanged(_Snapshot):
    symbol: str
    executions: tuple[m.Execution, ...]

    def key(self) -> Any:
        return self.symbol


@dataclass
class AccountChanged(_Snapshot):
    """Margin, assets and trading volume (any may be None when not fetched)."""

    margin: m.Margin | None = None
    assets: tuple[m.Asset, ...] | None = None
    volume: m.TradingVolume | None = None


@dataclass
class FillArrived(Message):
    """One execution of the user's order (private stream). Never coalesced."""

    event: m.ExecutionEvent


@dataclass
class PrivateEvent(Message):
    """An order / position / summary event of the private stream."""

    event: Any


@dataclass
class HistoryLoaded(Message):
    kind: str
    rows: tuple[Any, ...]
    windows: int = 0
    error: str = ""
    assets: tuple[str, ...] = ()
    """The crypto assets whose history was fetched."""
    skipped: int = 0
    """Held crypto assets left out (over the bound)."""


# ------------------------------------------------------------------ widgets -> app


@dataclass
class PricePicked(Message):
    """Enter on a ladder level: put ``price`` into the ticket."""

    price: Decimal
    side: Side | None = None


@dataclass
class GroupingChanged(Message):
    step: Decimal


@dataclass
class SymbolChosen(Message):
    symbol: str


@dataclass
class IntervalChosen(Message):
    interval: KlineInterval


@dataclass
class TicketSubmitted(Message):
    """The ticket's Enter: an order the user wants to send (after a confirm)."""

    intent: Any
    summary: dict[str, str] = field(default_factory=dict)


@dataclass
class OrderAction(Message):
    """An action on a row of the Orders/Positions tables: cancel, change, close, losscut …"""

    action: str
    target_id: int | None = None
    value: Decimal | None = None


@dataclass
class TransferRequested(Message):
    amount: Decimal
    transfer_type: str


@dataclass
class HistoryRequested(Message):
    start: datetime
    end: datetime

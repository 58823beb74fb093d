"""What the session tells the UI: :class:`SessionListener` (the trading service's listener plus
the market side), the permanent :class:`Banner` conditions and message severities."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from gmo_tui.alerts import Fired
from gmo_tui.exchange.enums import ExchangeStatus, KlineInterval
from gmo_tui.market.account import TransferEntry
from gmo_tui.trading.listener import TradingListener


class Severity(StrEnum):
    INFO = "information"
    WARNING = "warning"
    ERROR = "error"


class Banner(StrEnum):
    """Conditions shown permanently, with their reason, until resolved."""

    CONFIG = "config"
    UNREACHABLE = "unreachable"
    MAINTENANCE = "maintenance"
    AUTH = "auth"
    CLOCK = "clock"
    READ_ONLY = "read-only"


@dataclass(frozen=True, slots=True)
class HistoryProgress:
    """Deposit/withdrawal history: ``done`` False while windows are being fetched."""

    done: bool
    window: int
    windows: int
    rows: tuple[TransferEntry, ...] = ()
    assets: tuple[str, ...] = ()
    skipped: int = 0


class SessionListener(TradingListener, Protocol):
    """What the session tells the UI. Every call is a cue to re-render from the models."""

    def on_rules(self) -> None: ...
    def on_book(self, symbol: str) -> None: ...
    def on_trades(self, symbol: str) -> None: ...
    def on_tickers(self, symbols: tuple[str, ...]) -> None: ...
    def on_klines(self, symbol: str, interval: KlineInterval) -> None: ...
    def on_stream_state(self, stream: str, state: str, detail: str) -> None: ...
    def on_exchange_status(self, status: ExchangeStatus) -> None: ...
    def on_balances(self) -> None: ...
    def on_history(self, progress: HistoryProgress) -> None: ...
    def on_banner(self, banner: Banner, reason: str | None) -> None: ...
    def on_message(self, text: str, severity: Severity) -> None: ...
    def on_alert(self, fired: Fired) -> None: ...

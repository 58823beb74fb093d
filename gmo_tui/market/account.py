"""Account state: assets and their JPY value, margin, trading volume and fees, transfer history.

* Assets (``/v1/account/assets``): JPY value = ``amount * conversionRate`` (JPY itself counts 1).
* Margin (``/v1/account/margin``): available amount, margin ratio, margin-call status.
* Trading volume (``/v1/account/tradingVolume``): JPY volume, tier, per-symbol taker/maker fees.
* Transfer history: fiat and crypto deposits and withdrawals (four REST histories, each limited
  to 30-minute windows) merged into one list, newest first. An entry is identified by
  (kind, symbol, timestamp, amount, txHash, address); a later copy replaces the earlier one (a
  status change such as PROCESSING -> EXECUTED), so overlapping windows never duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from gmo_tui.exchange.enums import MarginCallStatus
from gmo_tui.exchange.models import Asset, CryptoTransfer, FiatTransfer, Margin, TradingVolume

__all__ = ["Account", "TransferEntry", "TransferKind"]

_ZERO = Decimal(0)


class TransferKind(StrEnum):
    FIAT_DEPOSIT = "fiat_deposit"
    FIAT_WITHDRAWAL = "fiat_withdrawal"
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"

    @property
    def is_deposit(self) -> bool:
        return self in (TransferKind.FIAT_DEPOSIT, TransferKind.DEPOSIT)


@dataclass(frozen=True, slots=True)
class TransferEntry:
    kind: TransferKind
    symbol: str
    amount: Decimal
    status: str
    timestamp: datetime
    fee: Decimal | None = None
    address: str = ""
    tx_hash: str = ""

    @property
    def key(self) -> tuple[object, ...]:
        return (self.kind, self.symbol, self.timestamp, self.amount, self.tx_hash, self.address)

    @classmethod
    def from_wire(cls, kind: TransferKind, row: FiatTransfer | CryptoTransfer) -> TransferEntry:
        if isinstance(row, FiatTransfer):
            return cls(kind, row.symbol, row.amount, row.status, row.timestamp, row.fee)
        return cls(
            kind,
            row.symbol,
            row.amount,
            row.status,
            row.timestamp,
            row.fee,
            row.address,
            row.tx_hash,
        )


class Account:
    def __init__(self) -> None:
        self._assets: dict[str, Asset] = {}
        self.margin: Margin | None = None
        self.volume: TradingVolume | None = None
        self._history: dict[tuple[object, ...], TransferEntry] = {}
        self.version = 0

    # ---------------------------------------------------------------- assets

    def set_assets(self, assets: Iterable[Asset]) -> None:
        """Replace the assets with a ``/v1/account/assets`` reply."""
        self._assets = {a.symbol: a for a in assets}
        self.version += 1

    @property
    def assets(self) -> list[Asset]:
        """JPY first, then by JPY value, largest first."""
        return sorted(
            self._assets.values(), key=lambda a: (a.symbol != "JPY", -self.jpy_value(a), a.symbol)
        )

    def asset(self, symbol: str) -> Asset | None:
        return self._assets.get(symbol)

    @staticmethod
    def jpy_value(asset: Asset) -> Decimal:
        if asset.symbol == "JPY":
            return asset.amount
        return asset.amount * asset.conversion_rate

    @property
    def total_jpy(self) -> Decimal:
        return sum((self.jpy_value(a) for a in self._assets.values()), _ZERO)

    def available(self, symbol: str) -> Decimal:
        a = self._assets.get(symbol)
        return a.available if a is not None else _ZERO

    # ---------------------------------------------------------------- margin

    def set_margin(self, margin: Margin) -> None:
        self.margin = margin
        self.version += 1

    @property
    def available_amount(self) -> Decimal | None:
        return self.margin.available_amount if self.margin else None

    @property
    def margin_ratio(self) -> Decimal | None:
        return self.margin.margin_ratio if self.margin else None

    @property
    def margin_call(self) -> bool:
        """True when the margin-call status is anything but NORMAL."""
        return (
            self.margin is not None
            and self.margin.margin_call_status is not MarginCallStatus.NORMAL
        )

    # ---------------------------------------------------------------- volume / fees

    def set_volume(self, volume: TradingVolume) -> None:
        self.volume = volume
        self.version += 1

    @property
    def tier(self) -> int | None:
        return self.volume.tier_level if self.volume else None

    def fees(self, symbol: str) -> tuple[Decimal, Decimal] | None:
        """(taker, maker) fee rates of ``symbol`` from the trading volume, if listed."""
        if self.volume is None:
            return None
        for lim in self.volume.limit:
            if lim.symbol == symbol:
                return lim.taker_fee, lim.maker_fee
        return None

    # ---------------------------------------------------------------- history

    def add_history(
        self, kind: TransferKind | str, rows: Iterable[FiatTransfer | CryptoTransfer]
    ) -> int:
        """Merge one history reply; return how many entries were new."""
        kind = TransferKind(kind)
        new = 0
        for row in rows:
            entry = TransferEntry.from_wire(kind, row)
            if entry.key not in self._history:
                new += 1
            self._history[entry.key] = entry
        self.version += 1
        return new

    def history(
        self, kind: TransferKind | None = None, limit: int | None = None
    ) -> list[TransferEntry]:
        """Transfers newest first, optionally of one kind."""
        out = [e for e in self._history.values() if kind is None or e.kind == kind]
        out.sort(key=lambda e: (e.timestamp, e.kind.value, e.symbol, e.amount), reverse=True)
        return out if limit is None else out[:limit]

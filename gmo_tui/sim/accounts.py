"""Accounts of the built-in exchange: balances, reservations, orders, positions and histories.

An :class:`Account` is plain state; the engine changes it. ``amounts`` holds what the account
owns per asset (``JPY`` and coins); ``reserved`` what its resting spot orders hold back;
``order_margin`` the margin held by resting margin orders that would open positions.
:func:`seed_history` fills the deposit/withdrawal histories with deterministic entries spread
over recent days (the newest of each kind within the last half hour, so a default
30-minute query finds something).
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.sim.orders import SimOrder, SimPosition

ZERO = Decimal(0)


@dataclass(slots=True)
class Account:
    id: str
    unlimited: bool = False
    tracked: bool = True  # False for the market maker: no history, no positions, no events
    amounts: dict[str, Decimal] = field(default_factory=dict)
    reserved: dict[str, Decimal] = field(default_factory=dict)
    order_margin: Decimal = ZERO
    fx_jpy: Decimal = ZERO
    orders: dict[int, SimOrder] = field(default_factory=dict)
    active: dict[str, dict[int, SimOrder]] = field(default_factory=dict)
    positions: dict[int, SimPosition] = field(default_factory=dict)
    executions: dict[int, models.Execution] = field(default_factory=dict)
    executions_by_order: dict[int, list[models.Execution]] = field(default_factory=dict)
    executions_by_symbol: dict[str, list[models.Execution]] = field(default_factory=dict)
    volume: deque[tuple[datetime, Decimal]] = field(default_factory=deque)
    volume_sum: Decimal = ZERO
    daily: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)
    last_transfer_at: datetime | None = None
    fiat_deposits: list[models.FiatTransfer] = field(default_factory=list)
    fiat_withdrawals: list[models.FiatTransfer] = field(default_factory=list)
    crypto_deposits: list[models.CryptoTransfer] = field(default_factory=list)
    crypto_withdrawals: list[models.CryptoTransfer] = field(default_factory=list)

    def amount(self, asset: str) -> Decimal:
        return self.amounts.get(asset, ZERO)

    def held(self, asset: str) -> Decimal:
        return self.reserved.get(asset, ZERO)

    def add(self, asset: str, delta: Decimal) -> None:
        self.amounts[asset] = self.amounts.get(asset, ZERO) + delta

    def hold(self, asset: str, delta: Decimal) -> None:
        self.reserved[asset] = self.reserved.get(asset, ZERO) + delta

    def active_in(self, symbol: str) -> dict[int, SimOrder]:
        active = self.active.get(symbol)
        if active is None:
            active = self.active[symbol] = {}
        return active


_FIAT_AMOUNTS = (10_000, 30_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
_CRYPTO = {
    "BTC": ("0.01", "0.05", "0.1", "0.25", "0.9503"),
    "ETH": ("0.1", "0.5", "1", "2.5"),
    "XRP": ("100", "500", "1000", "2500"),
}


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def seed_history(account: Account, *, now: datetime, seed: int, days: int = 14) -> None:
    """Fill ``account``'s four histories with entries over the last ``days`` days."""
    rng = random.Random(f"{seed}:{account.id}")

    def times(count: int) -> list[datetime]:
        recent = now - timedelta(minutes=rng.randint(3, 25), milliseconds=rng.randint(0, 999))
        older = [
            now
            - timedelta(seconds=rng.randint(3600, days * 86400), milliseconds=rng.randint(0, 999))
            for _ in range(count - 1)
        ]
        return sorted([recent, *older], reverse=True)

    for target, count in ((account.fiat_deposits, 8), (account.fiat_withdrawals, 5)):
        for ts in times(count):
            target.append(
                models.FiatTransfer(
                    amount=Decimal(rng.choice(_FIAT_AMOUNTS)),
                    fee=ZERO,
                    status="EXECUTED",
                    symbol="JPY",
                    timestamp=ts,
                )
            )
    for symbol, sizes in _CRYPTO.items():
        for crypto_target, count in ((account.crypto_deposits, 4), (account.crypto_withdrawals, 3)):
            for ts in times(count):
                crypto_target.append(
                    models.CryptoTransfer(
                        amount=Decimal(rng.choice(sizes)),
                        status="EXECUTED",
                        symbol=symbol,
                        timestamp=ts,
                        address=_hex(rng, 34),
                        tx_hash=_hex(rng, 64),
                    )
                )

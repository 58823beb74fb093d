"""Shared helpers (no tests) for the engine tests: a clock you advance, an engine with a seeded book."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from gmo_tui.sim.engine import MARKET_MAKER, AccountEvent, Engine
from gmo_tui.sim.symbols import SYMBOL_RULES

D = Decimal
START = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    engine: Engine
    clock: Clock
    events: list[object] = field(default_factory=list)

    def account_events(self, account_id: str, kind: type | None = None) -> list:
        out = []
        for event in self.events:
            if isinstance(event, AccountEvent) and event.account_id == account_id:
                if kind is None or isinstance(event.event, kind):
                    out.append(event.event)
        return out

    def ladder(self, symbol: str, mid: Decimal, step: Decimal, size: Decimal, levels: int = 5):
        """Market-maker asks at mid+step*i and bids at mid-step*i, i = 1..levels."""
        for i in range(1, levels + 1):
            self.engine.place_order(
                MARKET_MAKER,
                symbol=symbol,
                side="SELL",
                execution_type="LIMIT",
                size=size,
                price=mid + step * i,
            )
            self.engine.place_order(
                MARKET_MAKER,
                symbol=symbol,
                side="BUY",
                execution_type="LIMIT",
                size=size,
                price=mid - step * i,
            )


def make(seed: int = 42, *, jpy: Decimal = D(10_000_000), btc: Decimal = D(1)) -> Harness:
    clock = Clock()
    engine = Engine(SYMBOL_RULES, now=clock, seed=seed)
    harness = Harness(engine, clock)
    engine.add_listener(harness.events.append)
    engine.open_account(MARKET_MAKER, jpy=D(0), unlimited=True)
    engine.open_account("alice", jpy=jpy, crypto={"BTC": btc})
    engine.open_account("bob", jpy=jpy, crypto={"BTC": btc})
    return harness

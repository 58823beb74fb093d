"""The random-walk market: a market maker quoting every symbol and takers printing trades.

* The mid of each symbol does a seeded random walk around ``REFERENCE_PRICES`` in whole ticks
  (small gaussian steps, an occasional jump), one ``random.Random`` per symbol seeded from the
  exchange's seed, so a given seed always produces the same sequence of moves and trades.
* The market maker (engine account ``MARKET_MAKER``) keeps ``LEVELS`` (25) price levels per
  side around the mid by placing and cancelling real engine orders; when the mid moves through a
  user's resting order, the re-quote fills it.
* Synthetic takers (account ``TAKER``) send small market orders at ``trades_per_s`` so that
  demo users' resting orders at the top of the book get filled.
* Rates are per symbol (:class:`MarketRates`): book moves/snapshots, trades and tickers per
  second. Symbols without WebSocket subscribers move at ``idle_factor`` of those rates to keep
  CPU modest. A frozen market (``MarketRates.frozen()``) is built once (books, a half hour of
  trades) and then never moves.
* :class:`SteppingMarket` (rates, the exchange-facing calls, the step loop over the symbols),
  :class:`Schedule` (when to step, event credits) and :func:`open_house_accounts` are shared
  with the demo market of :mod:`~gmo_tui.sim.market_recorded`, which ``--demo`` and
  ``gmo-tui sim`` use; this random walk is ``SimState``'s default, the tests' market.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.sim.engine_events import PublicTrade
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES

if TYPE_CHECKING:
    from gmo_tui.sim.state import SimState

LEVELS = 25
log = logging.getLogger(__name__)
TAKER = "__taker__"
INITIAL_TRADES = 12
BUILD_SPAN_S = 30 * 60  # the initial trades are spread over the half hour before start
_DAY_VOL = 0.03


@dataclass(frozen=True)
class MarketRates:
    """Per-symbol message rates (per second) of the synthetic market."""

    books_per_s: float = 2.0
    trades_per_s: float = 2.0
    tickers_per_s: float = 1.0
    idle_factor: float = 0.05
    frozen_market: bool = False

    @classmethod
    def frozen(cls) -> MarketRates:
        """Build the books, trades and klines once, then nothing moves."""
        return cls(books_per_s=0, trades_per_s=0, tickers_per_s=0, frozen_market=True)

    @classmethod
    def quiet(cls) -> MarketRates:
        return cls(books_per_s=1, trades_per_s=0.5, tickers_per_s=0.5)

    @classmethod
    def busy(cls) -> MarketRates:
        return cls(books_per_s=20, trades_per_s=50, tickers_per_s=10)

    def with_(
        self,
        *,
        books_per_s: float | None = None,
        trades_per_s: float | None = None,
        tickers_per_s: float | None = None,
        idle_factor: float | None = None,
    ) -> MarketRates:
        """A copy with the rates given changed (``frozen_market`` stays)."""
        return replace(
            self,
            books_per_s=self.books_per_s if books_per_s is None else books_per_s,
            trades_per_s=self.trades_per_s if trades_per_s is None else trades_per_s,
            tickers_per_s=self.tickers_per_s if tickers_per_s is None else tickers_per_s,
            idle_factor=self.idle_factor if idle_factor is None else idle_factor,
        )


class Schedule:
    """When a stepping market steps: credits per (symbol, kind) and the loop that calls ``step``
    as often as the busiest rate needs (shared by :class:`SyntheticMarket` and the demo market of
    :mod:`~gmo_tui.sim.market_recorded`)."""

    def __init__(self, rates: Callable[[], MarketRates], step: Callable[[float], None]) -> None:
        self._rates = rates
        self._step = step
        self.credits: dict[tuple[str, str], float] = {}
        self._wake = asyncio.Event()

    def due(self, key: tuple[str, str], rate: float, elapsed: float) -> int:
        """How many of ``key``'s events are due after ``elapsed`` seconds at ``rate`` a second."""
        credit = self.credits.get(key, 0.0) + rate * elapsed
        count = int(credit)
        self.credits[key] = min(credit - count, 1.0)
        return count

    def wake(self) -> None:
        """Re-plan at once (a subscription or new rates)."""
        self._wake.set()

    async def run(self) -> None:
        last = time.monotonic()
        while True:
            rates = self._rates()
            top = max(rates.books_per_s, rates.trades_per_s, rates.tickers_per_s, 0.1)
            delay = min(0.1, max(0.005, 1 / top))
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except TimeoutError:
                pass
            now = time.monotonic()
            try:
                self._step(now - last)
            except Exception:  # one bad step must not stop the market
                log.exception("market: step failed")
            last = now


def open_house_accounts(state: SimState) -> None:
    """The market maker's and the taker's accounts (unlimited), unless already open."""
    from gmo_tui.sim.engine import MARKET_MAKER

    for account in (MARKET_MAKER, TAKER):
        if not state.engine.has_account(account):
            state.engine.open_account(account, jpy=Decimal("1e15"), unlimited=True)


class SteppingMarket:
    """What a market stepped by a :class:`Schedule` shares (the random walk here, the demo
    market of :mod:`~gmo_tui.sim.market_recorded`): its rates, a seeded ``random.Random`` per
    symbol, the symbols traded since they were last looked at (``traded``), the calls of a
    :class:`~gmo_tui.sim.market_source.MarketSource`, and :meth:`step`: nothing while frozen,
    else :meth:`step_symbols` with the symbols that have subscribers. A market makes its books
    and prints in :meth:`build` and :meth:`step_symbols`."""

    def __init__(self, state: SimState, rates: MarketRates) -> None:
        from gmo_tui.sim.engine import MARKET_MAKER

        self.state = state
        self.engine = state.engine
        self.rates = rates
        self.maker = MARKET_MAKER
        self.rng = {symbol: random.Random(f"{state.seed}:{symbol}") for symbol in SYMBOL_RULES}
        self.schedule = Schedule(lambda: self.rates, self.step)
        self.traded: set[str] = set()
        open_house_accounts(state)

    def build(self) -> None:
        """The market as it stands before anybody connects."""
        raise NotImplementedError

    def step_symbols(self, elapsed: float, active: set[str]) -> None:
        """Advance every symbol by ``elapsed`` seconds (``active``: those with subscribers)."""
        raise NotImplementedError

    def on_engine_event(self, event: object) -> None:
        if isinstance(event, PublicTrade):
            self.traded.add(event.symbol)

    def activate(self, symbol: str) -> None:
        """A socket subscribed to ``symbol``: re-plan the schedule at once."""
        self.schedule.wake()

    def set_rates(self, rates: MarketRates) -> None:
        self.rates = rates
        self.schedule.wake()

    def step(self, elapsed: float) -> None:
        """Advance the market by ``elapsed`` real seconds."""
        if self.rates.frozen_market or self.state.frozen:
            return
        self.step_symbols(elapsed, self.state.hub.active_symbols())

    async def run(self) -> None:
        """The market's schedule: steps as often as the busiest active rate needs."""
        await self.schedule.run()


class SyntheticMarket(SteppingMarket):
    def __init__(self, state: SimState, rates: MarketRates) -> None:
        super().__init__(state, rates)
        self.mid: dict[str, int] = {}  # in ticks
        self.quotes: dict[str, dict[tuple[Side, int], int]] = {s: {} for s in SYMBOL_RULES}
        self.moves = 0
        self.trades = 0

    # ------------------------------------------------------------------------ geometry

    def _tick(self, symbol: str) -> Decimal:
        return SYMBOL_RULES[symbol].tick_size

    def _price(self, symbol: str, ticks: int) -> Decimal:
        return ticks * self._tick(symbol)

    def _reference_ticks(self, symbol: str) -> int:
        return int(REFERENCE_PRICES[symbol] / self._tick(symbol))

    def _half_spread(self, symbol: str) -> int:
        return max(1, int(self._reference_ticks(symbol) * 0.0001))

    def _level_step(self, symbol: str) -> int:
        # a fixed grid per symbol: a small move of the mid changes only the ladder's ends
        return max(1, int(self._reference_ticks(symbol) * 0.0002))

    def _size(self, symbol: str, notional_jpy: float) -> Decimal:
        rule = SYMBOL_RULES[symbol]
        price = self._price(symbol, self.mid[symbol])
        raw = Decimal(int(notional_jpy)) / price
        size = (raw / rule.size_step).to_integral_value(ROUND_DOWN) * rule.size_step
        return min(max(size, rule.min_order_size), rule.max_order_size)

    def start_prices(self) -> dict[str, Decimal]:
        return {symbol: self._price(symbol, ticks) for symbol, ticks in self.mid.items()}

    # ------------------------------------------------------------------------ actions

    def walk(self, symbol: str, dt: float) -> None:
        """Move the mid by a random step worth ``dt`` seconds of volatility (in whole ticks)."""
        rng = self.rng[symbol]
        mid = self.mid[symbol]
        sd = mid * _DAY_VOL * (max(dt, 1e-3) / 86400) ** 0.5
        step = rng.gauss(0, sd)
        if rng.random() < 0.01:
            step += rng.choice((-1, 1)) * 15 * sd
        reference = int(REFERENCE_PRICES[symbol] / self._tick(symbol))
        # a gentle pull back to the reference keeps the walk plausible over long runs
        step += (reference - mid) * 0.0005
        self.mid[symbol] = max(10 * self._half_spread(symbol), mid + int(round(step)))
        self.moves += 1

    def requote(self, symbol: str) -> None:
        """Cancel quotes off the ladder, place the missing levels."""
        from gmo_tui.sim.engine import SimError

        mid = self.mid[symbol]
        half, step = self._half_spread(symbol), self._level_step(symbol)
        best_ask = -(-(mid + half) // step) * step
        best_bid = (mid - half) // step * step
        want = {(Side.SELL, best_ask + i * step) for i in range(LEVELS)}
        want |= {(Side.BUY, best_bid - i * step) for i in range(LEVELS) if best_bid - i * step > 0}
        quotes = self.quotes[symbol]
        for key in [k for k in quotes if k not in want]:
            try:
                self.engine.cancel_order(self.maker, quotes.pop(key))
            except SimError:
                pass
        book = self.engine.orderbook(symbol)
        tick = self._tick(symbol)
        resting = {(Side.SELL, int(level.price / tick)) for level in book.asks}
        resting |= {(Side.BUY, int(level.price / tick)) for level in book.bids}
        rng = self.rng[symbol]
        for side, ticks in sorted(want - resting):
            size = self._size(symbol, 300_000 * (0.4 + 1.6 * rng.random()))
            try:
                quotes[(side, ticks)] = self.engine.place_order(
                    self.maker,
                    symbol=symbol,
                    side=side,
                    execution_type=ExecutionType.LIMIT,
                    size=size,
                    price=self._price(symbol, ticks),
                    time_in_force=TimeInForce.FAS,
                )
            except SimError:
                pass

    def refresh(self, symbol: str) -> None:
        """Re-size one random quote near the top (a quote refresh: the book changes every move)."""
        from gmo_tui.sim.engine import SimError

        quotes = self.quotes[symbol]
        if not quotes:
            return
        rng = self.rng[symbol]
        near = sorted(quotes, key=lambda k: abs(k[1] - self.mid[symbol]))[:6]
        key = near[rng.randrange(len(near))]
        try:
            self.engine.cancel_order(self.maker, quotes.pop(key))
        except SimError:
            pass
        side, ticks = key
        try:
            quotes[key] = self.engine.place_order(
                self.maker,
                symbol=symbol,
                side=side,
                execution_type=ExecutionType.LIMIT,
                size=self._size(symbol, 300_000 * (0.4 + 1.6 * rng.random())),
                price=self._price(symbol, ticks),
                time_in_force=TimeInForce.FAS,
            )
        except SimError:
            pass

    def take(self, symbol: str) -> None:
        """One synthetic taker market order."""
        from gmo_tui.sim.engine import SimError

        rng = self.rng[symbol]
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        size = self._size(symbol, 20_000 + 180_000 * rng.random())
        try:
            # the taker is a house account (unlimited, untracked): no positions pile up
            self.engine.place_order(
                TAKER, symbol=symbol, side=side, execution_type=ExecutionType.MARKET, size=size
            )
            self.trades += 1
        except SimError:
            pass

    # ------------------------------------------------------------------------ lifecycle

    def build(self) -> None:
        """Initial books and a half hour of trades, deterministic from the seed.

        The clock is wound back by ``BUILD_SPAN_S`` and brought forward trade by trade, so the
        trade history and the first klines look like a market that has been running.
        """
        clock = self.state.clock
        saved = clock.advanced
        clock.advanced = saved - BUILD_SPAN_S
        try:
            self.state.klines.anchor({s: REFERENCE_PRICES[s] for s in SYMBOL_RULES})
            for symbol in SYMBOL_RULES:
                self.mid[symbol] = int(REFERENCE_PRICES[symbol] / self._tick(symbol))
                self.requote(symbol)
            gap = BUILD_SPAN_S / INITIAL_TRADES
            for _ in range(INITIAL_TRADES):
                clock.advanced += gap
                for symbol in SYMBOL_RULES:
                    self.walk(symbol, min(gap, 5.0))
                    self.requote(symbol)
                    self.take(symbol)
        finally:
            clock.advanced = saved
        for symbol in SYMBOL_RULES:
            self.requote(symbol)

    def step_symbols(self, elapsed: float, active: set[str]) -> None:
        rates = self.rates
        for symbol in SYMBOL_RULES:
            factor = 1.0 if symbol in active else rates.idle_factor
            moves = self.schedule.due((symbol, "book"), rates.books_per_s * factor, elapsed)
            for _ in range(min(moves, 50)):
                self.walk(symbol, 1 / max(rates.books_per_s * factor, 1e-6))
                self.requote(symbol)
                self.refresh(symbol)
            for _ in range(
                min(self.schedule.due((symbol, "trade"), rates.trades_per_s * factor, elapsed), 500)
            ):
                self.take(symbol)
                if self.trades % 5 == 0:
                    self.requote(symbol)
            if symbol in self.traded:
                # somebody (a taker or a user) ate into the ladder: put the levels back
                self.traded.discard(symbol)
                self.requote(symbol)
            if symbol in active:
                for _ in range(
                    min(self.schedule.due((symbol, "ticker"), rates.tickers_per_s, elapsed), 1)
                ):
                    self.state.hub.publish_ticker(symbol)

"""The demo market: every symbol wears the shipped recording's books and prints (``--demo``,
``gmo-tui sim``); the random walk of :mod:`~gmo_tui.sim.market` stays for the tests.

* Each symbol plays the :class:`~gmo_tui.sim.market_shape.Timeline` from its own starting
  point (seeded), at the recording's own timing, scaled to its price and lot: the ladder keeps
  the recording's uneven gaps and clustered levels, its round sizes and walls; prints keep their
  sizes and bursts.
* The market maker (engine account ``MARKET_MAKER``) holds one real engine order per level and
  re-quotes at each recorded book (only the levels that changed); a user's resting order the new
  book crosses is filled by the re-quote. Each recorded taker order is a real market order of the
  ``TAKER`` account, so it takes a user's better-priced order first.
* Recorded prices map to the symbol's by an affine map (:class:`Cursor`), widened up to
  ``MAX_STRETCH`` times for a symbol whose tick is coarse beside its price (else its levels
  would merge into a few).
* When a symbol has played the whole recording it plays it again, continuing from the price it
  reached; every other pass is mirrored (prices move the other way, bids and asks swap, taker
  sides swap), so the price does not drift away however long the demo runs.
* Symbols without subscribers apply a book at ``idle_factor`` of ``MarketRates.books_per_s`` and
  that fraction of prints; tickers go out at ``tickers_per_s``. Books and prints otherwise follow
  the recording's timing, not the rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.sim.market import (
    BUILD_SPAN_S,
    INITIAL_TRADES,
    TAKER,
    MarketRates,
    SteppingMarket,
)
from gmo_tui.sim.market_shape import BookShape, PrintShape, Timeline, size_of
from gmo_tui.sim.rules import SimError
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES

if TYPE_CHECKING:
    from collections.abc import Callable

    from gmo_tui.sim.state import SimState


BUILD_SLICE_S = 0.4
"""Seconds of the recording played per symbol at each of the build's INITIAL_TRADES steps: a
print or so each, taken from the symbol's first book (the start of the demo pays for every
quote, and nobody sees the books in between)."""


@dataclass
class Cursor:
    """Where one symbol is in the timeline, and how recorded prices map to its own.

    A recorded price ``p`` is ``base * (1 + direction * stretch * (p - origin) / origin)`` in this
    symbol: ``origin`` (a recorded price) maps to ``base``; ``direction`` is -1 on mirrored
    passes. The map depends on the recorded price only, so a level the recording keeps still stays
    where it is (no churn when the mid moves)."""

    index: int  # the next event
    at: float  # seconds into the recording
    passes: int  # completed passes; odd: mirrored
    origin: Decimal
    base: Decimal
    book: int | None = None  # the index of the latest book not yet applied

    @property
    def mirrored(self) -> bool:
        return self.passes % 2 == 1

    def price(self, recorded: Decimal, stretch: Decimal) -> Decimal:
        direction = -1 if self.mirrored else 1
        return self.base * (1 + direction * stretch * (recorded - self.origin) / self.origin)


class RecordedMarket(SteppingMarket):
    """The demo market (see the module docstring)."""

    def __init__(self, state: SimState, rates: MarketRates, timeline: Timeline) -> None:
        super().__init__(state, rates)
        self.timeline = timeline
        self.cursors: dict[str, Cursor] = {}
        # (side, price in ticks) -> (order id, size placed)
        self.quotes: dict[str, dict[tuple[Side, int], tuple[int, Decimal]]] = {
            s: {} for s in SYMBOL_RULES
        }
        self.passes_done = 0
        self.stretch = {s: timeline.stretch(s) for s in SYMBOL_RULES}

    # ------------------------------------------------------------------ geometry

    def mid_of(self, symbol: str, shape: BookShape) -> Decimal:
        """The mid of ``symbol`` when it wears ``shape``."""
        return self.cursors[symbol].price(shape.mid, self.stretch[symbol])

    def wanted(self, symbol: str, shape: BookShape) -> dict[tuple[Side, int], Decimal]:
        """The maker's levels for ``shape``: (side, ticks) -> size; never crossed, prices > 0."""
        cursor = self.cursors[symbol]
        tick = SYMBOL_RULES[symbol].tick_size
        bids, asks = shape.bids, shape.asks
        if cursor.mirrored:
            bids, asks = asks, bids  # the map turns prices over
        stretch = self.stretch[symbol]
        want: dict[tuple[Side, int], Decimal] = {}
        # bids round down and asks up from either side of the mid: never on the same tick
        for side, levels, rounding in (
            (Side.BUY, bids, ROUND_FLOOR),
            (Side.SELL, asks, ROUND_CEILING),
        ):
            for recorded, lots in levels:
                price = cursor.price(recorded, stretch) / tick
                ticks = int(price.to_integral_value(rounding))
                if ticks <= 0:
                    continue
                key = (side, ticks)
                want[key] = want.get(key, Decimal(0)) + size_of(symbol, lots)
        rule = SYMBOL_RULES[symbol]
        return {key: min(size, rule.max_order_size) for key, size in want.items()}

    # ------------------------------------------------------------------ actions

    def quote(self, symbol: str, shape: BookShape) -> None:
        """Make the maker's ladder ``shape``: cancel what changed first, then place."""
        want = self.wanted(symbol, shape)
        quotes = self.quotes[symbol]
        tick = SYMBOL_RULES[symbol].tick_size
        eaten: set[tuple[Side, int]] = set()
        if symbol in self.traded:
            # a taker or a user traded here: re-place the levels that are smaller than ours
            self.traded.discard(symbol)
            book = self.engine.orderbook(symbol)
            resting = {(Side.BUY, int(lv.price / tick)): lv.size for lv in book.bids}
            resting |= {(Side.SELL, int(lv.price / tick)): lv.size for lv in book.asks}
            eaten = {k for k, (_, size) in quotes.items() if resting.get(k, Decimal(0)) < size}
        for key in [k for k, (_, size) in quotes.items() if want.get(k) != size or k in eaten]:
            order_id, _ = quotes.pop(key)
            try:
                self.engine.cancel_order(self.maker, order_id)
            except SimError:
                pass  # filled meanwhile
        for (side, ticks), size in want.items():
            if (side, ticks) in quotes:
                continue
            try:
                order_id = self.engine.place_order(
                    self.maker,
                    symbol=symbol,
                    side=side,
                    execution_type=ExecutionType.LIMIT,
                    size=size,
                    price=ticks * tick,
                    time_in_force=TimeInForce.FAS,
                )
            except SimError:
                continue
            quotes[(side, ticks)] = (order_id, size)

    def take(self, symbol: str, shape: PrintShape) -> None:
        """One recorded taker order as a market order (mirrored passes swap its side)."""
        side = shape.side
        if self.cursors[symbol].mirrored:
            side = Side.SELL if side is Side.BUY else Side.BUY
        try:
            # the taker is a house account (unlimited, untracked): no positions pile up
            self.engine.place_order(
                TAKER,
                symbol=symbol,
                side=side,
                execution_type=ExecutionType.MARKET,
                size=size_of(symbol, shape.lots),
            )
        except SimError:
            pass

    def advance(
        self, symbol: str, seconds: float, *, books: bool, prints: float, requote: bool = True
    ) -> None:
        """Play ``seconds`` of the recording; apply the latest book when ``books``, each print
        with probability ``prints`` (1: all), on the book before it unless not ``requote`` (then
        on the book the symbol has, once it has one)."""
        cursor = self.cursors[symbol]
        timeline = self.timeline
        count = len(timeline.events)
        cursor.at += seconds
        rng = self.rng[symbol]
        while True:
            if cursor.index >= count:
                self._wrap(symbol, cursor)
            # a book passed over is never read (the shipped recording's are read when used)
            event = timeline.peek(cursor.index)
            if event.at > cursor.at:
                break
            cursor.index += 1
            match event:
                case PrintShape():
                    if prints >= 1 or rng.random() < prints:
                        if cursor.book is not None and (requote or not self.quotes[symbol]):
                            self.quote(symbol, timeline.book(cursor.book))
                            cursor.book = None
                        self.take(symbol, event)
                case _:
                    cursor.book = cursor.index - 1
        if books and cursor.book is not None:
            self.quote(symbol, timeline.book(cursor.book))
            cursor.book = None

    def _wrap(self, symbol: str, cursor: Cursor) -> None:
        """The recording is used up: play it again from the mid reached (the recording's first
        mid maps to it), mirrored every other pass."""
        last = self.timeline.events[self.timeline.book_indices[-1]]
        assert isinstance(last, BookShape)
        cursor.base = self.mid_of(symbol, last)
        cursor.origin = self.timeline.start_mid
        cursor.passes += 1
        cursor.book = None  # a book of the pass before, for the map before: the pass opens on one
        cursor.index = 0
        cursor.at -= self.timeline.span
        self.passes_done += 1

    # ------------------------------------------------------------------ lifecycle

    def build(self) -> None:
        """Each symbol at its own (seeded) point of the recording, at its reference price, with
        the prints of the last ``BUILD_SPAN_S`` (a few per symbol) behind it."""
        events = self.timeline.events
        books = self.timeline.book_indices
        for symbol in SYMBOL_RULES:
            index = books[self.rng[symbol].randrange(len(books))]
            start = events[index]
            assert isinstance(start, BookShape)
            self.cursors[symbol] = Cursor(
                index=index, at=start.at, passes=0, origin=start.mid, base=REFERENCE_PRICES[symbol]
            )
        clock = self.state.clock
        saved = clock.advanced
        clock.advanced = saved - BUILD_SPAN_S
        try:
            self.state.klines.anchor({s: REFERENCE_PRICES[s] for s in SYMBOL_RULES})
            gap = BUILD_SPAN_S / INITIAL_TRADES
            for _ in range(INITIAL_TRADES):
                clock.advanced += gap
                for symbol in SYMBOL_RULES:
                    # nobody sees the books in between: each symbol's first print has its book
                    # quoted, the rest take from it (the last book is quoted below)
                    self.advance(symbol, BUILD_SLICE_S, books=False, prints=1, requote=False)
        finally:
            clock.advanced = saved
        for symbol in SYMBOL_RULES:
            self.advance(symbol, 0.0, books=True, prints=1)

    def step_symbols(self, elapsed: float, active: set[str]) -> None:
        rates = self.rates
        schedule = self.schedule
        for symbol in SYMBOL_RULES:
            if symbol in active:
                self.advance(symbol, elapsed, books=True, prints=1)
                for _ in range(
                    min(schedule.due((symbol, "ticker"), rates.tickers_per_s, elapsed), 1)
                ):
                    self.state.hub.publish_ticker(symbol)
            else:
                due = schedule.due((symbol, "book"), rates.books_per_s * rates.idle_factor, elapsed)
                self.advance(symbol, elapsed, books=due > 0, prints=rates.idle_factor)


def recorded_market(timeline: Timeline) -> Callable[[SimState, MarketRates], RecordedMarket]:
    """The ``market=`` factory of the demo market wearing ``timeline`` (read from a recording by
    :func:`gmo_tui.record.demo_market.load_timeline`)."""

    def factory(state: SimState, rates: MarketRates) -> RecordedMarket:
        return RecordedMarket(state, rates, timeline)

    return factory

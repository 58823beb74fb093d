"""A recording's market as shapes any symbol can wear: :class:`Timeline`.

A recording of one symbol (``orderbooks`` and ``trades`` frames) is turned into a timeline of
events in that symbol's prices and *lots*, so that a symbol of any price can wear it (the demo
market maps recorded prices to its own with an affine map):

* :class:`BookShape`: each level's recorded price (the ladder's uneven gaps) and its size in
  lots;
* :class:`PrintShape`: one taker order (the prints of one side at one instant, summed) in lots.

A symbol's lot (:func:`lot_of`) is the largest power of ten of its base asset worth at most
``LOT_JPY`` yen at its reference price (0.001 BTC and BTC_JPY, 0.01 ETH, 100 XRP): a round size
stays round in every symbol, and a size below a symbol's minimum order becomes the minimum.
A recording becomes a :class:`Timeline` in :mod:`gmo_tui.record.demo_market` (the exchange reads
no files: its owner hands the timeline in).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from functools import cache

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import Side
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES

LOT_JPY = Decimal(15000)
DEPTH = 40  # levels a side taken from each recorded book (a real one may hold hundreds)
MAX_STRETCH = Decimal(4)


@dataclass(frozen=True, slots=True)
class BookShape:
    at: float  # seconds since the recording's first frame
    mid: Decimal  # the recorded mid
    bids: tuple[tuple[Decimal, Decimal], ...]  # (recorded price, lots), best first
    asks: tuple[tuple[Decimal, Decimal], ...]


@dataclass(frozen=True, slots=True)
class PrintShape:
    at: float
    side: Side  # the taker's side
    lots: Decimal


@dataclass(frozen=True)
class Timeline:
    """A recording's books and taker orders, in order; ``span`` seconds long."""

    events: tuple[BookShape | PrintShape, ...]
    span: float
    start_mid: Decimal  # the mid of the first book
    gap: Decimal  # the median gap between neighbouring levels, as a fraction of the mid

    def stretch(self, symbol: str) -> Decimal:
        """How much to widen the recorded moves for ``symbol`` so that its levels stay apart
        where its tick is coarse (the median gap two ticks), from 1 to ``MAX_STRETCH``."""
        tick = SYMBOL_RULES[symbol].tick_size / REFERENCE_PRICES[symbol]
        return min(max(Decimal(1), 2 * tick / self.gap), MAX_STRETCH)


@cache
def lot_of(symbol: str) -> Decimal:
    """The size one lot stands for in ``symbol`` (see the module docstring)."""
    raw = LOT_JPY / REFERENCE_PRICES[symbol]
    exponent = int(raw.log10().to_integral_value(ROUND_FLOOR))
    return Decimal(10) ** exponent


def size_of(symbol: str, lots: Decimal) -> Decimal:
    """``lots`` of ``symbol`` as an order size: on its size step, within its order limits."""
    rule = SYMBOL_RULES[symbol]
    raw = lots * lot_of(symbol)
    size = (raw / rule.size_step).to_integral_value(ROUND_DOWN) * rule.size_step
    return min(max(size, rule.min_order_size), rule.max_order_size)


def levels_in_lots(
    levels: tuple[models.BookLevel, ...], lot: Decimal
) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((level.price, level.size / lot) for level in levels[:DEPTH] if level.size > 0)

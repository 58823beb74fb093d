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

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from functools import cache, cached_property
from typing import overload

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


@dataclass(frozen=True, slots=True)
class LaterBook:
    """A book of :class:`Events` not read yet: its time and its recorded bytes."""

    at: float
    raw: bytes


class Events(Sequence[BookShape | PrintShape]):
    """A timeline's events, each book read from its recorded bytes the first time it is looked
    at (a start needs one book per symbol, not the recording's thousands; the market reaches
    the rest a few a second). ``read(at, raw)`` makes the book."""

    def __init__(
        self,
        items: list[BookShape | PrintShape | LaterBook],
        read: Callable[[float, bytes], BookShape],
    ) -> None:
        self._items = items
        self._read = read
        self.book_indices = tuple(
            i for i, item in enumerate(items) if isinstance(item, BookShape | LaterBook)
        )

    def __len__(self) -> int:
        return len(self._items)

    def peek(self, index: int) -> BookShape | PrintShape | LaterBook:
        """The event at ``index``, a book left unread if it is."""
        return self._items[index]

    @overload
    def __getitem__(self, index: int) -> BookShape | PrintShape: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[BookShape | PrintShape, ...]: ...
    def __getitem__(
        self, index: int | slice
    ) -> BookShape | PrintShape | tuple[BookShape | PrintShape, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self._items))))
        item = self._items[index]
        if isinstance(item, LaterBook):
            item = self._items[index] = self._read(item.at, item.raw)
        return item


@dataclass(frozen=True)
class Timeline:
    """A recording's books and taker orders, in order; ``span`` seconds long."""

    events: Sequence[BookShape | PrintShape]
    span: float
    start_mid: Decimal  # the mid of the first book
    gap: Decimal  # the median gap between neighbouring levels, as a fraction of the mid

    def peek(self, index: int) -> BookShape | PrintShape | LaterBook:
        """The event at ``index`` without reading a book (its time and kind are known)."""
        if isinstance(self.events, Events):
            return self.events.peek(index)
        return self.events[index]

    def book(self, index: int) -> BookShape:
        """The book at ``index``, read."""
        book = self.events[index]
        assert isinstance(book, BookShape)
        return book

    @cached_property
    def book_indices(self) -> tuple[int, ...]:
        """Where the books are in ``events`` (without reading any)."""
        if isinstance(self.events, Events):
            return self.events.book_indices
        return tuple(i for i, event in enumerate(self.events) if isinstance(event, BookShape))

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

"""Price levels of one symbol's order book, kept sorted for cheap place/cancel/snapshot.

Each side holds ``levels: price -> {order id: order}`` (dict insertion order is time priority),
``totals: price -> resting size`` and ``prices``, an ascending list maintained with
:mod:`bisect`. Placing or cancelling touches one level; a snapshot reads ``depth`` levels.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from decimal import Decimal

from gmo_tui.exchange.models import BookLevel
from gmo_tui.sim.orders import SimOrder


class BookSide:
    __slots__ = ("is_bid", "levels", "prices", "totals")

    def __init__(self, is_bid: bool) -> None:
        self.is_bid = is_bid
        self.prices: list[Decimal] = []
        self.levels: dict[Decimal, dict[int, SimOrder]] = {}
        self.totals: dict[Decimal, Decimal] = {}

    def __len__(self) -> int:
        return len(self.prices)

    def best(self) -> Decimal | None:
        if not self.prices:
            return None
        return self.prices[-1] if self.is_bid else self.prices[0]

    def add(self, order: SimOrder) -> None:
        price = order.price
        level = self.levels.get(price)
        if level is None:
            insort(self.prices, price)
            level = self.levels[price] = {}
            self.totals[price] = Decimal(0)
        level[order.id] = order
        self.totals[price] += order.remaining

    def remove(self, order: SimOrder) -> None:
        """Take ``order`` off the book (its whole remaining size)."""
        price = order.price
        level = self.levels.get(price)
        if level is None or level.pop(order.id, None) is None:
            return
        if not level:
            self._drop(price)
        else:
            self.totals[price] -= order.remaining

    def filled(self, order: SimOrder, qty: Decimal) -> None:
        """``order`` (already updated) traded ``qty``; drop it when nothing remains."""
        price = order.price
        if order.remaining <= 0:
            level = self.levels[price]
            level.pop(order.id, None)
            if not level:
                self._drop(price)
                return
        self.totals[price] -= qty

    def _drop(self, price: Decimal) -> None:
        del self.levels[price]
        del self.totals[price]
        index = bisect_left(self.prices, price)
        del self.prices[index]

    def iter_prices(self) -> Iterator[Decimal]:
        """Prices from the best outward (a copy: safe while the book changes)."""
        return iter(list(reversed(self.prices)) if self.is_bid else list(self.prices))

    def first_order(self, price: Decimal) -> SimOrder:
        return next(iter(self.levels[price].values()))

    def snapshot(self, depth: int | None) -> tuple[BookLevel, ...]:
        prices = self.prices
        if self.is_bid:
            chosen = prices[::-1] if depth is None else prices[: -depth - 1 : -1]
        else:
            chosen = prices if depth is None else prices[:depth]
        totals = self.totals
        return tuple(BookLevel(price=p, size=totals[p]) for p in chosen)


class SymbolBook:
    """Both sides of one symbol's book."""

    __slots__ = ("asks", "bids", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)

    def side_of(self, order: SimOrder) -> BookSide:
        """The side an order rests on."""
        return self.bids if order.side == "BUY" else self.asks

    def opposite_of(self, order: SimOrder) -> BookSide:
        """The side an order takes from."""
        return self.asks if order.side == "BUY" else self.bids

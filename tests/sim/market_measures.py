"""What the market tests measure on books and prints: level-gap spread, round sizes, walls."""

from __future__ import annotations

import statistics
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.sim.market_shape import lot_of
from gmo_tui.sim.symbols import SYMBOL_RULES


def gap_cv(book: models.OrderBook, symbol: str, depth: int = 20) -> float:
    """The coefficient of variation of the gaps (in ticks) between neighbouring levels."""
    tick = SYMBOL_RULES[symbol].tick_size
    gaps: list[int] = []
    for levels in (book.bids[:depth], book.asks[:depth]):
        prices = [int(level.price / tick) for level in levels]
        gaps += [abs(b - a) for a, b in zip(prices, prices[1:], strict=False)]
    mean = statistics.fmean(gaps)
    return statistics.pstdev(gaps) / mean


def is_round(size: Decimal, symbol: str) -> bool:
    """One significant digit in the symbol's lots (0.01, 0.05, 0.3 BTC; 2, 50 ETH ...)."""
    return len((size / lot_of(symbol)).normalize().as_tuple().digits) == 1


def round_share(sizes: list[Decimal], symbol: str) -> float:
    return sum(is_round(s, symbol) for s in sizes) / len(sizes)


def sizes_of(book: models.OrderBook, depth: int = 20) -> list[Decimal]:
    return [level.size for level in (*book.bids[:depth], *book.asks[:depth])]


def assert_sane(book: models.OrderBook, symbol: str) -> None:
    """Both sides there, not crossed, sorted, every price and size positive and on the rules."""
    rule = SYMBOL_RULES[symbol]
    assert book.bids and book.asks, symbol
    assert book.bids[0].price < book.asks[0].price, (symbol, book.bids[0], book.asks[0])
    bids = [level.price for level in book.bids]
    asks = [level.price for level in book.asks]
    assert bids == sorted(bids, reverse=True) and asks == sorted(asks), symbol
    for level in (*book.bids, *book.asks):
        assert level.price > 0 and level.size > 0, (symbol, level)
        assert level.price % rule.tick_size == 0, (symbol, level)

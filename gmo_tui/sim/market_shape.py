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
:func:`demo_recording` is the recording shipped with the package (made by
``scripts/make_demo_market.py``).
"""

from __future__ import annotations

import os
import statistics
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from functools import cache
from importlib import resources
from pathlib import Path

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import Side
from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording, read_parts
from gmo_tui.sim.replay_view import decode_frame
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES

LOT_JPY = Decimal(15000)
DEPTH = 40  # levels a side taken from each recorded book (a real one may hold hundreds)
MAX_STRETCH = Decimal(4)
_NS = 1_000_000_000


def demo_recording() -> Path:
    """The recording shipped with the package."""
    return Path(str(resources.files("gmo_tui.sim").joinpath("data/demo_market.gmorec")))


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


def _levels(
    levels: tuple[models.BookLevel, ...], lot: Decimal
) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((level.price, level.size / lot) for level in levels[:DEPTH] if level.size > 0)


def load_timeline(path: str | os.PathLike[str] | None = None) -> Timeline:
    """The timeline of the recording at ``path`` (default: the shipped one), of its first symbol.

    Raises ``FormatError``/``OSError`` when the file is unreadable, ``ValueError`` when it holds
    no two-sided book."""
    target = demo_recording() if path is None else Path(path)
    symbols = open_recording(target).header.symbols
    if not symbols or symbols[0] not in SYMBOL_RULES:
        raise ValueError(f"{target} records no symbol of the built-in exchange ({symbols})")
    symbol = symbols[0]
    lot = lot_of(symbol)
    events: list[BookShape | PrintShape] = []
    first_ns: int | None = None
    pending: dict[tuple[int, Side], Decimal] = {}

    def flush() -> None:
        for (stamp, side), lots in pending.items():
            events.append(PrintShape((stamp - (first_ns or stamp)) / _NS, side, lots))
        pending.clear()

    for _, record in read_parts(target):
        if record.kind is not Kind.PUBLIC:
            continue
        frame = decode_frame(record.payload)
        if frame is None or frame.symbol != symbol:
            continue
        match frame.event:
            case models.OrderBookEvent() as book if book.bids and book.asks:
                flush()
                first_ns = record.time_ns if first_ns is None else first_ns
                mid = (book.bids[0].price + book.asks[0].price) / 2
                at = (record.time_ns - first_ns) / _NS
                events.append(BookShape(at, mid, _levels(book.bids, lot), _levels(book.asks, lot)))
            case models.TradeEvent() as trade if first_ns is not None:
                key = (record.time_ns, trade.side)
                if pending and key not in pending:
                    flush()
                pending[key] = pending.get(key, Decimal(0)) + trade.size / lot
    flush()
    books = [e for e in events if isinstance(e, BookShape)]
    if not books:
        raise ValueError(f"{target} holds no two-sided book of {symbol}")
    # the pass after the last event starts one book interval later
    gaps = [
        abs(levels[i + 1][0] - levels[i][0]) / book.mid
        for book in books
        for levels in (book.bids, book.asks)
        for i in range(len(levels) - 1)
    ]
    gap = statistics.median(gaps) if gaps else Decimal("0.0001")
    return Timeline(tuple(events), max(events[-1].at + 0.25, 1.0), books[0].mid, gap)

"""The demo market's shape read from a recording: :func:`load_timeline` and :func:`demo_market`.

The built-in exchange reads no files: this module reads a recording (the one shipped with the
package by default, made by ``scripts/make_demo_market.py``, or any ``gmo-tui record`` file)
into the exchange's :class:`~gmo_tui.sim.market_shape.Timeline`, and :func:`demo_market` hands
it to :func:`gmo_tui.sim.market_recorded.recorded_market`.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from pathlib import Path

import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import Side
from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording, read_parts
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.market_recorded import RecordedMarket, recorded_market
from gmo_tui.sim.market_shape import (
    BookShape,
    Events,
    LaterBook,
    PrintShape,
    Timeline,
    levels_in_lots,
    lot_of,
)
from gmo_tui.sim.replay_view import ORDERBOOKS, TRADES, decode_frame
from gmo_tui.sim.state import SimState
from gmo_tui.sim.symbols import SYMBOL_RULES

_NS = 1_000_000_000


def demo_recording() -> Path:
    """The recording shipped with the package."""
    return Path(str(resources.files("gmo_tui.sim").joinpath("data/demo_market.gmorec")))


class _Head(msgspec.Struct):
    """What telling a frame's kind needs: its channel and symbol, and whether it holds levels
    on both sides (each level left unread)."""

    channel: str
    symbol: str | None = None
    bids: list[msgspec.Raw] = []
    asks: list[msgspec.Raw] = []


_head = msgspec.json.Decoder(_Head)
GAP_SAMPLE = 16  # the gap is the median over every 16th book (the shipped recording: 0.5 % off all)


def _book(at: float, raw: bytes, lot: Decimal) -> BookShape | None:
    frame = decode_frame(raw)
    if frame is None or not isinstance(book := frame.event, models.OrderBookEvent):
        return None
    if not (book.bids and book.asks):
        return None
    mid = (book.bids[0].price + book.asks[0].price) / 2
    return BookShape(at, mid, levels_in_lots(book.bids, lot), levels_in_lots(book.asks, lot))


def load_timeline(path: str | os.PathLike[str] | None = None) -> Timeline:
    """The timeline of the recording at ``path`` (default: the shipped one), of its first symbol.

    The shipped recording's books are read when the market first looks at each
    (:class:`~gmo_tui.sim.market_shape.Events`; every one of them reads, a test says so); any
    other recording's are read here, and a book that does not read is left out.
    Raises ``FormatError``/``OSError`` when the file is unreadable, ``ValueError`` when it holds
    no two-sided book."""
    target = demo_recording() if path is None else Path(path)
    later = path is None
    symbols = open_recording(target).header.symbols
    if not symbols or symbols[0] not in SYMBOL_RULES:
        raise ValueError(f"{target} records no symbol of the built-in exchange ({symbols})")
    symbol = symbols[0]
    lot = lot_of(symbol)
    items: list[BookShape | PrintShape | LaterBook] = []
    first_ns: int | None = None
    pending: dict[tuple[int, Side], Decimal] = {}

    def flush() -> None:
        for (stamp, side), lots in pending.items():
            items.append(PrintShape((stamp - (first_ns or stamp)) / _NS, side, lots))
        pending.clear()

    for _, record in read_parts(target):
        if record.kind is not Kind.PUBLIC:
            continue
        try:
            head = _head.decode(record.payload)
        except (msgspec.ValidationError, msgspec.DecodeError):
            continue
        if head.symbol != symbol:
            continue
        if head.channel == ORDERBOOKS and head.bids and head.asks:
            at = (record.time_ns - (first_ns or record.time_ns)) / _NS
            item: BookShape | LaterBook | None = (
                LaterBook(at, record.payload) if later else _book(at, record.payload, lot)
            )
            if item is None:
                continue
            flush()
            first_ns = record.time_ns if first_ns is None else first_ns
            items.append(item)
        elif head.channel == TRADES and first_ns is not None:
            frame = decode_frame(record.payload)
            if frame is None or not isinstance(trade := frame.event, models.TradeEvent):
                continue
            key = (record.time_ns, trade.side)
            if pending and key not in pending:
                flush()
            pending[key] = pending.get(key, Decimal(0)) + trade.size / lot
    flush()

    def read(at: float, raw: bytes) -> BookShape:
        book = _book(at, raw, lot)
        if book is None:
            raise ValueError(f"{target}: a book at {at:.3f} s does not read")
        return book

    events = Events(items, read)
    if not events.book_indices:
        raise ValueError(f"{target} holds no two-sided book of {symbol}")
    books = [events[i] for i in events.book_indices[::GAP_SAMPLE]]
    gaps = [
        abs(levels[i + 1][0] - levels[i][0]) / book.mid
        for book in books
        if isinstance(book, BookShape)
        for levels in (book.bids, book.asks)
        for i in range(len(levels) - 1)
    ]
    gap = statistics.median(gaps) if gaps else Decimal("0.0001")
    first = books[0]
    assert isinstance(first, BookShape)
    # the pass after the last event starts one book interval later
    return Timeline(events, max(events[-1].at + 0.25, 1.0), first.mid, gap)


def demo_market(
    path: str | None = None,
) -> Callable[[SimState, MarketRates], RecordedMarket]:
    """The ``market=`` factory of the demo market, shaped by the recording at ``path`` (default:
    the shipped one). Raises as :func:`load_timeline` does."""
    return recorded_market(load_timeline(path))

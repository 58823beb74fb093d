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

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import Side
from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording, read_parts
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.market_recorded import RecordedMarket, recorded_market
from gmo_tui.sim.market_shape import (
    BookShape,
    PrintShape,
    Timeline,
    levels_in_lots,
    lot_of,
)
from gmo_tui.sim.replay_view import decode_frame
from gmo_tui.sim.state import SimState
from gmo_tui.sim.symbols import SYMBOL_RULES

_NS = 1_000_000_000


def demo_recording() -> Path:
    """The recording shipped with the package."""
    return Path(str(resources.files("gmo_tui.sim").joinpath("data/demo_market.gmorec")))


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
                events.append(
                    BookShape(
                        at, mid, levels_in_lots(book.bids, lot), levels_in_lots(book.asks, lot)
                    )
                )
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
    # the median gap of every 4th book (the shipped recording: within 0.04 % of all of them),
    # at a quarter of the start-up time
    gaps = [
        abs(levels[i + 1][0] - levels[i][0]) / book.mid
        for book in books[::4]
        for levels in (book.bids, book.asks)
        for i in range(len(levels) - 1)
    ]
    gap = statistics.median(gaps) if gaps else Decimal("0.0001")
    return Timeline(tuple(events), max(events[-1].at + 0.25, 1.0), books[0].mid, gap)


def demo_market(
    path: str | None = None,
) -> Callable[[SimState, MarketRates], RecordedMarket]:
    """The ``market=`` factory of the demo market, shaped by the recording at ``path`` (default:
    the shipped one). Raises as :func:`load_timeline` does."""
    return recorded_market(load_timeline(path))

"""Open margin positions and per-symbol position summaries, with live P&L against the book.

:class:`Positions` keeps open positions by ``positionId`` from ``/v1/openPositions`` (REST, per
symbol: a load *replaces* that symbol's positions) and ``positionEvents``: OPR (opened), UPR
(updated), ULR (losscut price changed) upsert; CPR (closed) or a size of 0 removes. A closed
position id is remembered and never resurrected by a late or stale event or REST row, and an
event older than the stored position's timestamp is ignored (counted in ``stale``).

Unrealised P&L is marked against a *sane* book only (:meth:`Book.reference`): BUY positions at
the best bid, SELL positions at the best ask; ``(mark - price) * size`` for BUY and
``(price - mark) * size`` for SELL; ``None`` when the book is not usable. Only the current
symbol's book is streamed: :func:`marked_pnl` falls back to the ticker's best bid / ask (every
symbol's ticker is streamed or polled) and says which price it used (:class:`Mark`).

Summaries (``/v1/positionSummary``, ``positionSummaryEvents`` INIT/UPDATE/PERIODIC) are kept by
(symbol, side); one with no position and no order quantity is removed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import (
    POSITION_MSG_TYPES,
    SUMMARY_MSG_TYPES,
    Position,
    PositionEvent,
    PositionSummary,
    PositionSummaryEvent,
    Ticker,
)
from gmo_tui.market.book import Book

__all__ = ["Mark", "Positions", "marked_pnl", "unrealised_pnl"]

log = logging.getLogger(__name__)
_ZERO = Decimal(0)


def unrealised_pnl(side: Side, price: Decimal, size: Decimal, book: Book | None) -> Decimal | None:
    """P&L of ``size`` opened at ``price`` if closed at the touch now; ``None`` without a sane book."""
    if book is None:
        return None
    ref = book.reference()
    if ref is None:
        return None
    if side is Side.BUY:
        return (ref.bid - price) * size
    return (price - ref.ask) * size


class Mark(StrEnum):
    """The price a position's P&L is marked at."""

    BOOK = "book"
    """The live book's touch (best bid for BUY, best ask for SELL)."""
    TICKER = "ticker"
    """The ticker's best bid / ask: the symbol's book is not streamed (another symbol)."""


def marked_pnl(
    position: Position, book: Book | None, ticker: Ticker | None
) -> tuple[Decimal | None, Mark | None]:
    """``position``'s P&L at the sane book's touch, else at the ticker's bid / ask, with the
    price used; ``(None, None)`` when there is no price at all."""
    pnl = unrealised_pnl(position.side, position.price, position.size, book)
    if pnl is not None:
        return pnl, Mark.BOOK
    if ticker is None:
        return None, None
    touch = ticker.bid if position.side is Side.BUY else ticker.ask
    if touch <= 0:  # a ticker without that side
        return None, None
    if position.side is Side.BUY:
        return (touch - position.price) * position.size, Mark.TICKER
    return (position.price - touch) * position.size, Mark.TICKER


class Positions:
    def __init__(self) -> None:
        self._open: dict[int, Position] = {}
        self._closed: set[int] = set()
        self._summaries: dict[tuple[str, Side], PositionSummary] = {}
        self._summary_ts: dict[tuple[str, Side], datetime] = {}
        self.stale = 0
        self.anomalies = 0
        self.version = 0

    # ---------------------------------------------------------------- positions

    def __len__(self) -> int:
        return len(self._open)

    def get(self, position_id: int) -> Position | None:
        return self._open.get(position_id)

    def all(self, symbol: str | None = None) -> list[Position]:
        """Open positions, oldest first."""
        out = [p for p in self._open.values() if symbol is None or p.symbol == symbol]
        out.sort(key=lambda p: (p.timestamp, p.position_id))
        return out

    def load(self, positions: Iterable[Position], symbol: str | None = None) -> None:
        """Replace open positions from a REST list (of ``symbol``, or of every symbol if None)."""
        for pid in [pid for pid, p in self._open.items() if symbol is None or p.symbol == symbol]:
            del self._open[pid]
        for p in positions:
            if p.position_id in self._closed or p.size <= 0:
                continue
            self._open[p.position_id] = p
        self.version += 1

    def apply_event(self, ev: PositionEvent) -> Position | None:
        """Apply one ``positionEvents`` frame; return the open position after it (or None)."""
        if ev.msg_type not in POSITION_MSG_TYPES:
            self.anomalies += 1
            log.warning(
                "positions: unknown msgType %r for position %s", ev.msg_type, ev.position_id
            )
            return self._open.get(ev.position_id)
        pid = ev.position_id
        if pid in self._closed:
            self.stale += 1
            return None
        current = self._open.get(pid)
        if current is not None and ev.timestamp < current.timestamp:
            self.stale += 1
            return current
        self.version += 1
        if ev.msg_type == "CPR" or ev.size <= 0:
            self._open.pop(pid, None)
            self._closed.add(pid)
            return None
        pos = Position(
            position_id=pid,
            symbol=ev.symbol,
            side=ev.side,
            size=ev.size,
            orderd_size=ev.orderd_size,
            price=ev.price,
            loss_gain=ev.loss_gain,
            leverage=ev.leverage,
            losscut_price=ev.losscut_price,
            timestamp=ev.timestamp,
        )
        self._open[pid] = pos
        return pos

    def unrealised(self, position: Position, book: Book | None) -> Decimal | None:
        return unrealised_pnl(position.side, position.price, position.size, book)

    def total_unrealised(self, symbol: str, book: Book | None) -> Decimal | None:
        """Sum over ``symbol``'s open positions (0 with none; ``None`` without a sane book)."""
        total = _ZERO
        for p in self.all(symbol):
            pnl = self.unrealised(p, book)
            if pnl is None:
                return None
            total += pnl
        return total

    def net_size(self, symbol: str) -> Decimal:
        """BUY size minus SELL size of ``symbol``'s open positions."""
        return sum((p.size if p.side is Side.BUY else -p.size for p in self.all(symbol)), _ZERO)

    # ---------------------------------------------------------------- summaries

    def summaries(self, symbol: str | None = None) -> list[PositionSummary]:
        out = [s for (sym, _), s in self._summaries.items() if symbol is None or sym == symbol]
        out.sort(key=lambda s: (s.symbol, s.side.value))
        return out

    def summary(self, symbol: str, side: Side) -> PositionSummary | None:
        return self._summaries.get((symbol, side))

    def load_summaries(self, rows: Iterable[PositionSummary], symbol: str | None = None) -> None:
        """Replace summaries from ``/v1/positionSummary`` (of ``symbol``, or all)."""
        for key in [k for k in self._summaries if symbol is None or k[0] == symbol]:
            del self._summaries[key]
            self._summary_ts.pop(key, None)
        for row in rows:
            self._put_summary(row)
        self.version += 1

    def apply_summary_event(self, ev: PositionSummaryEvent) -> PositionSummary | None:
        if ev.msg_type not in SUMMARY_MSG_TYPES:
            self.anomalies += 1
            log.warning("positions: unknown summary msgType %r", ev.msg_type)
            return self._summaries.get((ev.symbol, ev.side))
        key = (ev.symbol, ev.side)
        last = self._summary_ts.get(key)
        if last is not None and ev.timestamp < last:
            self.stale += 1
            return self._summaries.get(key)
        self._summary_ts[key] = ev.timestamp
        row = PositionSummary(
            symbol=ev.symbol,
            side=ev.side,
            average_position_rate=ev.average_position_rate,
            position_loss_gain=ev.position_loss_gain,
            sum_order_quantity=ev.sum_order_quantity,
            sum_position_quantity=ev.sum_position_quantity,
        )
        self.version += 1
        return self._put_summary(row)

    def _put_summary(self, row: PositionSummary) -> PositionSummary | None:
        key = (row.symbol, row.side)
        if row.sum_position_quantity <= 0 and row.sum_order_quantity <= 0:
            self._summaries.pop(key, None)
            return None
        self._summaries[key] = row
        return row

"""Profit and loss per symbol: net position, unrealised P&L at the touch, realised P&L per
GMO trading day (net of fees), and the P&L of one fill or one order for notices.

Margin symbols (``BTC_JPY``, ...): GMO reports the realised P&L of each closing fill as
``lossGain`` (JPY, before fees); opening fills realise nothing. The net position comes from the
open positions (both sides may be open at once).

Spot symbols (``BTC``, ...): GMO reports no P&L (``lossGain`` is 0). The holding and its average
cost are followed from the fills, oldest first (moving average): a buy adds to the holding at its
price, a sell realises ``(price - average cost) * size``. A sell larger than the holding the
fills account for (coins bought before the fills seen) has an unknown cost basis: its realised
P&L is ``None``, and so is the total of any day that holds it.

Fees are JPY, positive for taker and negative for maker (a rebate); net = gross - fee.
Unrealised P&L marks longs at the best bid and shorts at the best ask of a *sane* book
(:func:`gmo_tui.market.positions.unrealised_pnl`); ``None`` without one.

GMO's trading day starts at 06:00 JST: :func:`gmo_tui.market.formatting.gmo_day`.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.exchange.models import Position
from gmo_tui.market.book import Book
from gmo_tui.market.fills import Fill
from gmo_tui.market.formatting import gmo_day
from gmo_tui.market.positions import unrealised_pnl

__all__ = [
    "DayPnl",
    "FillPnl",
    "Leg",
    "NetPosition",
    "PnlLedger",
    "is_margin_symbol",
    "net_from_positions",
]

_ZERO = Decimal(0)


def is_margin_symbol(symbol: str) -> bool:
    """``BTC_JPY`` and the like trade on margin; ``BTC`` is spot."""
    return symbol.endswith("_JPY")


@dataclass(frozen=True, slots=True)
class Leg:
    """One side's open size and its average price (``None`` when the size is 0)."""

    size: Decimal = _ZERO
    average_price: Decimal | None = None

    @classmethod
    def of(cls, lots: Iterable[tuple[Decimal, Decimal]]) -> Leg:
        """From ``(price, size)`` lots: total size and size-weighted average price."""
        size = cost = _ZERO
        for price, lot in lots:
            size += lot
            cost += price * lot
        return cls(size, cost / size if size else None)


@dataclass(frozen=True, slots=True)
class NetPosition:
    """A symbol's open exposure: the long and short legs and their P&L at the touch."""

    symbol: str
    long: Leg
    short: Leg
    unrealised: Decimal | None
    """Longs at the best bid, shorts at the best ask; ``None`` without a sane book."""

    @property
    def size(self) -> Decimal:
        """Net size, signed: long minus short."""
        return self.long.size - self.short.size

    @property
    def average_price(self) -> Decimal | None:
        """The open leg's average price; ``None`` when flat or when both legs are open."""
        if self.long.size and self.short.size:
            return None
        return self.long.average_price if self.long.size else self.short.average_price


def net_from_positions(
    symbol: str, positions: Iterable[Position], book: Book | None
) -> NetPosition:
    """The net position of a margin symbol from its open positions (other symbols ignored)."""
    mine = [p for p in positions if p.symbol == symbol]
    long = Leg.of((p.price, p.size) for p in mine if p.side is Side.BUY)
    short = Leg.of((p.price, p.size) for p in mine if p.side is Side.SELL)
    marks = [unrealised_pnl(p.side, p.price, p.size, book) for p in mine]
    unrealised = None if None in marks else sum((m for m in marks if m is not None), _ZERO)
    return NetPosition(symbol, long, short, unrealised)


@dataclass(frozen=True, slots=True)
class FillPnl:
    """Realised P&L of one fill, or of several (one order, one day) added together."""

    gross: Decimal | None
    """Before fees: ``lossGain`` (margin), average-cost P&L (spot sells), 0 for opening fills;
    ``None`` when the cost basis is unknown."""
    fee: Decimal
    count: int = 1

    @property
    def net(self) -> Decimal | None:
        return None if self.gross is None else self.gross - self.fee

    def __add__(self, other: FillPnl) -> FillPnl:
        gross = None if self.gross is None or other.gross is None else self.gross + other.gross
        return FillPnl(gross, self.fee + other.fee, self.count + other.count)


NO_FILLS = FillPnl(_ZERO, _ZERO, 0)


@dataclass(frozen=True, slots=True)
class DayPnl:
    """Realised P&L of one trading day (of one symbol, or of all)."""

    day: date
    pnl: FillPnl

    @property
    def gross(self) -> Decimal | None:
        return self.pnl.gross

    @property
    def fees(self) -> Decimal:
        return self.pnl.fee

    @property
    def net(self) -> Decimal | None:
        return self.pnl.net


@dataclass(slots=True)
class _SpotBook:
    """A spot symbol's fills replayed oldest first: the holding, its cost, each fill's P&L."""

    size: Decimal
    cost: Decimal
    gross: dict[int, Decimal | None]


class PnlLedger:
    """Every fill once (by ``executionId``), with its realised P&L; totals per trading day.

    Feed it the fills the :class:`~gmo_tui.market.fills.FillLedger` accepts (in any order:
    spot fills are replayed by (time, executionId) whenever an older one arrives late).
    """

    def __init__(self) -> None:
        self._by_id: dict[int, Fill] = {}
        self._by_symbol: dict[str, list[tuple[tuple[datetime, int], Fill]]] = {}
        self._spot: dict[str, _SpotBook] = {}
        self.version = 0

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, execution_id: object) -> bool:
        return execution_id in self._by_id

    def add(self, fill: Fill) -> FillPnl | None:
        """Record ``fill``; its P&L, or ``None`` if this executionId was already recorded."""
        if fill.execution_id in self._by_id:
            return None
        self._by_id[fill.execution_id] = fill
        insort(self._by_symbol.setdefault(fill.symbol, []), (fill.sort_key(), fill))
        self._spot.pop(fill.symbol, None)
        self.version += 1
        return self.fill_pnl(fill.execution_id)

    def extend(self, fills: Iterable[Fill]) -> None:
        for fill in fills:
            self.add(fill)

    def fills(self, symbol: str) -> list[Fill]:
        """``symbol``'s fills, oldest first."""
        return [f for _, f in self._by_symbol.get(symbol, [])]

    # ---------------------------------------------------------------- realised

    def fill_pnl(self, execution_id: int) -> FillPnl:
        """Realised P&L of one recorded fill (``KeyError`` if unknown)."""
        fill = self._by_id[execution_id]
        gross: Decimal | None
        if is_margin_symbol(fill.symbol):
            gross = _ZERO if fill.settle_type is SettleType.OPEN else fill.loss_gain
        else:
            gross = self._spot_book(fill.symbol).gross[execution_id]
        return FillPnl(gross, fill.fee)

    def order_pnl(self, order_id: int) -> FillPnl:
        """Realised P&L of every recorded fill of one order (one close, one burst)."""
        total = NO_FILLS
        for f in self._by_id.values():
            if f.order_id == order_id:
                total = total + self.fill_pnl(f.execution_id)
        return total

    def realised(self, day: date, symbol: str | None = None) -> DayPnl:
        """Realised P&L of GMO trading ``day`` (from 06:00 JST), net of that day's fees."""
        total = NO_FILLS
        symbols = list(self._by_symbol) if symbol is None else [symbol]
        for sym in symbols:
            for _, f in self._by_symbol.get(sym, []):
                if gmo_day(f.timestamp) == day:
                    total = total + self.fill_pnl(f.execution_id)
        return DayPnl(day, total)

    def today(self, now: datetime, symbol: str | None = None) -> DayPnl:
        """Realised P&L of the trading day that holds ``now``."""
        return self.realised(gmo_day(now), symbol)

    # ---------------------------------------------------------------- positions

    def spot_position(self, symbol: str, book: Book | None) -> NetPosition:
        """A spot symbol's holding as the fills account for it, marked at the best bid."""
        spot = self._spot_book(symbol)
        if not spot.size:
            return NetPosition(symbol, Leg(), Leg(), _ZERO)
        average = spot.cost / spot.size
        unrealised = unrealised_pnl(Side.BUY, average, spot.size, book)
        return NetPosition(symbol, Leg(spot.size, average), Leg(), unrealised)

    def net_position(
        self, symbol: str, positions: Iterable[Position], book: Book | None
    ) -> NetPosition:
        """Margin: from ``positions``; spot: from the fills recorded here."""
        if is_margin_symbol(symbol):
            return net_from_positions(symbol, positions, book)
        return self.spot_position(symbol, book)

    def _spot_book(self, symbol: str) -> _SpotBook:
        spot = self._spot.get(symbol)
        if spot is not None:
            return spot
        size = cost = _ZERO
        gross: dict[int, Decimal | None] = {}
        for _, f in self._by_symbol.get(symbol, []):
            if f.side is Side.BUY:
                size += f.size
                cost += f.price * f.size
                gross[f.execution_id] = _ZERO
            elif size and f.size <= size:
                average = cost / size
                gross[f.execution_id] = (f.price - average) * f.size
                size -= f.size
                cost = average * size
            else:  # sold coins the fills never bought: cost basis unknown
                gross[f.execution_id] = None
                size = cost = _ZERO
        spot = _SpotBook(size, cost, gross)
        self._spot[symbol] = spot
        return spot

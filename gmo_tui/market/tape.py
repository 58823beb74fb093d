"""The trades tape: a bounded ring of recent prints per symbol, newest first, with large prints.

GMO's trades carry no id, so the tape never de-duplicates; :meth:`Tape.load` (the REST
``/v1/trades`` reply) *replaces* the ring, and live ``trades`` events are then appended.

``side`` of a GMO trade is the taker's side (BUY = an aggressive buyer lifted the ask).

A print is ``large`` when its size is at least ``large_size`` (a fixed per-symbol size, if
given), or its notional (price x size, JPY) is at least ``large_notional`` (if given), or its
size is at least ``large_multiple`` times the rolling median size of the last ``median_window``
prints (only once ``min_samples`` prints have been seen).

``appended`` counts every print ever appended (never decreases, survives eviction), so a Line
API pane can ask :meth:`Tape.since` for just the rows that are new since it last painted.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import Trade

__all__ = ["Print", "Tape", "Tapes"]


@dataclass(frozen=True, slots=True)
class Print:
    """One trade on the tape. ``side`` is the taker side."""

    price: Decimal
    size: Decimal
    side: Side
    timestamp: datetime
    large: bool = False
    seq: int = 0
    """1-based sequence number within the tape (``Tape.appended`` after this print)."""


class Tape:
    """A bounded, newest-first ring of prints for one symbol."""

    def __init__(
        self,
        symbol: str,
        *,
        maxlen: int = 500,
        large_multiple: Decimal = Decimal(5),
        median_window: int = 200,
        min_samples: int = 20,
        large_size: Decimal | None = None,
        large_notional: Decimal | None = None,
    ) -> None:
        if maxlen < 1 or median_window < 1:
            raise ValueError("maxlen and median_window must be positive")
        self.symbol = symbol
        self.maxlen = maxlen
        self.large_multiple = large_multiple
        self.large_size = large_size
        self.large_notional = large_notional
        self.min_samples = min_samples
        self._ring: deque[Print] = deque(maxlen=maxlen)  # appendleft: index 0 is the newest
        self._window: deque[Decimal] = deque(maxlen=median_window)
        self._sorted: list[Decimal] = []
        self.appended = 0
        """Total prints appended since creation (monotonic)."""

    def __len__(self) -> int:
        return len(self._ring)

    @property
    def median(self) -> Decimal | None:
        """Rolling median size of the last ``median_window`` prints (``None`` if none)."""
        s = self._sorted
        if not s:
            return None
        n = len(s)
        if n % 2:
            return s[n // 2]
        return (s[n // 2 - 1] + s[n // 2]) / 2

    def is_large(self, size: Decimal, price: Decimal | None = None) -> bool:
        """Would a print of ``size`` (at ``price``) be flagged large right now?"""
        if self.large_size is not None and size >= self.large_size:
            return True
        if (
            self.large_notional is not None
            and price is not None
            and price * size >= self.large_notional
        ):
            return True
        if len(self._sorted) < self.min_samples:
            return False
        median = self.median
        return median is not None and median > 0 and size >= median * self.large_multiple

    def _observe(self, size: Decimal) -> None:
        window = self._window
        if len(window) == window.maxlen:
            old = window[0]
            del self._sorted[bisect_left(self._sorted, old)]
        window.append(size)
        insort(self._sorted, size)

    def append(self, trade: Trade) -> Print:
        """Add one live trade (the ``trades`` channel or one REST row) and return its print."""
        large = self.is_large(trade.size, trade.price)
        self._observe(trade.size)
        self.appended += 1
        p = Print(trade.price, trade.size, trade.side, trade.timestamp, large, self.appended)
        self._ring.appendleft(p)
        return p

    def load(self, trades: list[Trade] | tuple[Trade, ...]) -> None:
        """Replace the tape with a REST page (newest first, as ``/v1/trades`` returns it)."""
        self._ring.clear()
        self._window.clear()
        self._sorted.clear()
        for trade in sorted(trades, key=lambda t: t.timestamp):
            self.append(trade)

    def newest_first(self, limit: int | None = None) -> list[Print]:
        """The prints, newest first (at most ``limit``)."""
        if limit is None or limit >= len(self._ring):
            return list(self._ring)
        return [self._ring[i] for i in range(max(limit, 0))]

    def since(self, seen: int) -> list[Print]:
        """Prints appended after the pane last saw ``appended == seen``, newest first.

        If more arrived than the ring holds, only the ones still in the ring are returned.
        """
        new = self.appended - seen
        if new <= 0:
            return []
        return self.newest_first(new)

    @property
    def last(self) -> Print | None:
        return self._ring[0] if self._ring else None


class Tapes(dict[str, Tape]):
    """Tapes by symbol, created on first use with shared settings."""

    def __init__(self, **settings: object) -> None:
        super().__init__()
        self._settings = settings

    def __missing__(self, symbol: str) -> Tape:
        tape = Tape(symbol, **self._settings)  # type: ignore[arg-type]
        self[symbol] = tape
        return tape

    def append(self, trade: Trade, symbol: str | None = None) -> Print:
        """Append a trade to its symbol's tape (``trade.symbol`` unless ``symbol`` is given)."""
        sym = symbol or trade.symbol
        if sym is None:
            raise ValueError("trade has no symbol; pass symbol=")
        return self[sym].append(trade)

"""One symbol's prints: the recent trades for /v1/trades and the rolling 24-hour ticker stats.

High and low over the window come from monotonic deques and the volume from a running sum, so
adding a trade and reading the ticker are O(1) amortised however busy the market maker is.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from decimal import Decimal

from gmo_tui.exchange.models import Trade

WINDOW = timedelta(hours=24)
KEEP_TRADES = 10_000


class Tape:
    __slots__ = ("_highs", "_lows", "_volume", "_window", "last", "recent")

    def __init__(self, keep: int = KEEP_TRADES) -> None:
        self.recent: deque[Trade] = deque(maxlen=keep)  # newest at the right
        self.last: Decimal | None = None
        self._window: deque[tuple[datetime, Decimal]] = deque()  # (time, size)
        self._highs: deque[tuple[datetime, Decimal]] = deque()  # decreasing prices
        self._lows: deque[tuple[datetime, Decimal]] = deque()  # increasing prices
        self._volume = Decimal(0)

    def add(self, trade: Trade) -> None:
        ts, price = trade.timestamp, trade.price
        self.recent.append(trade)
        self.last = price
        self._window.append((ts, trade.size))
        self._volume += trade.size
        highs = self._highs
        while highs and highs[-1][1] <= price:
            highs.pop()
        highs.append((ts, price))
        lows = self._lows
        while lows and lows[-1][1] >= price:
            lows.pop()
        lows.append((ts, price))

    def _evict(self, now: datetime) -> None:
        cutoff = now - WINDOW
        window = self._window
        while window and window[0][0] <= cutoff:
            self._volume -= window.popleft()[1]
        while self._highs and self._highs[0][0] <= cutoff:
            self._highs.popleft()
        while self._lows and self._lows[0][0] <= cutoff:
            self._lows.popleft()

    def stats(self, now: datetime) -> tuple[Decimal | None, Decimal | None, Decimal]:
        """(high, low, volume) over the 24 hours before ``now``; high/low None without trades."""
        self._evict(now)
        high = self._highs[0][1] if self._highs else None
        low = self._lows[0][1] if self._lows else None
        return high, low, self._volume

    def page(self, page: int, count: int) -> list[Trade]:
        """Newest first; ``page`` starts at 1."""
        recent = self.recent
        start = (page - 1) * count
        if start >= len(recent):
            return []
        end = min(start + count, len(recent))
        n = len(recent)
        return [recent[n - 1 - i] for i in range(start, end)]

"""The watchlist: per symbol last price, change over the trading day, and a sparkline.

Reference for the change column: the **open of the current 1day kline** (GMO's trading day
starts at 06:00 JST), given by :meth:`Watchlist.set_daily_open` (e.g. the last row of
``/v1/klines?interval=1day&date=YYYY``). It is the closest thing to a 24h change that costs one
request per symbol and no history. Until a reference is given, the first price seen is used and
the row is marked ``provisional``. When a trading day passes (``opened_at`` + 24h), the first
price seen afterwards becomes the new reference (also ``provisional`` until the next
:meth:`set_daily_open`).

Sparkline: at most ``spark_len`` samples, at most one per ``spark_interval`` seconds; within an
interval the newest sample is overwritten, so the line always ends at the current price.
``now`` is float seconds on any one clock (the app uses ``time.time()``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from gmo_tui.exchange.models import Ticker

__all__ = ["WatchRow", "Watchlist"]

_DAY = timedelta(days=1)


@dataclass(slots=True)
class WatchRow:
    symbol: str
    last: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    volume: Decimal | None = None
    reference: Decimal | None = None
    reference_at: datetime | None = None
    provisional: bool = True
    """True while ``reference`` is a first-seen price rather than the day's kline open."""
    spark: deque[Decimal] = field(default_factory=deque)
    spark_at: float | None = None
    updated_at: float | None = None
    version: int = 0

    @property
    def change(self) -> Decimal | None:
        if self.last is None or self.reference is None:
            return None
        return self.last - self.reference

    @property
    def change_pct(self) -> Decimal | None:
        change = self.change
        if change is None or not self.reference:
            return None
        return change / self.reference * 100

    @property
    def sparkline(self) -> tuple[Decimal, ...]:
        return tuple(self.spark)


class Watchlist:
    def __init__(self, *, spark_len: int = 60, spark_interval: float = 60.0) -> None:
        if spark_len < 1:
            raise ValueError("spark_len must be positive")
        self.spark_len = spark_len
        self.spark_interval = spark_interval
        self._rows: dict[str, WatchRow] = {}
        self.version = 0

    def row(self, symbol: str) -> WatchRow:
        r = self._rows.get(symbol)
        if r is None:
            r = self._rows[symbol] = WatchRow(symbol, spark=deque(maxlen=self.spark_len))
        return r

    def rows(self, symbols: list[str] | None = None) -> list[WatchRow]:
        """Rows in the order of ``symbols`` (e.g. ``/v1/symbols``), or insertion order."""
        if symbols is None:
            return list(self._rows.values())
        return [self.row(s) for s in symbols]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self._rows

    def set_daily_open(self, symbol: str, open_price: Decimal, opened_at: datetime) -> None:
        """The current 1day kline's open: the reference for the change column."""
        r = self.row(symbol)
        if not r.provisional and r.reference_at is not None and opened_at < r.reference_at:
            return  # an older day's open: keep the newer reference
        r.reference = open_price
        r.reference_at = opened_at
        r.provisional = False
        self._touch(r)

    def update_ticker(self, ticker: Ticker, now: float) -> WatchRow:
        """A ``/v1/ticker`` row or ``ticker`` event."""
        r = self.row(ticker.symbol)
        r.bid, r.ask = ticker.bid, ticker.ask
        r.high, r.low, r.volume = ticker.high, ticker.low, ticker.volume
        return self._price(r, ticker.last, now, ticker.timestamp)

    def _price(self, r: WatchRow, price: Decimal, now: float, at: datetime | None) -> WatchRow:
        r.last = price
        if r.reference is None:
            r.reference, r.reference_at, r.provisional = price, at, True
        elif at is not None and r.reference_at is not None and at >= r.reference_at + _DAY:
            # A trading day went by since the reference: roll to this price until told better.
            r.reference = price
            r.reference_at = r.reference_at + _DAY * ((at - r.reference_at) // _DAY)
            r.provisional = True
        if r.spark_at is None or now - r.spark_at >= self.spark_interval:
            r.spark.append(price)
            r.spark_at = now
        else:
            r.spark[-1] = price
        r.updated_at = now
        self._touch(r)
        return r

    def _touch(self, r: WatchRow) -> None:
        r.version += 1
        self.version += 1

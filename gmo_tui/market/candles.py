"""Candles for one (symbol, interval): REST klines, with the last candle kept live from trades.

Alignment follows GMO's trading day, which starts at 06:00 JST (21:00 UTC): intraday
intervals (1min ... 12hour) are consecutive buckets from 06:00 JST (for 1hour and shorter this
is the same as the clock's own grid); ``1day`` runs 06:00 JST to 06:00 JST; ``1week`` starts on
Monday 06:00 JST; ``1month`` on the 1st at 06:00 JST. This matches the built-in exchange
(:mod:`gmo_tui.sim.klines`) and the seed's "date will be renewed at JST 6:00". When klines are
loaded, the phase is taken from the last kline's ``openTime`` instead, so live candles always
line up with whatever the exchange sent.

A trade updates the candle of its bucket (by the trade's timestamp): the last candle, a new
candle when the bucket rolls over (gaps are left as gaps), or an older candle still in the
series (a late print); trades older than the series are ignored. The series keeps at most
``maxlen`` candles. Loading klines replaces the series (:meth:`CandleSeries.load`) or upserts by
open time (:meth:`CandleSeries.merge`); trades received between the REST request and the live
subscription may be missing or counted twice in the current candle's volume (GMO trades carry
no id to tell).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.exchange.models import Kline, Trade

__all__ = ["GMO_DAY_SHIFT_MS", "Candle", "CandleSeries", "bucket_start"]

MINUTE_MS = 60_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
GMO_DAY_SHIFT_MS = 3 * 3_600_000
"""Add to UTC to get "trading-day time", in which GMO's day starts at midnight (06:00 JST)."""

_EPOCH_MONDAY_MS = 4 * DAY_MS  # 1970-01-05 was a Monday


def bucket_start(t_ms: int, interval: KlineInterval, shift_ms: int = GMO_DAY_SHIFT_MS) -> int:
    """Open time (unix ms) of the ``interval`` bucket holding ``t_ms``."""
    local = t_ms + shift_ms
    if interval is KlineInterval.MONTH1:
        d = datetime.fromtimestamp(local // 1000, tz=UTC)
        start = datetime(d.year, d.month, 1, tzinfo=UTC)
        return int(start.timestamp()) * 1000 - shift_ms
    if interval is KlineInterval.WEEK1:
        return (local - _EPOCH_MONDAY_MS) // WEEK_MS * WEEK_MS + _EPOCH_MONDAY_MS - shift_ms
    length = interval.seconds * 1000
    return local // length * length - shift_ms


def _to_ms(ts: datetime) -> int:
    return int(ts.timestamp() * 1000)


@dataclass(slots=True)
class Candle:
    open_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal

    @property
    def opened_at(self) -> datetime:
        return datetime.fromtimestamp(self.open_ms / 1000, tz=UTC)

    @classmethod
    def from_kline(cls, k: Kline) -> Candle:
        return cls(k.open_ms, k.open, k.high, k.low, k.close, k.volume)

    def add(self, price: Decimal, size: Decimal) -> None:
        if price > self.high:
            self.high = price
        if price < self.low:
            self.low = price
        self.close = price
        self.volume += size


class CandleSeries:
    """Ascending candles of one symbol and interval, at most ``maxlen``."""

    def __init__(
        self,
        symbol: str,
        interval: KlineInterval,
        *,
        maxlen: int = 1000,
        shift_ms: int = GMO_DAY_SHIFT_MS,
    ) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be positive")
        self.symbol = symbol
        self.interval = KlineInterval(interval)
        self.maxlen = maxlen
        self.shift_ms = shift_ms
        self._candles: list[Candle] = []
        self._opens: list[int] = []
        self.version = 0

    def __len__(self) -> int:
        return len(self._candles)

    @property
    def candles(self) -> list[Candle]:
        """The candles, oldest first (a copy of the list; the candles themselves are live)."""
        return list(self._candles)

    @property
    def last(self) -> Candle | None:
        return self._candles[-1] if self._candles else None

    def bucket(self, ts: datetime) -> int:
        return bucket_start(_to_ms(ts), self.interval, self.shift_ms)

    # ---------------------------------------------------------------- REST

    def load(self, klines: Iterable[Kline]) -> None:
        """Replace the series with REST klines (any order)."""
        self._candles = []
        self._opens = []
        self.merge(klines)

    def merge(self, klines: Iterable[Kline]) -> None:
        """Upsert REST klines by open time (e.g. today's page after yesterday's)."""
        rows = sorted(klines, key=lambda k: k.open_ms)
        for k in rows:
            i = bisect_left(self._opens, k.open_ms)
            candle = Candle.from_kline(k)
            if i < len(self._opens) and self._opens[i] == k.open_ms:
                self._candles[i] = candle
            else:
                self._opens.insert(i, k.open_ms)
                self._candles.insert(i, candle)
        if rows:
            self._learn_phase(rows[-1].open_ms)
        self._trim()
        self.version += 1

    def _learn_phase(self, open_ms: int) -> None:
        if self.interval in (KlineInterval.DAY1, KlineInterval.WEEK1, KlineInterval.MONTH1):
            modulus = DAY_MS
        else:
            modulus = self.interval.seconds * 1000
        self.shift_ms = (-open_ms) % modulus

    def _trim(self) -> None:
        extra = len(self._candles) - self.maxlen
        if extra > 0:
            del self._candles[:extra]
            del self._opens[:extra]

    # ---------------------------------------------------------------- live

    def apply_trade(self, trade: Trade) -> Candle | None:
        return self.add_print(trade.price, trade.size, trade.timestamp)

    def add_print(self, price: Decimal, size: Decimal, ts: datetime) -> Candle | None:
        """Fold one trade into its bucket; return the candle changed (None if too old)."""
        start = bucket_start(_to_ms(ts), self.interval, self.shift_ms)
        opens = self._opens
        if not opens or start > opens[-1]:
            candle = Candle(start, price, price, price, price, size)
            opens.append(start)
            self._candles.append(candle)
            self._trim()
        elif start == opens[-1]:
            candle = self._candles[-1]
            candle.add(price, size)
        else:
            i = bisect_left(opens, start)
            if i < len(opens) and opens[i] == start:
                candle = self._candles[i]
                candle.add(price, size)
            else:
                return None
        self.version += 1
        return candle

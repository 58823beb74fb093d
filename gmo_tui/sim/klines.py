"""Klines (``GET /public/v1/klines``) of the built-in exchange.

History before the market started is synthetic and deterministic in (seed, symbol, time): the
log-price is a sum of smooth value-noise octaves (one minute to two years) anchored so that it
meets the live market's starting price at the instant the market started. Every interval and
date samples that one path, so candles agree with each other (a day's high is the max of its
minutes' highs, roughly) and the last historical candle ends where the live walk began. From the
start on, candles are built from the engine's actual trades (1-minute buckets), so today's
current candle reflects real sim prints.

Dates follow GMO: ``YYYYMMDD`` (>= 20210415) for 1min…1hour, one trading day from 06:00 JST;
``YYYY`` (>= the symbol's release year) for 4hour…1month, from 1 January 06:00 JST. Dates are
ASCII digits (anything else, or a day that does not exist, is ERR-5207); a date after sim time
now (up to 9999) has no candles yet: an empty list. Weeks start on Monday 06:00 JST, months on
the 1st 06:00 JST. Candles that have not opened yet (or opened
before the symbol's release) are left out; ``openTime`` is unix ms as a string, ascending.
Noise is drawn as floats and every published price is a ``Decimal`` on the symbol's tick.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.sim.clock import SimClock
from gmo_tui.sim.replies import ApiFail
from gmo_tui.sim.symbols import RELEASE_DATES, SYMBOL_RULES

JST = timezone(timedelta(hours=9))
FIRST_DAILY_DATE = date(2021, 4, 15)
MINUTE_MS = 60_000
# (period seconds, relative amplitude) of the noise octaves; amplitudes follow sqrt(period) as a
# random walk's spread does, at roughly 3 % daily volatility, damped for the long periods so that
# prices stay within a plausible factor of the reference over the years.
_SIGMA = 0.03 / math.sqrt(86400)
_OCTAVES = tuple(
    (period, _SIGMA * math.sqrt(period) * damping)
    for period, damping in (
        (60, 0.8),
        (300, 0.8),
        (1800, 0.8),
        (3 * 3600, 0.8),
        (86400, 0.8),
        (7 * 86400, 0.7),
        (30 * 86400, 0.5),
        (180 * 86400, 0.3),
        (730 * 86400, 0.2),
    )
)
_SAMPLES = 4  # interior samples per candle for high/low
_DAILY = {"1min", "5min", "10min", "15min", "30min", "1hour"}


def _factor(value: float) -> Decimal:
    """A dimensionless factor of the synthetic walk as a Decimal (prices stay Decimal)."""
    return Decimal(repr(value))


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from the parts."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


_MASK = (1 << 64) - 1


def _mix(x: int) -> int:
    """splitmix64's finaliser: a fast, well-spread 64-bit hash of an integer."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


class _Noise:
    """The log-price path of one symbol (value noise over integer lattices, cached)."""

    def __init__(self, seed: int, symbol: str) -> None:
        self.key = int.from_bytes(
            hashlib.blake2b(f"{seed}:{symbol}".encode(), digest_size=8).digest(), "big"
        )
        self.lattice: dict[tuple[int, int], float] = {}

    def _node(self, octave: int, n: int) -> float:
        value = self.lattice.get((octave, n))
        if value is None:
            value = _mix(self.key ^ _mix(octave * 0x100000001B3 + (n & _MASK))) / 2**63 - 1
            if len(self.lattice) > 200_000:
                self.lattice.clear()
            self.lattice[(octave, n)] = value
        return value

    def at(self, t: float) -> float:
        total = 0.0
        for octave, (period, amp) in enumerate(_OCTAVES):
            x = t / period
            n = math.floor(x)
            u = x - n
            w = u * u * (3 - 2 * u)
            a = self._node(octave, n)
            b = self._node(octave, n + 1)
            total += amp * (a + (b - a) * w)
        return total


class KlineHistory:
    """Synthetic history anchored at the market's start, plus live 1-minute buckets."""

    def __init__(self, *, seed: int, clock: SimClock) -> None:
        self.seed = seed
        self.clock = clock
        self.start_s: float = clock.timestamp()
        self.start_price: dict[str, Decimal] = {}
        self._noise: dict[str, _Noise] = {}
        self._anchors: dict[str, float] = {}
        # symbol -> minute open ms -> [open, high, low, close, volume]
        self.buckets: dict[str, dict[int, list[Decimal]]] = {}

    def anchor(self, prices: Mapping[str, Decimal]) -> None:
        """The live market starts now at these prices; history ends at them."""
        self.start_s = self.clock.timestamp()
        self.start_price = dict(prices)
        self._anchors.clear()

    def on_engine_event(self, event: Any) -> None:
        if type(event).__name__ != "PublicTrade":
            return
        trade = event.trade
        minute = int(trade.timestamp.timestamp() * 1000) // MINUTE_MS * MINUTE_MS
        bucket = self.buckets.setdefault(event.symbol, {}).get(minute)
        if bucket is None:
            self.buckets[event.symbol][minute] = [
                trade.price,
                trade.price,
                trade.price,
                trade.price,
                trade.size,
            ]
        else:
            bucket[1] = max(bucket[1], trade.price)
            bucket[2] = min(bucket[2], trade.price)
            bucket[3] = trade.price
            bucket[4] += trade.size

    def roll(self) -> None:
        """Nothing to do: candles are computed on demand from the buckets at sim time now."""

    # ------------------------------------------------------------------------ request

    def klines(self, symbol: Any, interval: Any, day: Any) -> list[models.Kline]:
        if not symbol or not interval or not day:
            raise ApiFail("ERR-5106")
        if symbol not in SYMBOL_RULES or interval not in {i.value for i in KlineInterval}:
            raise ApiFail("ERR-5207")
        if not isinstance(day, str):
            raise ApiFail("ERR-5207")
        opens = self._opens(symbol, KlineInterval(interval), day)
        now_ms = self.clock.now_ms()
        release = datetime.combine(RELEASE_DATES[symbol], datetime.min.time(), JST) + timedelta(
            hours=6
        )
        release_ms = int(release.timestamp() * 1000)
        spans = [(o, c) for o, c in opens if o <= now_ms and o >= release_ms]
        live = sorted((m, b) for m, b in self.buckets.get(symbol, {}).items() if m <= now_ms)
        return [self._candle(symbol, o, c, live) for o, c in spans]

    def _opens(self, symbol: str, interval: KlineInterval, day: str) -> list[tuple[int, int]]:
        if interval.value in _DAILY:
            if not re.fullmatch(r"[0-9]{8}", day):
                raise ApiFail("ERR-5207")
            try:
                d = datetime.strptime(day, "%Y%m%d").date()
            except ValueError:
                raise ApiFail("ERR-5207") from None
            if d < FIRST_DAILY_DATE:
                raise ApiFail("ERR-5207")
            start = datetime.combine(d, datetime.min.time(), JST) + timedelta(hours=6)
            step_ms = interval.seconds * 1000
            first_ms = int(start.timestamp() * 1000)
            return [
                (first_ms + i * step_ms, first_ms + (i + 1) * step_ms)
                for i in range(86400_000 // step_ms)
            ]
        if not re.fullmatch(r"[0-9]{4}", day):
            raise ApiFail("ERR-5207")
        year = int(day)
        if year < RELEASE_DATES[symbol].year:
            raise ApiFail("ERR-5207")
        if year > self.clock.now().astimezone(JST).year:
            return []  # not begun yet (and year 9999's end is past what datetime holds)
        begin = datetime(year, 1, 1, 6, tzinfo=JST)
        end = datetime(year + 1, 1, 1, 6, tzinfo=JST)
        marks: list[datetime] = []
        if interval is KlineInterval.MONTH1:
            marks = [datetime(year, m, 1, 6, tzinfo=JST) for m in range(1, 13)] + [end]
        elif interval is KlineInterval.WEEK1:
            first = begin + timedelta(days=(7 - begin.weekday()) % 7)
            t = first
            while t < end:
                marks.append(t)
                t += timedelta(days=7)
            marks.append(t)
        else:
            step = timedelta(seconds=interval.seconds)
            t = begin
            while t <= end:
                marks.append(t)
                t += step
        ms = [int(m.timestamp() * 1000) for m in marks]
        return list(zip(ms[:-1], ms[1:], strict=True))

    # ------------------------------------------------------------------------ candles

    def _noise_for(self, symbol: str) -> _Noise:
        noise = self._noise.get(symbol)
        if noise is None:
            noise = self._noise[symbol] = _Noise(self.seed, symbol)
        return noise

    def _synthetic_price(self, symbol: str, t: float) -> Decimal:
        """The walk's price at ``t``: the start price (Decimal) times a dimensionless factor
        from the noise (computed in floating point, it is no amount of money)."""
        noise = self._noise_for(symbol)
        anchor = self._anchors.get(symbol)
        if anchor is None:
            anchor = self._anchors[symbol] = noise.at(self.start_s)
        base = self.start_price.get(symbol) or Decimal(1)
        return base * _factor(math.exp(noise.at(t) - anchor))

    def _q(self, symbol: str, value: Decimal) -> Decimal:
        tick = SYMBOL_RULES[symbol].tick_size
        quantized = (value / tick).to_integral_value(ROUND_HALF_UP) * tick
        return max(quantized, tick)

    def _candle(
        self, symbol: str, open_ms: int, close_ms: int, minutes: list[tuple[int, list[Decimal]]]
    ) -> models.Kline:
        """One candle: synthetic before the start, then the live 1-minute buckets (sorted)."""
        start_ms = int(self.start_s * 1000)
        prices: list[Decimal] = []
        volume = Decimal(0)
        rule = SYMBOL_RULES[symbol]
        if open_ms < start_ms:
            end_ms = min(close_ms, start_ms)
            points = [
                open_ms + (end_ms - open_ms) * i / (_SAMPLES + 1) for i in range(_SAMPLES + 2)
            ]
            raw = [self._synthetic_price(symbol, p / 1000) for p in points]
            wiggle = 1 + _factor(0.002 * _unit(self.seed, symbol, open_ms, close_ms, "w"))
            hi, lo = max(raw) * wiggle, min(raw) / wiggle
            prices = [
                self._q(symbol, raw[0]),
                self._q(symbol, hi),
                self._q(symbol, lo),
                self._q(symbol, raw[-1]),
            ]
            turnover_jpy = (
                40 * (end_ms - open_ms) * _factor(0.5 + _unit(self.seed, symbol, open_ms, "v"))
            )
            size = turnover_jpy / max(raw[0], rule.tick_size)
            volume = (size / rule.size_step).to_integral_value() * rule.size_step
        if close_ms > start_ms:
            first = bisect.bisect_left(minutes, open_ms, key=lambda item: item[0])
            last = bisect.bisect_left(minutes, close_ms, key=lambda item: item[0])
            live = [bucket for _, bucket in minutes[first:last]]
            if not prices:
                previous = minutes[first - 1][1][3] if first > 0 else None
                if previous is None:
                    previous = self._q(symbol, self.start_price.get(symbol) or rule.tick_size)
                prices = [previous] * 4
            for bucket in live:
                prices[1] = max(prices[1], bucket[1])
                prices[2] = min(prices[2], bucket[2])
                prices[3] = bucket[3]
                volume += bucket[4]
        o, h, low, c = prices
        h = max(h, o, c)
        low = min(low, o, c)
        return models.Kline(open_time=str(open_ms), open=o, high=h, low=low, close=c, volume=volume)


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)

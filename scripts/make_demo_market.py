"""Make the demo market's recording: ``gmo_tui/sim/data/demo_market.gmorec``.

Nothing real is at hand to record, so this script *generates* ten minutes of one ``BTC``
market, written as an ordinary gmo-tui recording (``orderbooks`` and ``trades`` frames exactly
as the exchange sends them; ``gmo-tui replay`` plays it). The built-in exchange's demo market
(:mod:`gmo_tui.sim.market_recorded`) takes the shape of every symbol's book and prints from it.

The model, stepped every 100 ms of generated time, deterministic from ``--seed``:

* a fair value doing a random walk (3 % a day) whose volatility switches between a calm and an
  active regime;
* many makers: orders arrive on both sides (about 8 a second a side) at a distance from the
  fair value drawn from an exponential; half of them join a level already there, some sit one
  to three yen beside one (clustered levels), some at round prices (multiples of 1,000 and
  5,000 yen), the rest anywhere (so gaps are uneven); sizes are a mix of many small odd sizes,
  round sizes (0.001 ... 0.1 BTC) and a few walls (1 to 5 BTC) at round prices further out;
  orders are cancelled at random (faster when far from the fair value);
* takers: market orders arriving as a self-exciting (Hawkes) process, so prints come in
  bursts, a burst mostly on one side, sizes mostly small or round with a heavy tail; each
  walks the book and prints once per level it takes; when the fair value moves past the
  best quote an arbitrageur sweeps the book up to it (how the price moves).

Books are written at most every 250 ms (top 40 levels a side), prints as they happen, a ticker
every second (its high, low and volume over the recording so far, not a made-up day).

    python scripts/make_demo_market.py [--seed 7] [--minutes 10] [--out PATH]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import to_wire
from gmo_tui.exchange.enums import Side
from gmo_tui.record.format import Header, Kind
from gmo_tui.record.writer import RecordingWriter
from gmo_tui.sim.symbols import SYMBOL_RULES

SYMBOL = "BTC"
START_MID = 15_000_000  # yen; BTC's tick is 1 yen
UNIT = Decimal("0.0001")  # sizes are counted in BTC's size step
STEP_S = 0.1
BOOK_EVERY_S = 0.25
DEPTH = 40
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "gmo_tui/sim/data/demo_market.gmorec"
ROUND_SIZES = (10, 20, 50, 100, 200, 500, 1000)  # 0.001 ... 0.1 BTC
WALL_SIZES = (10_000, 20_000, 30_000, 50_000)  # 1 ... 5 BTC
_encoder = msgspec.json.Encoder()


@dataclass
class BookSide:
    is_bid: bool
    levels: dict[int, list[int]] = field(default_factory=dict)  # price -> order sizes (FIFO)

    def best(self) -> int | None:
        if not self.levels:
            return None
        return max(self.levels) if self.is_bid else min(self.levels)

    def ordered(self) -> list[int]:
        return sorted(self.levels, reverse=self.is_bid)

    def add(self, price: int, size: int) -> None:
        self.levels.setdefault(price, []).append(size)

    def take(self, size: int, limit: int | None) -> list[tuple[int, int]]:
        """Consume ``size`` from the best price outward (not past ``limit``): (price, size) prints."""
        prints = []
        for price in self.ordered():
            if size <= 0 or (
                limit is not None and (price < limit if self.is_bid else price > limit)
            ):
                break
            orders = self.levels[price]
            done = 0
            while orders and size > 0:
                qty = min(orders[0], size)
                orders[0] -= qty
                size -= qty
                done += qty
                if orders[0] == 0:
                    orders.pop(0)
            if not orders:
                del self.levels[price]
            prints.append((price, done))
        return prints

    def snapshot(self) -> tuple[models.BookLevel, ...]:
        return tuple(
            models.BookLevel(price=Decimal(p), size=_size(sum(self.levels[p])))
            for p in self.ordered()[:DEPTH]
        )


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fair = float(START_MID)
        self.active = False
        self.bids = BookSide(is_bid=True)
        self.asks = BookSide(is_bid=False)
        self.excite = 0.0
        self.last_side = Side.BUY
        self.t = 0.0
        for _ in range(160):
            self.maker(self.bids)
            self.maker(self.asks)
        for _ in range(2):
            self.wall(self.bids)
            self.wall(self.asks)

    # ------------------------------------------------------------------ makers

    def order_size(self) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return max(1, int(rng.lognormvariate(math.log(30), 1.0)))  # ~0.003 BTC, odd
        if roll < 0.95:
            return rng.choice(ROUND_SIZES)
        return rng.choice((2000, 3000, 5000))  # 0.2 ... 0.5 BTC

    def maker(self, side: BookSide) -> None:
        rng = self.rng
        sign = -1 if side.is_bid else 1
        half = 600 + (1500 if self.active else 0)
        distance = half + rng.expovariate(1 / 6000)
        price = int(self.fair + sign * distance)
        roll = rng.random()
        near = [p for p in side.levels if abs(p - price) < 3000]
        if roll < 0.45 and near:
            price = rng.choice(near)  # join a level
        elif roll < 0.6 and near:
            price = rng.choice(near) + sign * rng.randint(1, 3)  # cluster beside one
        elif roll < 0.75:
            step = 5000 if rng.random() < 0.3 else 1000
            price = round(price / step) * step
        if (
            price <= 0
            or (side.is_bid and price >= self.fair)
            or (not side.is_bid and price <= self.fair)
        ):
            return
        other = self.asks if side.is_bid else self.bids
        best_other = other.best()
        if best_other is not None and (price >= best_other if side.is_bid else price <= best_other):
            return
        side.add(price, self.order_size())

    def wall(self, side: BookSide) -> None:
        rng = self.rng
        sign = -1 if side.is_bid else 1
        price = round((self.fair + sign * rng.uniform(8000, 45000)) / 10000) * 10000
        side.add(price, rng.choice(WALL_SIZES))

    def cancel(self, side: BookSide) -> None:
        rng = self.rng
        for price in list(side.levels):
            orders = side.levels[price]
            far = abs(price - self.fair) > 40000
            kept = []
            for size in orders:
                rate = 0.08 if size < 10_000 else 0.004
                if far:
                    rate *= 6
                if rng.random() >= rate * STEP_S:
                    kept.append(size)
            if kept:
                side.levels[price] = kept
            else:
                del side.levels[price]
        walls = sum(1 for orders in side.levels.values() for size in orders if size >= 10_000)
        if walls < 2 and rng.random() < 0.05:
            self.wall(side)

    # ------------------------------------------------------------------ takers

    def taker_size(self) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return max(1, int(rng.lognormvariate(math.log(20), 0.9)))
        if roll < 0.8:
            return rng.choice(ROUND_SIZES[:5])
        if roll < 0.95:
            return max(1, int(rng.lognormvariate(math.log(300), 0.8)))
        return rng.choice((2000, 5000, 10_000))

    def take(self, side: Side, size: int, limit: int | None = None) -> list[tuple[Side, int, int]]:
        book = self.asks if side is Side.BUY else self.bids
        return [(side, price, qty) for price, qty in book.take(size, limit)]

    # ------------------------------------------------------------------ one step

    def step(self) -> list[tuple[Side, int, int]]:
        rng = self.rng
        self.t += STEP_S
        if rng.random() < (0.004 if self.active else 0.002):
            self.active = not self.active
        sigma = START_MID * 0.03 / math.sqrt(86400) * (2.2 if self.active else 0.7)
        self.fair += rng.gauss(0, sigma * math.sqrt(STEP_S))
        # a pull to the start over minutes: the recording ends near where it began
        self.fair += (START_MID - self.fair) * 0.0008
        self.cancel(self.bids)
        self.cancel(self.asks)
        for book in (self.bids, self.asks):
            for _ in range(_poisson(rng, 8 * STEP_S)):
                self.maker(book)
        prints: list[tuple[Side, int, int]] = []
        best_ask, best_bid = self.asks.best(), self.bids.best()
        if best_ask is not None and best_ask < self.fair - 300:
            prints += self.take(Side.BUY, 10**9, limit=int(self.fair))
            self.excite += 1.0
            self.last_side = Side.BUY
        elif best_bid is not None and best_bid > self.fair + 300:
            prints += self.take(Side.SELL, 10**9, limit=int(self.fair))
            self.excite += 1.0
            self.last_side = Side.SELL
        self.excite *= math.exp(-2.5 * STEP_S)
        intensity = 0.6 + self.excite
        for _ in range(_poisson(rng, intensity * STEP_S)):
            self.excite += 1.1
            mid = ((best_ask or self.fair) + (best_bid or self.fair)) / 2
            if rng.random() < 0.7 and self.excite > 0.5:
                side = self.last_side
            else:
                lean = max(-0.3, min(0.3, (self.fair - mid) / 5000))
                side = Side.BUY if rng.random() < 0.5 + lean else Side.SELL
            self.last_side = side
            prints += self.take(side, self.taker_size())
        return prints


def _size(units: int) -> Decimal:
    """``units`` size steps as the exchange writes a size (``0.01``, not ``0.0100``)."""
    return Decimal(format((units * UNIT).normalize(), "f"))


def _poisson(rng: random.Random, mean: float) -> int:
    count, threshold, product = 0, math.exp(-mean), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def _ns(at: datetime) -> int:
    return int(at.timestamp()) * 1_000_000_000 + at.microsecond * 1000


def generate(out: Path, seed: int, minutes: float) -> int:
    rule = SYMBOL_RULES[SYMBOL]
    header = Header(
        start="",
        endpoint="generated by scripts/make_demo_market.py",
        symbols=(SYMBOL,),
        symbol_rules=(to_wire(rule),),
        extra={"generator": "scripts/make_demo_market.py", "seed": seed},
    )
    gen = Generator(seed)
    frames = 0
    last: int | None = None
    high = low = 0
    volume = 0
    with RecordingWriter(out, header, fsync_interval=3600, clock_ns=lambda: _ns(START)) as writer:
        next_book = next_ticker = 0.0
        while gen.t < minutes * 60:
            prints = gen.step()
            at = START + timedelta(seconds=round(gen.t, 3))
            for side, price, qty in prints:
                high, low = (price, price) if last is None else (max(high, price), min(low, price))
                last = price
                volume += qty
                event = models.TradeEvent(
                    symbol=SYMBOL, side=side, price=Decimal(price), size=_size(qty), timestamp=at
                )
                writer.write(Kind.PUBLIC, _encoder.encode(to_wire(event)), _ns(at))
                frames += 1
            if gen.t >= next_book or prints:
                book = models.OrderBookEvent(
                    symbol=SYMBOL, asks=gen.asks.snapshot(), bids=gen.bids.snapshot(), timestamp=at
                )
                writer.write(Kind.PUBLIC, _encoder.encode(to_wire(book)), _ns(at))
                frames += 1
                next_book = gen.t + BOOK_EVERY_S
            best_ask, best_bid = gen.asks.best(), gen.bids.best()
            if gen.t >= next_ticker and last is not None and best_ask and best_bid:
                ticker = models.TickerEvent(
                    symbol=SYMBOL,
                    ask=Decimal(best_ask),
                    bid=Decimal(best_bid),
                    high=Decimal(high),
                    last=Decimal(last),
                    low=Decimal(low),
                    volume=_size(volume),
                    timestamp=at,
                )
                writer.write(Kind.PUBLIC, _encoder.encode(to_wire(ticker)), _ns(at))
                frames += 1
                next_ticker = gen.t + 1.0
    return frames


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.out.exists():
        args.out.unlink()  # the writer never overwrites; this script owns the file
    frames = generate(args.out, args.seed, args.minutes)
    print(f"{args.out}: {frames} frames, {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

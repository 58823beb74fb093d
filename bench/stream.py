"""A deterministic public-WebSocket stream, made by the built-in exchange's own market and
encoder, for the ingest benchmark.

:func:`generate` builds a :class:`~gmo_tui.sim.state.SimState` on a frozen clock (so every run
with the same seed gives the same bytes), drives its synthetic market by hand at the requested
per-symbol rates, and encodes each frame exactly as the exchange's hub does
(:func:`gmo_tui.sim.ws.encode` of an ``OrderBookEvent`` / ``TradeEvent`` / ``TickerEvent``).
Frames are returned in send order, as ``bytes`` (what ``websockets`` hands the app with
``recv(decode=False)``).

Run ``python -m bench.stream --seconds 10`` to print counts and sizes.
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from dataclasses import dataclass

import msgspec

from gmo_tui.exchange import models
from gmo_tui.sim.engine_events import PublicTrade
from gmo_tui.sim.state import SimState
from gmo_tui.sim.ws import encode

SYMBOLS = ("BTC", "ETH", "XRP")


@dataclass(frozen=True)
class Rates:
    """Per-symbol frames per second."""

    books: int = 10
    trades: int = 30
    tickers: int = 10


BUSY = Rates(10, 30, 10)
STRESS = Rates(50, 100, 10)


def generate(
    seconds: float = 10.0,
    *,
    seed: int = 42,
    symbols: tuple[str, ...] = SYMBOLS,
    rates: Rates = BUSY,
    slots_per_s: int = 100,
) -> list[bytes]:
    """``seconds`` of market for ``symbols`` at ``rates``; frames in send order."""
    state = SimState(seed=seed, frozen=True)
    market, engine, clock = state.market, state.engine, state.clock
    frames: list[bytes] = []
    trades_seen: list[PublicTrade] = []

    def listen(event: object) -> None:
        if isinstance(event, PublicTrade) and event.symbol in symbols:
            trades_seen.append(event)

    engine.add_listener(listen)
    dt = 1.0 / slots_per_s
    credit: dict[tuple[str, str], float] = {}

    def due(key: tuple[str, str], rate: int) -> int:
        value = credit.get(key, 0.0) + rate * dt
        n = int(value + 1e-9)
        credit[key] = value - n
        return n

    for _ in range(int(seconds * slots_per_s)):
        clock.advance(dt)
        for symbol in symbols:
            owed = credit.get((symbol, "t"), 0.0) + rates.trades * dt
            while owed >= 1.0 - 1e-9:
                market.take(symbol)
                for ev in trades_seen:
                    frames.append(encode(_trade_event(ev)))
                owed -= max(len(trades_seen), 1)  # a sweep of several levels prints several
                trades_seen.clear()
            credit[(symbol, "t")] = owed
            for _ in range(due((symbol, "b"), rates.books)):
                market.walk(symbol, 1.0 / max(rates.books, 1))
                market.requote(symbol)
                trades_seen.clear()  # a requote never prints for the market maker alone
                book = engine.orderbook(symbol)
                frames.append(
                    encode(
                        models.OrderBookEvent(
                            symbol=symbol, asks=book.asks, bids=book.bids, timestamp=book.timestamp
                        )
                    )
                )
            for _ in range(due((symbol, "k"), rates.tickers)):
                ticker = engine.ticker(symbol)
                frames.append(encode(models.TickerEvent(**msgspec.structs.asdict(ticker))))
    return frames


def _trade_event(ev: PublicTrade) -> models.TradeEvent:
    t = ev.trade
    return models.TradeEvent(
        price=t.price, side=t.side, size=t.size, timestamp=t.timestamp, symbol=ev.symbol
    )


def describe(frames: list[bytes]) -> dict[str, object]:
    kinds: Counter[str] = Counter()
    for f in frames:
        kinds[msgspec.json.decode(f)["channel"]] += 1
    digest = hashlib.sha256(b"\n".join(frames)).hexdigest()[:16]
    return {
        "frames": len(frames),
        "bytes": sum(len(f) for f in frames),
        "by_channel": dict(kinds),
        "sha256_16": digest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    frames = generate(args.seconds, seed=args.seed)
    print(describe(frames))
    print(frames[0][:300])


if __name__ == "__main__":
    main()

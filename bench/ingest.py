"""Ingest benchmark: decode a public stream and apply it to the app's state models, against
pybotters' ``GMOCoinDataStore`` fed the same frames, in one run.

The stream (:mod:`bench.stream`) is made deterministically by the built-in exchange at the busy
rate (per symbol 10 book snapshots, 30 trades and 10 tickers a second) for BTC, ETH and XRP.

gmo-tui, per frame, exactly what the app's public stream and worker do:
``time.time()`` stamp, ``msgspec`` decode into ``models.PublicEvent`` (the decoder of
:mod:`gmo_tui.exchange.public_stream`), a ``Received`` item, then
books -> :meth:`Books.apply`, trades -> :meth:`Tapes.append` and the 1min
:meth:`CandleSeries.apply_trade`, tickers -> :meth:`Watchlist.update_ticker`.

pybotters, per frame, what its WebSocket loop does with a text frame: ``json.loads`` (aiohttp's
``msg.json()``) then ``store.onmessage(msg, ws)``.

Both sides are timed in CPU seconds of this process (``time.process_time``), alternately, each
repetition on fresh state, so other load on the machine does not count against either.

Run: ``.venv/bin/python -m bench.ingest [--seconds 60] [--reps 7] [--json out.json]``;
``--profile`` prints a cProfile of the gmo-tui path instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable

from bench.report import emit, summary
from bench.stream import BUSY, SYMBOLS, describe, generate
from gmo_tui.exchange import models
from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.exchange.public_stream import _public_decoder
from gmo_tui.exchange.stream_base import Received
from gmo_tui.market.book import Books
from gmo_tui.market.candles import CandleSeries
from gmo_tui.market.tape import Tapes
from gmo_tui.market.watchlist import Watchlist


def run_gmo_tui(frames: list[bytes]) -> float:
    """Seconds to ingest ``frames`` the way the app does (fresh state each call)."""
    decoder = _public_decoder
    books = Books()
    tapes = Tapes()
    watchlist = Watchlist()
    candles = {s: CandleSeries(s, KlineInterval.MIN1) for s in SYMBOLS}
    latencies: list[float] = []
    now = time.time
    book_t, trade_t, ticker_t = models.OrderBookEvent, models.TradeEvent, models.TickerEvent
    start = time.process_time()
    for raw in frames:
        received_at = now()
        item = Received(decoder.decode(raw), received_at)
        event = item.event
        kind = type(event)
        if kind is book_t:
            books.apply(event, item.received_at)
            if event.timestamp is not None:
                latencies.append(item.received_at - event.timestamp.timestamp())
        elif kind is trade_t:
            symbol = event.symbol
            tapes[symbol].append(event)
            candles[symbol].apply_trade(event)
        elif kind is ticker_t:
            watchlist.update_ticker(event, item.received_at)
    took = time.process_time() - start
    assert books or tapes or watchlist.version, "nothing was applied"
    return took


def run_pybotters(texts: list[str]) -> float:
    """Seconds for pybotters' ``GMOCoinDataStore`` to ingest the same frames (text)."""
    from pybotters.models.gmocoin import GMOCoinDataStore

    store = GMOCoinDataStore()
    loads = json.loads
    onmessage = store.onmessage
    start = time.process_time()
    for text in texts:
        onmessage(loads(text), None)
    took = time.process_time() - start
    assert len(store.orderbooks) + len(store.trades) + len(store.ticker) > 0, "nothing applied"
    return took


def _timed(fn: Callable[[], float]) -> float:
    gc.collect()
    return fn()


def bench(seconds: float, reps: int, seed: int) -> dict[str, object]:
    frames = generate(seconds, seed=seed, rates=BUSY)
    texts = [f.decode() for f in frames]
    n = len(frames)
    ours: list[float] = []
    theirs: list[float] = []
    run_gmo_tui(frames[:500])  # warm caches (imports, decoder) on both sides
    run_pybotters(texts[:500])
    for _ in range(reps):
        ours.append(n / _timed(lambda: run_gmo_tui(frames)))
        theirs.append(n / _timed(lambda: run_pybotters(texts)))
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return {
        "stream": {**describe(frames), "seed": seed, "seconds_of_market": seconds},
        "gmo_tui_msgs_per_s": summary(ours),
        "pybotters_msgs_per_s": summary(theirs),
        "ratio_per_rep": summary(ratios),
        "ratio_of_medians": summary(ours)["median"] / summary(theirs)["median"],
        "target_ratio": 5.0,
    }


def profile(seconds: float, seed: int) -> None:
    import cProfile
    import pstats

    frames = generate(seconds, seed=seed, rates=BUSY)
    prof = cProfile.Profile()
    prof.enable()
    run_gmo_tui(frames)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(20)


def main(argv: list[str] | None = None) -> dict[str, object] | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="seconds of busy market")
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None, help="also write the result here")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    if args.profile:
        profile(args.seconds, args.seed)
        return None
    result = bench(args.seconds, args.reps, args.seed)
    emit("ingest", result, args.json)
    return result


if __name__ == "__main__":
    main()

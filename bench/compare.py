"""Side-by-side CPU and tick-to-screen latency of app variants (:mod:`bench.variants`) at one
load, alternating variants in rounds so background load hits them alike.

Run: ``.venv/bin/python -m bench.compare [--load busy] [--rounds 3] [--seconds 10]
[--variants baseline,no-screen-diff]``.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import Sim, app_against, cpu_seconds
from bench.latency import stats
from bench.report import emit, summary
from bench.scenarios import jitter, probe_book, probe_trade, set_load, wait_ready


def run_variant(
    sim: Sim, name: str, seconds: float, probes: int
) -> tuple[float, list[float | None], list[float | None]]:
    with app_against(sim, variant=name) as app:
        if wait_ready(app, timeout=30) is None:
            raise SystemExit(f"variant {name}: the app never showed a book")
        time.sleep(4)
        c0, t0 = cpu_seconds(app.pid), time.monotonic()
        time.sleep(seconds)
        cpu = 100 * (cpu_seconds(app.pid) - c0) / (time.monotonic() - t0)
        trades: list[float | None] = []
        books: list[float | None] = []
        for _ in range(probes):
            trades.append(probe_trade(sim, app).latency_ms)
            time.sleep(jitter(0.1))
            books.append(probe_book(sim, app)[0].latency_ms)
            time.sleep(jitter(0.1))
    return cpu, trades, books


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", default="busy")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--variants", default="baseline,no-screen-diff")
    parser.add_argument("--probes", type=int, default=30, help="probes of each kind per run")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    names = args.variants.split(",")
    cpu: dict[str, list[float]] = {n: [] for n in names}
    lat: dict[str, list[float | None]] = {n: [] for n in names}
    book_lat: dict[str, list[float | None]] = {n: [] for n in names}
    with Sim(seed=42) as sim:
        set_load(sim, args.load)
        for _ in range(args.rounds):
            for name in names:
                c, lt, lb = run_variant(sim, name, args.seconds, args.probes)
                cpu[name].append(c)
                lat[name] += lt
                book_lat[name] += lb
    result = {
        "load": args.load,
        "variants": {
            n: {
                "cpu_percent": summary(cpu[n]),
                "trade_to_tape": stats(lat[n]),
                "book_to_ladder": stats(book_lat[n]),
            }
            for n in names
        },
    }
    emit("compare", result, args.json)
    return result


if __name__ == "__main__":
    main()

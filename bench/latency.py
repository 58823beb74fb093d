"""Tick-to-screen latency of the app in a real pseudo-terminal, at the busy and stress loads.

``python -m bench.simproc`` (the built-in exchange, seed 42, in its own process) sends marked
frames and stamps them with ``time.monotonic()`` as they leave; the app
(``gmo-tui --endpoint http://127.0.0.1:PORT --symbol BTC``) runs on a pty of 120x40 and a reader
thread stamps every chunk of terminal output. Latency = first appearance of the marker's text
on the terminal - frame sent. Trade probes mark a tape row; book probes mark a ladder row.

busy: per symbol 10 books/s, 30 trades/s, 10 tickers/s; ``--probes`` probes of each kind.
stress: 50 books/s, 100 trades/s for ``--minutes``; latency per 10 s window shows whether it
grows (the app must coalesce book snapshots to keep up).

Run: ``.venv/bin/python -m bench.latency [--probes 150] [--minutes 1] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import Sim, app_against, cpu_seconds, terminal_size
from bench.report import emit, percentile
from bench.scenarios import jitter, probe_book, probe_trade, set_load, wait_ready


def stats(values: list[float | None]) -> dict[str, float | int]:
    got = [v for v in values if v is not None]
    return {
        "n": len(values),
        "missed": len(values) - len(got),
        "p50_ms": round(percentile(got, 50), 2),
        "p90_ms": round(percentile(got, 90), 2),
        "p99_ms": round(percentile(got, 99), 2),
        "max_ms": round(max(got), 2) if got else float("nan"),
    }


def busy_phase(sim: Sim, app, probes: int) -> dict[str, object]:
    set_load(sim, "busy")
    time.sleep(3)
    trades: list[float | None] = []
    books: list[float | None] = []
    c0, t0 = cpu_seconds(app.pid), time.monotonic()
    for i in range(probes * 2):
        if i % 2 == 0:
            trades.append(probe_trade(sim, app).latency_ms)
        else:
            books.append(probe_book(sim, app)[0].latency_ms)
        time.sleep(jitter(0.12))
    cpu = 100 * (cpu_seconds(app.pid) - c0) / (time.monotonic() - t0)
    return {
        "trade_to_tape": stats(trades),
        "book_to_ladder": stats(books),
        "app_cpu_percent_during": round(cpu, 1),
    }


def stress_phase(sim: Sim, app, minutes: float) -> dict[str, object]:
    set_load(sim, "stress")
    time.sleep(3)
    start = time.monotonic()
    end = start + minutes * 60
    windows: list[dict[str, object]] = []
    all_trades: list[float | None] = []
    all_books: list[float | None] = []
    while time.monotonic() < end:
        w_start = time.monotonic()
        trades: list[float | None] = []
        books: list[float | None] = []
        c0 = cpu_seconds(app.pid)
        i = 0
        while time.monotonic() - w_start < 10 and time.monotonic() < end:
            if i % 3 == 2:
                books.append(probe_book(sim, app)[0].latency_ms)
            else:
                trades.append(probe_trade(sim, app).latency_ms)
            i += 1
            time.sleep(jitter(0.15))
        span = time.monotonic() - w_start
        windows.append(
            {
                "t_s": round(w_start - start),
                "trade_p50_ms": stats(trades)["p50_ms"],
                "book_p50_ms": stats(books)["p50_ms"],
                "trade_p99_ms": stats(trades)["p99_ms"],
                "cpu_percent": round(100 * (cpu_seconds(app.pid) - c0) / span, 1),
            }
        )
        all_trades += trades
        all_books += books
    first, last = windows[0], windows[-1]
    return {
        "minutes": minutes,
        "trade_to_tape": stats(all_trades),
        "book_to_ladder": stats(all_books),
        "windows": windows,
        "growth_trade_p50_ms": round(float(last["trade_p50_ms"]) - float(first["trade_p50_ms"]), 2),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=150, help="probes of each kind at busy")
    parser.add_argument("--minutes", type=float, default=1.0, help="length of the stress phase")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    with Sim(seed=args.seed) as sim, app_against(sim) as app:
        if wait_ready(app) is None:
            raise SystemExit("the app never showed a book")
        busy = busy_phase(sim, app, args.probes)
        stress = stress_phase(sim, app, args.minutes)
        sent = sim.command({"cmd": "stats"})["sent"]
    result = {
        "terminal": "{}x{} pty".format(*terminal_size()),
        "targets": {"busy_p50_ms": 16.7, "busy_p99_ms": 33},
        "busy": busy,
        "stress": stress,
        "frames_sent_by_exchange": sent,
    }
    emit("latency", result, args.json)
    return result


if __name__ == "__main__":
    main()

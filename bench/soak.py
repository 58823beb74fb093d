"""Soak: the app's memory (RSS from /proc) over ``--minutes`` at the stress load.

The app runs in a 120x40 pty against ``python -m bench.simproc`` at 50 books/s, 100 trades/s
and 10 tickers/s for BTC. Every ``--every`` seconds: RSS (``VmRSS``), CPU percent over the last
interval, and one trade probe's tick-to-screen latency. After the warm-up (the first 20 % of the
run, at most one minute) the RSS must stay within 5 % of its value at the end of the warm-up:
the tape, candles, caches and any history are bounded.

Run: ``.venv/bin/python -m bench.soak [--minutes 10] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import Sim, app_against, cpu_seconds, rss_bytes
from bench.report import emit
from bench.scenarios import probe_trade, set_load, wait_ready

MB = 1024 * 1024


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    samples: list[dict[str, float]] = []
    with Sim(seed=args.seed) as sim, app_against(sim) as app:
        if wait_ready(app) is None:
            raise SystemExit("the app never showed a book")
        set_load(sim, "stress")
        start = time.monotonic()
        end = start + args.minutes * 60
        c_prev, t_prev = cpu_seconds(app.pid), start
        while time.monotonic() < end:
            time.sleep(args.every)
            if app.proc.poll() is not None:
                raise SystemExit(f"the app exited with {app.proc.returncode}")
            now, cpu = time.monotonic(), cpu_seconds(app.pid)
            probe = probe_trade(sim, app)
            samples.append(
                {
                    "t_s": round(now - start, 1),
                    "rss_mb": round(rss_bytes(app.pid) / MB, 2),
                    "cpu_percent": round(100 * (cpu - c_prev) / (now - t_prev), 1),
                    "trade_latency_ms": round(probe.latency_ms, 1)
                    if probe.latency_ms is not None
                    else None,
                }
            )
            c_prev, t_prev = cpu, now
            print(samples[-1], flush=True)
        sent = sim.command({"cmd": "stats"})["sent"]
    warm_s = min(60.0, 0.2 * args.minutes * 60)
    after = [s for s in samples if s["t_s"] >= warm_s] or samples[-1:]
    base = after[0]["rss_mb"]
    rss = [s["rss_mb"] for s in after]
    result = {
        "minutes": args.minutes,
        "warmup_s": warm_s,
        "rss_at_warmup_mb": base,
        "rss_final_mb": rss[-1],
        "rss_max_mb": max(rss),
        "rss_min_mb": min(rss),
        "max_deviation_percent": round(100 * max(abs(r - base) for r in rss) / base, 2),
        "final_drift_percent": round(100 * (rss[-1] - base) / base, 2),
        "target_percent": 5.0,
        "frames_sent_by_exchange": sent,
        "samples": samples,
    }
    emit("soak", result, args.json)
    return result


if __name__ == "__main__":
    main()

"""Side-by-side CPU and tick-to-screen latency of app variants (:mod:`bench.variants`) at one
load, alternating variants in rounds so background load hits them alike.

Run: ``.venv/bin/python -m bench.compare [--load busy] [--rounds 3] [--seconds 10]
[--variants baseline,chart-throttle]``.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import PYTHON, ROOT, AppPty, Sim, cpu_seconds
from bench.latency import stats
from bench.report import emit, summary
from bench.scenarios import jitter, probe_trade, set_load, wait_ready


def run_variant(sim: Sim, name: str, seconds: float) -> tuple[float, list[float | None]]:
    env = {"GMO_API_KEY": sim.api_key, "GMO_API_SECRET": sim.api_secret, "PYTHONPATH": str(ROOT)}
    argv = [PYTHON, "-m", "bench.variants", name, "--endpoint", sim.endpoint, "--symbol", "BTC"]
    with AppPty(argv, env=env) as app:
        if wait_ready(app, timeout=30) is None:
            raise SystemExit(f"variant {name}: the app never showed a book")
        time.sleep(4)
        c0, t0 = cpu_seconds(app.pid), time.monotonic()
        time.sleep(seconds)
        cpu = 100 * (cpu_seconds(app.pid) - c0) / (time.monotonic() - t0)
        lat = []
        for _ in range(30):
            lat.append(probe_trade(sim, app).latency_ms)
            time.sleep(jitter(0.1))
    return cpu, lat


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", default="busy")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--variants", default="baseline,chart-throttle,ladder-cells")
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    names = args.variants.split(",")
    cpu: dict[str, list[float]] = {n: [] for n in names}
    lat: dict[str, list[float | None]] = {n: [] for n in names}
    with Sim(seed=42) as sim:
        set_load(sim, args.load)
        for _ in range(args.rounds):
            for name in names:
                c, lt = run_variant(sim, name, args.seconds)
                cpu[name].append(c)
                lat[name] += lt
    result = {
        "load": args.load,
        "variants": {
            n: {"cpu_percent": summary(cpu[n]), "trade_to_tape": stats(lat[n])} for n in names
        },
    }
    emit("compare", result, args.json)
    return result


if __name__ == "__main__":
    main()

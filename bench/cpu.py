"""CPU use of the app process (percent of one core) at the idle, busy and stress loads.

The app runs in a pty against ``python -m bench.simproc`` (seed 42). Idle is a frozen market
(nothing is sent after start); busy and stress are the per-symbol rates of
:data:`bench.scenarios.LOADS`. Each load is warmed up, then ``utime + stime`` of the app is read
from ``/proc/<pid>/stat`` over ``--seconds`` (several windows: median, min, max).

Run: ``.venv/bin/python -m bench.cpu [--seconds 20] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import time

from bench.harness import Sim, app_against, cpu_seconds, terminal_size
from bench.report import emit, summary
from bench.scenarios import set_load, wait_ready

WINDOWS = 4


def measure(pid: int, seconds: float) -> dict[str, float]:
    window = seconds / WINDOWS
    values = []
    for _ in range(WINDOWS):
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(window)
        values.append(100 * (cpu_seconds(pid) - c0) / (time.monotonic() - t0))
    return {k: round(v, 2) for k, v in summary(values).items()}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per load")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    result: dict[str, object] = {
        "targets_percent": {"idle": 1, "busy": 10},
        "terminal": "{}x{} pty".format(*terminal_size()),
    }
    with Sim(seed=args.seed, frozen=True) as sim, app_against(sim) as app:
        if wait_ready(app) is None:
            raise SystemExit("the app never showed a book")
        time.sleep(args.warmup)
        result["idle"] = measure(app.pid, args.seconds)
    with Sim(seed=args.seed) as sim, app_against(sim) as app:
        if wait_ready(app) is None:
            raise SystemExit("the app never showed a book")
        for load in ("busy", "stress"):
            set_load(sim, load)
            time.sleep(args.warmup)
            result[load] = measure(app.pid, args.seconds)
            result[f"exchange_cpu_percent_{load}"] = measure(sim.pid, 2.0)["median"]
    emit("cpu", result, args.json)
    return result


if __name__ == "__main__":
    main()

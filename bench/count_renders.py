"""Lines Textual renders per frame, per widget class, with the app at a load (the
``count-renders`` variant of :mod:`bench.variants`).

Run: ``.venv/bin/python -m bench.count_renders [--load busy] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from bench.harness import PYTHON, ROOT, AppPty, Sim
from bench.scenarios import set_load, wait_ready


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", default="busy", choices=("busy", "stress"))
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    out = os.path.join(tempfile.mkdtemp(prefix="gmo-tui-counts-"), "counts.json")
    with Sim() as sim:
        env = {
            "GMO_API_KEY": sim.api_key,
            "GMO_API_SECRET": sim.api_secret,
            "PYTHONPATH": str(ROOT),
            "GMO_BENCH_COUNTS": out,
        }
        argv_app = [PYTHON, "-m", "bench.variants", "count-renders"]
        argv_app += ["--endpoint", sim.endpoint, "--symbol", "BTC"]
        with AppPty(argv_app, env=env) as app:
            if wait_ready(app, timeout=30) is None:
                raise SystemExit("the app never showed a book")
            set_load(sim, args.load)
            time.sleep(args.seconds)
            app.send(b"q")
            app.proc.wait(20)
    with open(out) as f:
        doc = json.load(f)
    frames = max(1, doc["frames"])
    print(f"frames: {doc['frames']} (start-up included)")
    times = sorted(doc.get("frame_ms") or [0.0])
    pick = [times[min(len(times) - 1, int(q * len(times)))] for q in (0.5, 0.9, 0.99)]
    print(
        "frame wall time ms: p50 {:.2f} p90 {:.2f} p99 {:.2f}; total {:.0f} ms in {:.0f} s".format(
            *pick, sum(times), args.seconds
        )
    )
    for name, calls in sorted(doc["calls"].items(), key=lambda kv: -doc["lines"][kv[0]]):
        lines = doc["lines"][name]
        us = doc.get("spent_us", {}).get(name, 0)
        print(
            f"{name:24s} calls {calls:6d}  lines {lines:7d}  lines/frame {lines / frames:6.1f}"
            f"  render_lines us/frame {us / frames:7.1f}"
        )
    print(f"App._display (segments -> terminal) us/frame {doc.get('display_us', 0) / frames:.1f}")
    print("what made the frames (per frame):")
    for cause, n in sorted(doc.get("causes", {}).items(), key=lambda kv: -kv[1]):
        print(f"  {cause:32s} {n / frames:5.2f}")
    return doc


if __name__ == "__main__":
    main()

"""Where the app's main thread is busy, and what its long busy runs (stalls) are made of (the
``stalls`` variant of :mod:`bench.variants`: a thread samples the main thread's stack every
~1 ms).

Run: ``.venv/bin/python -m bench.stalls [--load busy] [--seconds 20] [--min-ms 20]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections import Counter

from bench.scenarios import run_variant


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", default="busy", choices=("idle", "busy", "stress"))
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--min-ms", type=float, default=20.0)
    args = parser.parse_args(argv)
    out = os.path.join(tempfile.mkdtemp(prefix="gmo-tui-stalls-"), "stalls.json")
    env = {"GMO_BENCH_STALLS": out, "GMO_BENCH_STALL_MS": str(args.min_ms)}
    run_variant("stalls", env, args.load, args.seconds, warmup=3.0)
    with open(out) as f:
        doc = json.load(f)
    total = sum(n for _, n in doc["tally"]) or 1
    print(f"busy samples: {total} (start-up included)")
    for name, n in doc["tally"][:25]:
        print(f"  {100 * n / total:5.1f}%  {name}")
    runs = doc["runs"]
    print(f"busy runs >= {args.min_ms} ms: {len(runs)}")
    causes: Counter[str] = Counter()
    for run in runs:
        stack = run["stacks"][0]["stack"] if run["stacks"] else []
        key = " <- ".join(f for f in stack if "textual" not in f)[:300] or "?"
        causes[key] += 1
    for key, n in causes.most_common(12):
        print(f"  {n:4d}x  {key}")
    return doc


if __name__ == "__main__":
    main()

"""Lines Textual renders per frame, per widget class, with the app at a load (the
``count-renders`` variant of :mod:`bench.variants`).

Run: ``.venv/bin/python -m bench.count_renders [--load busy] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

from bench.harness import terminal_size
from bench.report import emit
from bench.scenarios import run_variant


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", default="busy", choices=("busy", "stress"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", default=None)
    parser.add_argument("--variant", default=None, help="another bench.variants name with it")
    args = parser.parse_args(argv)
    out = os.path.join(tempfile.mkdtemp(prefix="gmo-tui-counts-"), "counts.json")
    name = "count-renders" + (f"+{args.variant}" if args.variant else "")
    run_variant(name, {"GMO_BENCH_COUNTS": out}, args.load, args.seconds)
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
    if args.json:
        lines_per_frame = {k: round(v / frames, 1) for k, v in doc["lines"].items()}
        summary_doc = {
            "load": args.load,
            "seconds": args.seconds,
            "terminal": "{}x{} pty".format(*terminal_size()),
            "frames": doc["frames"],
            "frames_per_s": round(doc["frames"] / args.seconds, 1),
            "lines_per_frame": lines_per_frame,
            "lines_per_s": round(sum(doc["lines"].values()) / args.seconds),
        }
        emit("count_renders", summary_doc, args.json)
    print("what made the frames (per frame):")
    for cause, n in sorted(doc.get("causes", {}).items(), key=lambda kv: -kv[1]):
        print(f"  {cause:32s} {n / frames:5.2f}")
    return doc


if __name__ == "__main__":
    main()

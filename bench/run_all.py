"""Run every benchmark (one process each, one after the other) and write bench/RESULTS.md.

The app benchmarks (latency, cpu, termbytes, count_renders, soak; slowlink when asked) run
at every ``--sizes`` terminal size (default 120x40, the compact layout, and 200x50, the wide
one with every pane visible) and for every ``--checkout LABEL=DIR`` (another version's
source tree, e.g. old main, run with this venv: see :func:`bench.harness.app_command`) as
well as for this checkout (label ``this``); RESULTS.md puts them side by side. Ingest and the
rate-limit burst measure this checkout's library code only; cold start runs per checkout.

Run: ``.venv/bin/python -m bench.run_all [--soak-minutes 10] [--out DIR]
[--checkout main=/tmp/gmo-tui-main] [--sizes 120x40,200x50] [--only latency,cpu]``;
``--reuse`` keeps the JSON documents already in ``--out`` instead of running them again;
``--this-only soak`` runs the soak for this checkout only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.harness import ROOT
from bench.results import render

BENCHES = (
    "ingest",
    "latency",
    "cpu",
    "termbytes",
    "count_renders",
    "coldstart",
    "rate_burst",
    "soak",
)
PER_SIZE = ("latency", "cpu", "termbytes", "count_renders", "soak", "slowlink")
PER_CHECKOUT = (*PER_SIZE, "coldstart")
THIS = "this"


def doc_key(name: str, size: str | None = None, label: str = THIS) -> str:
    """The key (and JSON file stem) of one result: ``latency@200x50@main``."""
    return "@".join(x for x in (name, size, label if name in PER_CHECKOUT else None) if x)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--slowlink-seconds", type=float, default=60.0)
    parser.add_argument(
        "--slowlink-ssh", action="store_true", help="slowlink also over ssh to 127.0.0.1"
    )
    parser.add_argument("--coldstart-reps", type=int, default=11)
    parser.add_argument("--out", default="/tmp/gmo-tui-bench")
    parser.add_argument("--reuse", action="store_true", help="keep results already in --out")
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--sizes", default="120x40,200x50")
    parser.add_argument(
        "--this-only",
        default="",
        help="benchmarks run for this checkout only (such as soak: its minutes per version)",
    )
    parser.add_argument(
        "--checkout", action="append", default=[], help="LABEL=DIR of another version"
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    checkouts: list[tuple[str, str | None]] = []
    for spec in args.checkout:
        label, _, directory = spec.partition("=")
        checkouts.append((label, str(Path(directory).resolve())))
    checkouts.append((THIS, None))
    sizes = args.sizes.split(",")
    this_only = set(args.this_only.split(",")) if args.this_only else set()
    for name in args.only.split(","):
        runs: list[tuple[str, dict[str, str]]] = []
        versions = checkouts if name in PER_CHECKOUT and name not in this_only else [(THIS, None)]
        for label, directory in versions:
            for size in sizes if name in PER_SIZE else [None]:
                env = {"GMO_BENCH_SIZE": size} if size else {}
                if directory:
                    env["GMO_BENCH_CHECKOUT"] = directory
                runs.append((doc_key(name, size, label), env))
        for key, env in runs:
            path = out / f"{key}.json"
            if args.reuse and path.exists():
                continue
            cmd = [sys.executable, "-m", f"bench.{name}", "--json", str(path)]
            if name == "soak":
                cmd += ["--minutes", str(args.soak_minutes)]
            if name == "coldstart":
                cmd += ["--reps", str(args.coldstart_reps)]
            if name == "slowlink":
                cmd += ["--seconds", str(args.slowlink_seconds)]
                cmd += ["--ssh"] if args.slowlink_ssh else []
            print("running", key, " ".join(cmd[1:]), flush=True)
            run_env = {k: v for k, v in os.environ.items() if not k.startswith("GMO_BENCH_")}
            subprocess.run(
                cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env={**run_env, **env}
            )
    docs = {p.stem: json.loads(p.read_text()) for p in sorted(out.glob("*.json"))}
    labels = [label for label, _ in checkouts]
    (ROOT / "bench" / "RESULTS.md").write_text(render(docs, labels=labels, sizes=sizes))
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()

"""Run every benchmark (one process each, one after the other) and write bench/RESULTS.md.

Run: ``.venv/bin/python -m bench.run_all [--soak-minutes 10] [--out DIR]``; ``--reuse NAME``
(repeatable) keeps an earlier ``DIR/NAME.json`` instead of running it again (e.g. a soak).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.harness import ROOT
from bench.results import render

BENCHES = ("ingest", "latency", "cpu", "termbytes", "coldstart", "rate_burst", "soak")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soak-minutes", type=float, default=10.0)
    parser.add_argument("--out", default="/tmp/gmo-tui-bench")
    parser.add_argument("--reuse", action="append", default=[])
    parser.add_argument("--only", default=",".join(BENCHES))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    docs = {}
    for name in args.only.split(","):
        path = out / f"{name}.json"
        if name not in args.reuse:
            cmd = [sys.executable, "-m", f"bench.{name}", "--json", str(path)]
            if name == "soak":
                cmd += ["--minutes", str(args.soak_minutes)]
            print("running", " ".join(cmd[1:]), flush=True)
            subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        docs[name] = json.loads(path.read_text())
    (ROOT / "bench" / "RESULTS.md").write_text(render(docs))
    print("wrote bench/RESULTS.md")


if __name__ == "__main__":
    main()

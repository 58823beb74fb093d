"""Profile the app (cProfile) in a pty at a given load, to find what the hot path spends.

Runs ``python -m cProfile -o OUT -m gmo_tui --endpoint ... --symbol BTC`` against
``python -m bench.simproc``, applies the load for ``--seconds``, quits with ``q`` and prints the
top functions by internal and by cumulative time.

Run: ``.venv/bin/python -m bench.profile_app [--load busy] [--seconds 20] [--out app.prof]``.
"""

from __future__ import annotations

import argparse
import os
import pstats
import tempfile
import time

from bench.harness import PYTHON, AppPty, Sim
from bench.scenarios import set_load, wait_ready


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", default="busy", choices=("idle", "busy", "stress"))
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "gmo-tui-app.prof"))
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args(argv)
    with Sim(frozen=args.load == "idle") as sim:
        env = {"GMO_API_KEY": sim.api_key, "GMO_API_SECRET": sim.api_secret}
        argv_app = [PYTHON, "-m", "cProfile", "-o", args.out, "-m", "gmo_tui"]
        argv_app += ["--endpoint", sim.endpoint, "--symbol", "BTC"]
        with AppPty(argv_app, env=env) as app:
            if wait_ready(app, timeout=40) is None:
                raise SystemExit("the app never showed a book")
            if args.load != "idle":
                set_load(sim, args.load)
            time.sleep(args.seconds)
            app.send(b"q")
            try:
                app.proc.wait(20)
            except Exception:  # noqa: BLE001 - report below
                raise SystemExit("the app did not quit on q; no profile written") from None
    stats = pstats.Stats(args.out)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()

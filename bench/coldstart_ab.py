"""Cold starts of several versions, alternating, so that the machine's drift falls on all alike.

``LABEL=DIR`` runs the app from the checkout at DIR (``-`` for this one); each round starts
every version once, in turn (the order reversed every other round). One start varies by ~0.3 s
on a 2-core VM: to order two versions ~0.1 s apart this takes ~10 rounds.

Run: ``.venv/bin/python -m bench.coldstart_ab --rounds 10 main=/tmp/gmo-tui-main this=-``.
"""

from __future__ import annotations

import argparse
import os

from bench.coldstart import app_start
from bench.report import summary


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("versions", nargs="+", help="LABEL=DIR (DIR '-': this checkout)")
    args = parser.parse_args(argv)
    versions = [tuple(v.split("=", 1)) for v in args.versions]
    times: dict[str, list[float]] = {label: [] for label, _ in versions}
    app_start()  # warm the page cache
    for round_ in range(args.rounds):
        for label, directory in versions if round_ % 2 == 0 else versions[::-1]:
            if directory == "-":
                os.environ.pop("GMO_BENCH_CHECKOUT", None)
            else:
                os.environ["GMO_BENCH_CHECKOUT"] = directory
            took = app_start()
            if took is not None:
                times[label].append(took)
    os.environ.pop("GMO_BENCH_CHECKOUT", None)
    result = {label: {k: round(v, 3) for k, v in summary(t).items()} for label, t in times.items()}
    for label, figures in result.items():
        print(f"{label}: first book {figures}")
    return result


if __name__ == "__main__":
    main()

"""Cold start: ``gmo-tui --demo`` in a pty until the first order book is on screen, against
Python's own start-up (``python -c pass``) measured the same way.

Each repetition spawns a fresh process on a 120x40 pty; "first book on screen" is the first
time the ladder's spread row shows a number (``spread 6,000``), which needs the built-in
exchange started, the symbols and the book loaded and painted. The app is then closed. Reported:
median, min and max over ``--reps``, and the difference of the medians.

Run: ``.venv/bin/python -m bench.coldstart [--reps 5] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

from bench.harness import PYTHON, AppPty, app_command
from bench.report import emit, summary
from bench.scenarios import wait_ready


def python_start() -> float:
    t0 = time.monotonic()
    subprocess.run([PYTHON, "-c", "pass"], check=True)
    return time.monotonic() - t0


def app_start() -> float | None:
    argv, env = app_command(["--demo", "--symbol", "BTC"])
    app = AppPty(argv, env=env)
    try:
        seen = wait_ready(app, timeout=30)
        return None if seen is None else seen - app.started
    finally:
        app.close()


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    python_start()  # warm the page cache for both
    app_start()
    py: list[float] = []
    app: list[float] = []
    missed = 0
    for _ in range(args.reps):
        py.append(python_start())
        took = app_start()
        if took is None:
            missed += 1
        else:
            app.append(took)
    result = {
        "python_c_pass_s": {k: round(v, 3) for k, v in summary(py).items()},
        "demo_first_book_s": {k: round(v, 3) for k, v in summary(app).items()},
        "beyond_python_s": round(statistics.median(app) - statistics.median(py), 3)
        if app
        else None,
        "missed": missed,
        "target_beyond_python_s": 1.0,
    }
    emit("coldstart", result, args.json)
    return result


if __name__ == "__main__":
    main()

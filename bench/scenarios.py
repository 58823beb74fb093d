"""Loads and marker probes shared by the app benchmarks (latency, CPU, bytes, soak).

Loads are per-symbol message rates of the built-in exchange (the app watches one symbol):

* ``idle``: a frozen market (nothing moves, nothing is sent),
* ``busy``: 10 book snapshots, 30 trades and 10 tickers a second,
* ``stress``: 50 book snapshots, 100 trades and 10 tickers a second.

Probes (unique markers, stamped by the exchange process when sent, see :mod:`bench.simproc`):

* :func:`probe_trade`: a trade with a size no other frame has (``7.xxxx``); latency is from
  the frame leaving the exchange to its size text reaching the terminal (the tape row).
* :func:`probe_book`: a book level grown by a unique size; latency is from the ``orderbooks``
  frame leaving the exchange to the level's new total reaching the terminal (the ladder row).
"""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass

from bench.harness import AppPty, Sim

LOADS: dict[str, dict[str, float]] = {
    "idle": {"books_per_s": 0, "trades_per_s": 0, "tickers_per_s": 0},
    "busy": {"books_per_s": 10, "trades_per_s": 30, "tickers_per_s": 10},
    "stress": {"books_per_s": 50, "trades_per_s": 100, "tickers_per_s": 10},
}

_trade_marks = itertools.count(1)
_book_marks = itertools.count(1)


@dataclass
class Probe:
    kind: str
    sent: float
    seen: float | None

    @property
    def latency_ms(self) -> float | None:
        return None if self.seen is None else (self.seen - self.sent) * 1000


def set_load(sim: Sim, load: str) -> None:
    sim.command({"cmd": "rates", **LOADS[load]})


def probe_trade(sim: Sim, app: AppPty, symbol: str = "BTC", timeout: float = 5.0) -> Probe:
    size = f"7.{next(_trade_marks) % 10000:04d}"
    start = app.offset
    reply = sim.command({"cmd": "mark_trade", "symbol": symbol, "size": size})
    seen = app.wait_for(size.encode(), start, timeout)
    return Probe("trade", reply["sent"], seen)


def probe_book(
    sim: Sim, app: AppPty, symbol: str = "BTC", index: int = 4, timeout: float = 5.0
) -> tuple[Probe, dict]:
    size = f"3.{next(_book_marks) % 10000:04d}"
    start = app.offset
    reply = sim.command(
        {"cmd": "bump_level", "symbol": symbol, "side": "BUY", "index": index, "size": size}
    )
    # the ladder shows sizes with the symbol's size step (4 places for BTC)
    seen = app.wait_for(reply["total"].encode(), start, timeout)
    return Probe("book", reply["sent"], seen), reply


def wait_ready(app: AppPty, timeout: float = 20.0) -> float | None:
    """Wait for the first book on screen (the ladder's spread row with a number)."""
    return app.wait_for(b"spread ", 0, timeout) and _wait_regex(app, rb"spread [0-9]", timeout)


def _wait_regex(app: AppPty, pattern: bytes, timeout: float) -> float | None:
    import re

    rx = re.compile(pattern)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app._cond:
            m = rx.search(app.screen_log)
            if m:
                end = app._log_base + m.end() - 1
                break
            app._cond.wait(0.05)
    else:
        return None
    return app.time_at(end)


def run_variant(
    variant: str, env: dict[str, str], load: str, seconds: float, *, warmup: float = 0.0
) -> None:
    """Run the app with a :mod:`bench.variants` variant against a fresh exchange (with the demo
    key), apply ``load`` for ``seconds`` (after ``warmup`` s of quiet), then quit with ``q``;
    the variant writes its findings to the file named in ``env``."""
    from bench.harness import app_command

    with Sim() as sim:
        argv, extra = app_command(["--endpoint", sim.endpoint, "--symbol", "BTC"], variant)
        full_env = {
            "GMO_API_KEY": sim.api_key,
            "GMO_API_SECRET": sim.api_secret,
            **extra,
            **env,
        }
        with AppPty(argv, env=full_env) as app:
            if wait_ready(app, timeout=30) is None:
                raise SystemExit("the app never showed a book")
            time.sleep(warmup)
            set_load(sim, load)
            time.sleep(seconds)
            app.send(b"q")
            app.proc.wait(20)


def jitter(mean: float) -> float:
    """A random pause around ``mean`` so probes do not lock to the exchange's schedule."""
    return mean * (0.5 + random.random())

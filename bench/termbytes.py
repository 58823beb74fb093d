"""Bytes written to the terminal: per second at the busy load, and per one-row ladder change.

* busy: the app in a 120x40 pty against the exchange at 10 books/s, 30 trades/s, 10 tickers/s;
  bytes read from the pty per second over ``--seconds``.
* one row: a frozen market (nothing else moves; the app without a key, so public panes only);
  the deepest bid level of BTC on screen grows
  by a small size, which changes only that ladder row (size, cumulative, depth bar); the bytes
  the app writes in response (within ``--settle`` seconds of the frame) minus the bytes of an
  equal quiet window without a change; and the bytes of the first paint alone (output within
  20 ms of the first byte after the frame), which leaves out the status bar's once-a-second
  metrics. Reported per probe (median, min, max).

Run: ``.venv/bin/python -m bench.termbytes [--seconds 20] [--probes 15] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter

from bench.harness import AppPty, Sim, app_against, terminal_size
from bench.report import emit, summary
from bench.scenarios import set_load, wait_ready

FRAME_S = 0.02
"""The paint that answers a change: output within this long of its first byte."""
CURSOR_TO = re.compile(rb"\x1b\[(\d+);(\d+)H")


def bytes_by_column(data: bytes, seconds: float) -> dict[str, int]:
    """Bytes per second by the screen column each write starts at (Textual writes a pane's
    line from the pane's left edge, so the columns name the panes), largest first."""
    per: Counter[int] = Counter()
    moves = list(CURSOR_TO.finditer(data))
    for move, after in zip(moves, [*moves[1:], None], strict=True):
        end = after.start() if after is not None else len(data)
        per[int(move.group(2))] += end - move.start()
    return {f"col {col}": round(n / seconds) for col, n in per.most_common(8)}


def deepest_visible_bid(sim: Sim, app: AppPty) -> int:
    """Index of the deepest BTC bid level whose price the app has painted (frozen market)."""
    bids = sim.command({"cmd": "book", "symbol": "BTC"})["bids"]
    screen = app.screen_text().encode()
    deepest = 0
    for i, (price, _size) in enumerate(bids):
        if f"{int(price):,}".encode() in screen:
            deepest = i
    return deepest


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--probes", type=int, default=15)
    parser.add_argument("--settle", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    result: dict[str, object] = {
        "terminal": "{}x{} pty".format(*terminal_size()),
        "target_bytes_one_row": 300,
    }

    with Sim(seed=args.seed) as sim, app_against(sim) as app:
        if wait_ready(app) is None:
            raise SystemExit("the app never showed a book")
        set_load(sim, "busy")
        time.sleep(5)
        t0 = time.monotonic()
        time.sleep(args.seconds)
        t1 = time.monotonic()
        result["busy_bytes_per_s"] = round(app.bytes_between(t0, t1) / (t1 - t0))
        with app._cond:
            ends = [
                (prev, end)
                for (prev, _), (end, t) in zip([(0, 0.0), *app.chunks], app.chunks, strict=False)
                if t0 <= t < t1
            ]
            data = bytes(app.buffer[ends[0][0] : ends[-1][1]]) if ends else b""
        result["busy_bytes_per_s_by_column"] = bytes_by_column(data, t1 - t0)

    # public only: a frozen exchange sends no PERIODIC private frames, and the app's private
    # stream would reconnect now and then and repaint the status bar meanwhile
    with Sim(seed=args.seed, frozen=True) as sim, app_against(sim, private=False) as app:
        if wait_ready(app) is None:
            raise SystemExit("the app never showed a book")
        app.quiet_until(1.0, timeout=20)
        index = deepest_visible_bid(sim, app)
        changes: list[float] = []
        baselines: list[float] = []
        frames: list[float] = []
        for k in range(args.probes):
            app.quiet_until(0.3, timeout=5)
            q0 = time.monotonic()
            time.sleep(args.settle)
            baselines.append(app.bytes_between(q0, q0 + args.settle))
            size = f"0.000{1 + k % 9}"
            reply = sim.command(
                {"cmd": "bump_level", "symbol": "BTC", "side": "BUY", "index": index, "size": size}
            )
            time.sleep(args.settle)
            changes.append(app.bytes_between(reply["sent"], reply["sent"] + args.settle))
            first = app.first_chunk_after(reply["sent"])
            frames.append(app.bytes_between(first, first + FRAME_S) if first else 0)
        base = summary(baselines)
        result["one_row_level_index"] = index
        result["one_row_first_frame_bytes"] = summary(frames)
        result["one_row_change_bytes_raw"] = summary(changes)
        result["quiet_window_bytes"] = base
        result["one_row_change_bytes"] = summary(
            [c - base["median"] for c in changes]  # type: ignore[operator]
        )
        result["note"] = (
            "frozen market; the deepest bid level on screen grows by 0.0001..0.0009 BTC, so only "
            "that row's size, cumulative and depth bar change; bytes within --settle s of the "
            "frame, minus the median of equal quiet windows"
        )
    emit("termbytes", result, args.json)
    return result


if __name__ == "__main__":
    main()

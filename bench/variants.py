"""Run the app with one candidate hot-path change applied at start-up (monkeypatched), so the
benchmarks can measure a change before it is made in the app's own files.

``python -m bench.variants NAME [gmo-tui arguments]``; NAME is one of :data:`VARIANTS`
(``baseline`` applies nothing). :mod:`bench.compare` runs the CPU and latency probes on
several variants side by side.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _ladder_cells() -> None:
    """Depth bars quantized to whole cells, so a row whose visible bar is unchanged is equal
    to its previous version and is not repainted."""
    from gmo_tui.widgets import order_book

    original = order_book.OrderBookLadder._build_rows

    def build_rows(self):  # type: ignore[no-untyped-def]
        rows = original(self)
        cells = max(1, self.size.width)
        out = []
        for row in rows:
            if row[0] in ("ask", "bid"):
                row = (*row[:4], row[4] * cells // 1000 * 1000 // cells, *row[5:])
            out.append(row)
        return out

    order_book.OrderBookLadder._build_rows = build_rows  # type: ignore[method-assign]


def _count_renders() -> None:
    """Count, per widget class, the render_lines calls and the lines asked for, and the frames
    (compositor refreshes) with the wall time of each; written as JSON to
    ``$GMO_BENCH_COUNTS`` at exit."""
    import atexit
    import json
    import os
    import time
    from collections import Counter

    from textual.screen import Screen
    from textual.widget import Widget

    calls: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    frames = Counter()
    render_lines = Widget.render_lines
    refresh = Screen._compositor_refresh

    spent_us: Counter[str] = Counter()

    def counted(method):  # type: ignore[no-untyped-def]
        def wrapper(self, crop):  # type: ignore[no-untyped-def]
            name = type(self).__name__
            calls[name] += 1
            lines[name] += crop.height
            started = time.perf_counter()
            try:
                return method(self, crop)
            finally:
                spent_us[name] += int((time.perf_counter() - started) * 1e6)

        return wrapper

    counted_render_lines = counted(render_lines)

    frame_ms: list[float] = []

    def counted_refresh(self):  # type: ignore[no-untyped-def]
        frames["frames"] += 1
        started = time.perf_counter()
        try:
            return refresh(self)
        finally:
            frame_ms.append((time.perf_counter() - started) * 1000)

    from textual.app import App

    display = App._display
    display_us: Counter[str] = Counter()

    def timed_display(self, screen, renderable):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return display(self, screen, renderable)
        finally:
            display_us["us"] += int((time.perf_counter() - started) * 1e6)

    App._display = timed_display  # type: ignore[method-assign]
    Widget.render_lines = counted_render_lines  # type: ignore[method-assign]

    on_timer_update = Screen._on_timer_update
    causes: Counter[str] = Counter()

    def counted_timer_update(self):  # type: ignore[no-untyped-def]
        if self.is_current:
            if self._layout_required:
                causes["layout"] += 1
            if self._repaint_required:
                causes["repaint"] += 1
            for widget in self._dirty_widgets:
                causes[f"dirty {type(widget).__name__}"] += 1
        return on_timer_update(self)

    Screen._on_timer_update = counted_timer_update  # type: ignore[method-assign]
    from gmo_tui.widgets.direct_lines import DirectLines

    DirectLines.render_lines = counted(DirectLines.render_lines)  # type: ignore[method-assign]
    Screen._compositor_refresh = counted_refresh  # type: ignore[method-assign]

    def dump() -> None:
        path = os.environ.get("GMO_BENCH_COUNTS")
        if path:
            doc = {
                "frames": frames["frames"],
                "calls": calls,
                "lines": lines,
                "frame_ms": frame_ms,
                "spent_us": spent_us,
                "display_us": display_us["us"],
                "causes": causes,
            }
            with open(path, "w") as f:
                json.dump(doc, f)

    atexit.register(dump)


def _stalls() -> None:
    """A sampling thread: every ~1 ms it looks at what the main thread is running. Runs of
    samples where the main thread is not waiting in ``select`` are *busy runs*; every run of
    ``$GMO_BENCH_STALL_MS`` (default 20) ms or longer is recorded with the sampled stacks, and
    all busy samples are tallied by their innermost gmo_tui or textual frame. Written as JSON
    to ``$GMO_BENCH_STALLS`` at exit."""
    import atexit
    import json
    import os
    import sys
    import threading
    import time
    from collections import Counter

    main_id = threading.main_thread().ident
    min_ms = float(os.environ.get("GMO_BENCH_STALL_MS", "20"))
    tally: Counter[str] = Counter()
    runs: list[dict[str, object]] = []
    stop = threading.Event()

    def where(frame) -> tuple[bool, str, tuple[str, ...]]:  # type: ignore[no-untyped-def]
        """(idle?, the innermost frame of ours or of Textual, the stack innermost first)."""
        stack: list[str] = []
        inner = ""
        while frame is not None:
            code = frame.f_code
            name = f"{os.path.basename(code.co_filename)}:{code.co_name}"
            stack.append(name)
            if not inner and ("/gmo_tui/" in code.co_filename or "/textual/" in code.co_filename):
                package = "gmo_tui" if "/gmo_tui/" in code.co_filename else "textual"
                inner = f"{package}/{name}"
            frame = frame.f_back
        idle = bool(stack) and stack[0] in ("selectors.py:select", "threading.py:wait")
        return idle, inner or (stack[0] if stack else "?"), tuple(stack[:40])

    def sample() -> None:
        run_start: float | None = None
        run_stacks: Counter[tuple[str, ...]] = Counter()
        while not stop.wait(0.001):
            frame = sys._current_frames().get(main_id)
            if frame is None:
                continue
            idle, ours, stack = where(frame)
            now = time.perf_counter()
            if idle:
                if run_start is not None and (now - run_start) * 1000 >= min_ms:
                    runs.append(
                        {
                            "ms": round((now - run_start) * 1000, 1),
                            "stacks": [
                                {"n": n, "stack": list(s)} for s, n in run_stacks.most_common(3)
                            ],
                        }
                    )
                run_start = None
                run_stacks.clear()
                continue
            tally[ours] += 1
            if run_start is None:
                run_start = now
            run_stacks[stack] += 1

    sys.setswitchinterval(0.0005)  # so the sampler gets the GIL while the main thread is busy
    threading.Thread(target=sample, name="bench-stalls", daemon=True).start()

    def dump() -> None:
        stop.set()
        path = os.environ.get("GMO_BENCH_STALLS")
        if path:
            with open(path, "w") as f:
                json.dump({"tally": tally.most_common(60), "runs": runs}, f)

    atexit.register(dump)


def _gc_stats() -> None:
    """Record every garbage collection (generation, ms) with ``gc.callbacks``; written as JSON
    to ``$GMO_BENCH_GC`` at exit."""
    import atexit
    import gc
    import json
    import os
    import time

    started: list[float] = [0.0]
    pauses: list[tuple[int, float]] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            ms = (time.perf_counter() - started[0]) * 1000
            pauses.append((info["generation"], ms, time.monotonic(), info["collected"]))

    gc.callbacks.append(callback)

    def dump() -> None:
        path = os.environ.get("GMO_BENCH_GC")
        from collections import Counter

        alive = Counter(type(o).__qualname__ for o in gc.get_objects())
        if path:
            with open(path, "w") as f:
                json.dump(
                    {
                        "pauses": pauses,
                        "threshold": gc.get_threshold(),
                        "frozen": gc.get_freeze_count(),
                        "alive": alive.most_common(25),
                    },
                    f,
                )

    atexit.register(dump)


def _fps(n: int) -> Callable[[], None]:
    def apply() -> None:
        """Textual's frame cap (``TEXTUAL_FPS``, read when textual is first imported)."""
        import os

        os.environ["TEXTUAL_FPS"] = str(n)

    return apply


def _no_screen_diff() -> None:
    """Textual's own output, every dirty line whole (``output_diff = false``)."""
    import os

    os.environ["GMO_TUI_OUTPUT_DIFF"] = "0"


def _no_pacing() -> None:
    """No output pacing (``output_pacing = false``): no cursor requests, no backlog polls."""
    import os

    os.environ["GMO_TUI_OUTPUT_PACING"] = "0"


def _screen_diff_time() -> None:
    """The main thread's CPU time in :meth:`ScreenDiff.frame`, written as JSON at exit to
    ``$GMO_BENCH_COUNTS`` (seconds, frames, characters in and out)."""
    import atexit
    import json
    import os
    import time

    from gmo_tui.widgets.screen_diff import ScreenDiff

    frame = ScreenDiff.frame
    spent = {"seconds": 0.0, "frames": 0, "chars_in": 0, "chars_out": 0}

    def timed(self: ScreenDiff, data: str) -> str:
        t0 = time.thread_time()
        out = frame(self, data)
        spent["seconds"] += time.thread_time() - t0
        spent["frames"] += 1
        spent["chars_in"] += len(data)
        spent["chars_out"] += len(out)
        return out

    ScreenDiff.frame = timed  # type: ignore[method-assign]
    path = os.environ.get("GMO_BENCH_COUNTS")
    if path:
        atexit.register(lambda: open(path, "w").write(json.dumps(spent)))


def _unanswered(frames: int) -> Callable[[], None]:
    """Output pacing holds while more than ``frames`` cursor requests are unanswered."""

    def apply() -> None:
        from gmo_tui.widgets.output_pacing import OutputPacer

        defaults = OutputPacer.__init__.__kwdefaults__
        assert defaults is not None
        defaults["max_unanswered"] = frames

    return apply


def _watchlist_paint(seconds: float) -> Callable[[], None]:
    """The watchlist repaints at most once per ``seconds`` (the default: WATCHLIST_PAINT_S)."""

    def apply() -> None:
        from gmo_tui.widgets import watchlist

        watchlist.WATCHLIST_PAINT_S = seconds

    return apply


VARIANTS: dict[str, Callable[[], None]] = {
    "fps30": _fps(30),
    "fps20": _fps(20),
    "fps10": _fps(10),
    "count-renders": _count_renders,
    "stalls": _stalls,
    "gc-stats": _gc_stats,
    "baseline": lambda: None,
    "unanswered-0": _unanswered(0),
    "watchlist-4hz": _watchlist_paint(0.25),
    "unanswered-2": _unanswered(2),
    "ladder-cells": _ladder_cells,
    "no-screen-diff": _no_screen_diff,
    "no-pacing": _no_pacing,
    "screen-diff-time": _screen_diff_time,
}


def main() -> int:
    names = sys.argv[1].split("+")
    for name in names:
        VARIANTS[name]()
    from gmo_tui.cli import main as cli_main

    return cli_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

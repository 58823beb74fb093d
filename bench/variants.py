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
    (compositor refreshes); written as JSON to ``$GMO_BENCH_COUNTS`` at exit."""
    import atexit
    import json
    import os
    from collections import Counter

    from textual.screen import Screen
    from textual.widget import Widget

    calls: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    frames = Counter()
    render_lines = Widget.render_lines
    refresh = Screen._compositor_refresh

    def counted_render_lines(self, crop):  # type: ignore[no-untyped-def]
        name = type(self).__name__
        calls[name] += 1
        lines[name] += crop.height
        return render_lines(self, crop)

    def counted_refresh(self):  # type: ignore[no-untyped-def]
        frames["frames"] += 1
        return refresh(self)

    Widget.render_lines = counted_render_lines  # type: ignore[method-assign]
    Screen._compositor_refresh = counted_refresh  # type: ignore[method-assign]

    def dump() -> None:
        path = os.environ.get("GMO_BENCH_COUNTS")
        if path:
            doc = {"frames": frames["frames"], "calls": calls, "lines": lines}
            with open(path, "w") as f:
                json.dump(doc, f)

    atexit.register(dump)


def _fps(n: int) -> Callable[[], None]:
    def apply() -> None:
        """Textual's frame cap (``TEXTUAL_FPS``, read when textual is first imported)."""
        import os

        os.environ["TEXTUAL_FPS"] = str(n)

    return apply


def _tape_leading(min_interval: float) -> Callable[[], None]:
    def apply() -> None:
        """The tape paints at once when it has not painted for ``min_interval`` s, else at
        last paint + ``min_interval`` (leading-edge throttle; the app's own is trailing-edge:
        every first trade of a burst waits the whole interval)."""
        import time

        from gmo_tui import app as app_module

        cls = app_module.GmoTuiApp
        paint_tape = cls._paint_tape

        def on_trades_arrived(self, message):  # type: ignore[no-untyped-def]
            if getattr(self, "main", None) is None or message.symbol != self.symbol:
                return
            if message.trades:
                self._chart_trades.extend(message.trades)
                if not self._chart_timer:
                    self._chart_timer = True
                    self.set_timer(app_module.CHART_PAINT_S, self._paint_chart)
            if self._tape_timer:
                return
            wait = getattr(self, "_bench_tape_last", 0.0) + min_interval - time.monotonic()
            if wait <= 0:
                self._bench_tape_last = time.monotonic()
                paint_tape(self)
            else:
                self._tape_timer = True

                def fire() -> None:
                    self._bench_tape_last = time.monotonic()
                    paint_tape(self)

                self.set_timer(wait, fire)

        cls.on_trades_arrived = on_trades_arrived  # type: ignore[method-assign]

    return apply


VARIANTS: dict[str, Callable[[], None]] = {
    "tape-leading-100ms": _tape_leading(0.1),
    "tape-leading-50ms": _tape_leading(0.05),
    "tape-leading-0": _tape_leading(0.0),
    "fps30": _fps(30),
    "fps20": _fps(20),
    "fps10": _fps(10),
    "count-renders": _count_renders,
    "baseline": lambda: None,
    "ladder-cells": _ladder_cells,
}


def main() -> int:
    names = sys.argv[1].split("+")
    for name in names:
        VARIANTS[name]()
    from gmo_tui.cli import main as cli_main

    return cli_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())

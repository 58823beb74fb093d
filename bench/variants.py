"""Run the app with one candidate hot-path change applied at start-up (monkeypatched), so the
benchmarks can measure a change before it is made in the app's own files.

``python -m bench.variants NAME [gmo-tui arguments]``; NAME is one of :data:`VARIANTS`
(``baseline`` applies nothing). :mod:`bench.compare` runs the CPU and latency probes on
several variants side by side.
"""

from __future__ import annotations

import sys
from collections.abc import Callable


def _chart_throttle() -> None:
    """The candle chart repaints on trades at most 4 times a second (not on every trade)."""
    import time

    from gmo_tui.widgets import chart

    original = chart.CandleChart.add_trades

    def add_trades(self, trades):  # type: ignore[no-untyped-def]
        if not self.candles or not chart.apply_trades(self.candles, trades, self.interval):
            return
        now = time.monotonic()
        last = getattr(self, "_bench_last", 0.0)
        if now - last >= 0.25:
            self._bench_last = now
            self._invalidate()
        elif not getattr(self, "_bench_timer", False):
            self._bench_timer = True

            def fire() -> None:
                self._bench_timer = False
                self._bench_last = time.monotonic()
                self._invalidate()

            self.set_timer(0.25 - (now - last), fire)

    chart.CandleChart.add_trades = add_trades  # type: ignore[method-assign]
    chart.CandleChart._bench_original_add_trades = original  # type: ignore[attr-defined]


def _no_chart_trades() -> None:
    """Upper bound: the chart ignores live trades entirely."""
    from gmo_tui.widgets import chart

    chart.CandleChart.add_trades = lambda self, trades: None  # type: ignore[method-assign]


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


VARIANTS: dict[str, Callable[[], None]] = {
    "fps30": _fps(30),
    "fps20": _fps(20),
    "fps10": _fps(10),
    "count-renders": _count_renders,
    "baseline": lambda: None,
    "chart-throttle": _chart_throttle,
    "no-chart-trades": _no_chart_trades,
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

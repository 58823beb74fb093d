"""Garbage-collector settings for a long-running terminal: the start-up heap is frozen.

CPython's full (generation 2) collection walks every tracked object. A Textual app holds a few
hundred thousand of them after start-up (widgets, styles, caches, the symbol rules), so each
full collection stopped the event loop for ~80 ms; at the busy load that happened every ~5 s
and was the whole of the tick-to-screen p99 (``bench.variants`` ``gc-stats``).
:func:`freeze_startup_heap` collects once, then moves everything alive into the permanent
generation (``gc.freeze``): later collections only walk objects made since, and memory is
still freed by reference counting as before.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)


YOUNG_THRESHOLD = 10_000
"""Allocations between two young collections (CPython's default is 700). Rendering makes
~20,000 short-lived tracked objects a second (strips, segments, their caches); at 700 that was
~30 young and ~3 middle collections a second and a full one every ~5 s."""


def freeze_startup_heap() -> tuple[int, float]:
    """Collect, then freeze what is alive; returns (objects frozen, milliseconds spent)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
    frozen = gc.get_freeze_count()
    spent = (time.perf_counter() - started) * 1000
    log.info("heap: %d start-up objects frozen in %.0f ms", frozen, spent)
    return frozen, spent

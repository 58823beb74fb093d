"""The garbage-collector settings of a long run (gmo_tui/heap.py) and the wire models the
collector need not track."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import decode
from gmo_tui.heap import YOUNG_THRESHOLD, freeze_startup_heap


@pytest.fixture
def restore_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_freeze_moves_the_heap_out_of_later_collections(restore_gc) -> None:
    before = len(gc.get_objects())
    frozen, spent_ms = freeze_startup_heap()
    assert frozen == gc.get_freeze_count() > 0
    assert len(gc.get_objects()) < before // 10  # what later collections walk
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert spent_ms >= 0


def test_wire_models_are_not_tracked_by_the_cycle_collector() -> None:
    raw = (
        b'{"symbol":"BTC","asks":[{"price":"101","size":"0.1"}],'
        b'"bids":[{"price":"100","size":"0.2"}],"timestamp":"2026-01-05T00:00:00.000Z"}'
    )
    book = decode(raw, models.OrderBook)
    trade = models.TradeEvent(
        price=Decimal(1), side="BUY", size=Decimal(1), timestamp=datetime.now(UTC), symbol="BTC"
    )
    for value in (book, book.asks[0], trade):
        assert not gc.is_tracked(value), type(value).__name__


def test_the_cli_freezes_the_heap_and_tests_do_not() -> None:
    import inspect

    from gmo_tui import cli
    from gmo_tui.app import GmoTuiApp

    assert GmoTuiApp().freeze_heap is False
    assert "freeze_heap=True" in inspect.getsource(cli.run_app)

"""Reconciliation (issue 10, findings 3 and 4): a fill the private socket never delivers is
found by a TIMER reconcile over REST and goes through the same path as a live fill (ledger,
journal status of the intent, ``listener.on_fill`` exactly once); a later duplicate delivery
changes nothing; the GET budget holds; ``reconcile_due`` / ``has_open_state``."""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, PrivateChannel, Side
from gmo_tui.exchange.errors import ApiError
from gmo_tui.exchange.private_stream import PrivateStream
from gmo_tui.exchange.stream_base import Received, StreamState, StreamStatus
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.listener import FillSource
from gmo_tui.trading.reconcile import ReconcileReason
from gmo_tui.trading.results import Outcome

CHANNELS = [c.value for c in PrivateChannel]


async def _until(predicate, timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


async def test_socket_silent_fill_is_found_by_timer_reconcile_and_reported_once(rig) -> None:
    service, listener = rig.service, rig.listener
    replay: list[object] = []  # every private event of the account, as a socket replay would
    rig.sim.engine.add_listener(
        lambda e: replay.append(e.event) if getattr(e, "account_id", None) == "demo" else None
    )
    stream = PrivateStream(
        rig.rest, rig.sim.endpoint, command_interval=0.05, backoff_base=0.05, max_backoff=0.2
    )
    statuses: list[StreamStatus] = []

    async def pump() -> None:  # what the app's private worker does
        async for item in stream:
            if isinstance(item, Received):
                await service.on_private_event(item.event)
            elif isinstance(item, StreamStatus):
                statuses.append(item)
                await service.on_stream_status(item)

    for channel in CHANNELS:
        await stream.subscribe(channel)
    task = asyncio.create_task(pump())
    try:
        await _until(lambda: any(s.state is StreamState.LIVE for s in statuses))
        await asyncio.sleep(0.3)  # the subscriptions are in
        book = await rig.refresh_book("BTC_JPY")
        placed = await service.submit(
            OrderIntent(
                "BTC_JPY", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 500
            )
        )
        assert placed.outcome is Outcome.ACCEPTED and placed.order_id is not None
        await _until(lambda: service.tracker.get(placed.order_id).state is OrderState.ORDERED)
        assert service.has_open_state()

        await rig.sim.control("silence", {"channels": CHANNELS})
        await rig.sim.control("fill", {"orderId": placed.order_id})
        await asyncio.sleep(0.5)
        assert listener.fills == []  # the socket said nothing
        assert service.tracker.get(placed.order_id).state is OrderState.ORDERED
        assert service.positions.all("BTC_JPY") == []

        now = time.time()
        assert service.reconcile_due(now + service.reconcile_every_s)
        rig.transport.calls.clear()
        report = await service.reconcile(ReconcileReason.TIMER)
        symbols = 1  # BTC_JPY: the order's and the position's symbol
        assert report.requests == sum(rig.transport.calls.values()) <= 2 + 2 * symbols
        assert report.new_fills == 1 and report.orders_changed >= 1
        assert report.positions_changed == 1
        ((fill, source),) = listener.fills
        assert fill.order_id == placed.order_id and source is FillSource.RECONCILE
        assert service.tracker.get(placed.order_id).state is OrderState.EXECUTED
        assert rig.journal.get(placed.intent_id).order_status == "EXECUTED"
        (position,) = service.positions.all("BTC_JPY")
        assert position.size == Decimal("0.01")
        assert not service.reconcile_due(time.time())  # just done

        # the socket comes back and replays everything, twice: nothing is reported again
        await rig.sim.control("silence", {"channels": []})
        for event in replay + replay:
            await service.on_private_event(event)
        assert len(listener.fills) == 1
        assert len(service.fills) == 1 and service.fills.duplicates >= 1
        again = await service.reconcile(ReconcileReason.TIMER)
        assert again.new_fills == 0 and len(listener.fills) == 1
        states = [
            e.data["status"] for e in rig.journal.events(placed.intent_id) if e.event == "state"
        ]
        assert states[-1:] == ["EXECUTED"] and states.count("EXECUTED") == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await stream.close()


async def test_fills_recovered_after_a_reconnect_are_reported_and_journaled(rig) -> None:
    service = rig.service
    book = await rig.refresh_book("BTC")
    placed = await service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    await service.on_stream_status(StreamStatus("private", StreamState.LIVE))
    await service.on_stream_status(StreamStatus("private", StreamState.RECONNECTING))
    assert service.reconcile_due(time.time())  # a gap is flagged at once
    await rig.sim.control("fill", {"orderId": placed.order_id, "size": "0.004"})
    await service.on_stream_status(StreamStatus("private", StreamState.LIVE))
    ((fill, source),) = rig.listener.fills
    assert fill.size == Decimal("0.004") and source is FillSource.RECONCILE
    assert rig.journal.get(placed.intent_id).order_status == "ORDERED"
    await rig.sim.control("fill", {"orderId": placed.order_id})
    await service.on_private_reconnected()
    assert [f.size for f, _ in rig.listener.fills] == [Decimal("0.004"), Decimal("0.006")]
    assert rig.journal.get(placed.intent_id).order_status == "EXECUTED"


async def test_reconcile_due_only_with_open_state_or_a_gap(rig) -> None:
    service = rig.service
    now = time.time()
    assert not service.has_open_state()
    assert not service.reconcile_due(now + 3600)  # nothing working or open: never
    await service.on_stream_status(
        StreamStatus("private", StreamState.STALE, channel="executionEvents")
    )
    assert service.reconcile_due(now)  # a silent channel: at once
    rig.transport.calls.clear()
    report = await service.reconcile(ReconcileReason.SILENCE)
    assert report.requests == sum(rig.transport.calls.values())
    assert not service.reconcile_due(time.time() + 3600)


async def test_a_private_event_makes_no_rest_call(rig) -> None:
    book = await rig.refresh_book("BTC")
    placed = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    events: list[object] = []
    rig.sim.engine.add_listener(
        lambda e: events.append(e.event) if getattr(e, "account_id", None) == "demo" else None
    )
    await rig.sim.control("fill", {"orderId": placed.order_id})
    rig.transport.calls.clear()
    for event in events:
        await rig.service.on_private_event(event)
    assert sum(rig.transport.calls.values()) == 0
    ((fill, source),) = rig.listener.fills
    assert source is FillSource.STREAM and isinstance(fill.execution_id, int)
    assert any(isinstance(e, models.ExecutionEvent) for e in events)


async def test_start_loads_positions_of_symbols_nobody_watches(rig) -> None:
    """Positions opened elsewhere on an unwatched margin symbol are in the model after a
    START reconcile (positionSummary says where to look)."""
    await rig.rest.place_order("ETH_JPY", "BUY", "MARKET", Decimal("0.1"))
    assert rig.service.positions.all("ETH_JPY") == []
    rig.transport.calls.clear()
    report = await rig.service.reconcile(ReconcileReason.START)
    (position,) = rig.service.positions.all("ETH_JPY")
    assert position.size == Decimal("0.1") and report.positions_changed == 1
    assert rig.transport.calls[("GET", "/private/v1/positionSummary")] == 1
    assert rig.service.has_open_state()
    timer = await rig.service.reconcile(ReconcileReason.TIMER)  # ETH_JPY is of interest now
    assert timer.positions_changed == 0
    assert rig.transport.calls[("GET", "/private/v1/activeOrders")] == 1  # by the timer


async def test_a_reconcile_meeting_maintenance_halts_and_is_not_due_while_halted(rig) -> None:
    service = rig.service
    service.watch_symbols = {"BTC"}
    await rig.sim.control("status", {"status": "MAINTENANCE"})
    with pytest.raises(ApiError, match="ERR-5201"):  # the GET failed: said to the caller
        await service.reconcile(ReconcileReason.TIMER)
    assert not service.entry_enabled and "maintenance" in (service.halted_reason or "")
    assert not service.reconcile_due(time.time() + 3600)  # no GET storm during maintenance
    await rig.sim.control("status", {"status": "OPEN"})
    await _until(lambda: service.entry_enabled)  # the reopening reconciled
    assert service.reconcile_due(time.time() + 3600) is service.has_open_state()

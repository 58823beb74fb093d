"""Fills are de-duplicated by executionId across WebSocket and REST; after a private reconnect
the service back-fills orders and fills over REST. Fills made while "disconnected" and
duplicates replayed afterwards leave the fills, orders and positions right."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.stream_base import StreamState, StreamStatus
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.results import Outcome


def _status(state: StreamState) -> StreamStatus:
    return StreamStatus("private", state)


async def test_fills_while_disconnected_are_backfilled_and_replays_change_nothing(rig) -> None:
    events: list[models.ExecutionEvent | models.OrderEvent] = []

    def listener(event: object) -> None:  # what the private WebSocket would carry
        inner = getattr(event, "event", None)
        if getattr(event, "account_id", None) == "demo" and isinstance(
            inner, models.ExecutionEvent | models.OrderEvent
        ):
            events.append(inner)

    rig.sim.engine.add_listener(listener)
    service, tracker, fills = rig.service, rig.service.tracker, rig.service.fills

    def deliver(items) -> None:  # the app's private-stream worker
        for ev in items:
            tracker.apply(ev)
            if isinstance(ev, models.ExecutionEvent):
                fills.add(ev)

    book = await rig.refresh_book("BTC_JPY")
    ids = []
    for size in ("0.01", "0.02", "0.03"):
        result = await service.submit(
            OrderIntent(
                "BTC_JPY", Side.BUY, ExecutionType.LIMIT, Decimal(size), book.best_bid - 200
            )
        )
        assert result.outcome is Outcome.ACCEPTED
        ids.append(result.order_id)
    await service.on_stream_status(_status(StreamState.CONNECTING))
    await service.on_stream_status(_status(StreamState.LIVE))
    await rig.sim.control("fill", {"orderId": ids[0]})
    deliver(list(events))  # live: the first fill arrives over the socket
    assert len(fills) == 1
    live_count = len(events)

    await service.on_stream_status(_status(StreamState.RECONNECTING))
    await rig.sim.control("fill", {"orderId": ids[1], "size": "0.005"})
    await rig.sim.control("fill", {"orderId": ids[2]})
    missed = events[live_count:]
    assert any(isinstance(e, models.ExecutionEvent) for e in missed)
    assert len(fills) == 1  # nothing seen while disconnected
    rig.transport.calls.clear()
    await service.on_stream_status(_status(StreamState.LIVE))  # back: back-fill over REST
    assert rig.transport.calls[("GET", "/private/v1/latestExecutions")] >= 1

    exchange_fills = {
        e.execution_id: e for oid in ids for e in rig.account.executions_by_order.get(oid, [])
    }

    def check() -> None:
        assert {f.execution_id for f in fills.latest()} == set(exchange_fills)
        assert len(fills) == len(exchange_fills)
        assert fills.net_size("BTC_JPY") == Decimal("0.045")
        for oid in ids:
            assert tracker.get(oid).filled == rig.account.orders[oid].executed
        assert tracker.get(ids[0]).state is OrderState.EXECUTED
        assert tracker.get(ids[1]).state is OrderState.ORDERED
        assert tracker.get(ids[1]).filled == Decimal("0.005")
        assert tracker.get(ids[2]).state is OrderState.EXECUTED

    check()
    positions = (await rig.rest.get_open_positions("BTC_JPY")).list
    assert sum(p.size for p in positions) == fills.net_size("BTC_JPY")

    # the socket replays what it missed, duplicated, out of order; REST back-fills again
    deliver(list(reversed(events)) + events)
    await service.on_private_reconnected()
    check()
    assert fills.duplicates > 0


async def test_no_backfill_on_first_connect(rig) -> None:
    rig.transport.calls.clear()
    await rig.service.on_stream_status(_status(StreamState.CONNECTING))
    await rig.service.on_stream_status(_status(StreamState.LIVE))
    assert rig.transport.private() == 0
    await rig.service.on_stream_status(StreamStatus("public", StreamState.RECONNECTING))
    await rig.service.on_stream_status(StreamStatus("public", StreamState.LIVE))
    assert rig.transport.private() == 0


async def test_reconnect_reported_twice_backfills_once(rig) -> None:
    rig.service.watch_symbols = {"BTC"}
    await rig.service.on_stream_status(_status(StreamState.LIVE))
    await rig.service.on_stream_status(_status(StreamState.RECONNECTING))
    rig.transport.calls.clear()
    await rig.service.on_private_reconnected()  # the app's own call ...
    await rig.service.on_stream_status(_status(StreamState.LIVE))  # ... and the status feed
    assert rig.transport.calls[("GET", "/private/v1/latestExecutions")] == 1
    assert rig.transport.calls[("GET", "/private/v1/activeOrders")] == 1


async def test_private_events_update_the_journal(rig) -> None:
    events: list[object] = []
    rig.sim.engine.add_listener(
        lambda e: events.append(e.event) if getattr(e, "account_id", None) == "demo" else None
    )
    book = await rig.refresh_book("BTC")
    placed = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    await rig.sim.control("fill", {"orderId": placed.order_id, "size": "0.004"})
    for event in list(events):
        await rig.service.on_private_event(event)
    entry = rig.journal.get(placed.intent_id)
    assert entry.order_status == "ORDERED"
    assert rig.service.fills.for_order(placed.order_id)[0].size == Decimal("0.004")
    await rig.sim.control("fill", {"orderId": placed.order_id})
    for event in list(events):  # everything again: duplicates change nothing twice
        await rig.service.on_private_event(event)
    assert rig.journal.get(placed.intent_id).order_status == "EXECUTED"
    states = [
        (e.data["status"], Decimal(e.data["filled"]))
        for e in rig.journal.events(placed.intent_id)
        if e.event == "state"
    ]  # the partial fill is journaled too
    assert states == [("ORDERED", 0), ("ORDERED", Decimal("0.004")), ("EXECUTED", Decimal("0.01"))]
    assert sum(f.size for f in rig.service.fills.for_order(placed.order_id)) == Decimal("0.01")

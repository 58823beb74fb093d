"""Brackets driven by the private WebSocket alone (issue 13): a MARKET entry's fill (which may
arrive before the order's REST reply) places the stop, the stop's fill retires the take-profit;
no reconciliation is needed on the way, and one at the end finds nothing to correct."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gmo_tui.exchange.enums import ExecutionType, PrivateChannel, Side
from gmo_tui.exchange.private_stream import PrivateStream
from gmo_tui.exchange.stream_base import Received, StreamState, StreamStatus
from gmo_tui.trading.bracket_model import (
    BracketSpec,
    BracketState,
    ExitOffset,
    OffsetKind,
    TakeProfitState,
)
from gmo_tui.trading.listener import FillSource
from gmo_tui.trading.reconcile import ReconcileReason
from gmo_tui.trading.results import Outcome
from tests.trading.bracket_helpers import (
    STEP,
    assert_model_is_exchange,
    attach,
    exchange_active,
    exchange_positions,
    still,
    trigger_sell_stop,
)

D = Decimal
SYMBOL = "BTC_JPY"


async def _until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)


@pytest.fixture
async def live(rig: Any) -> AsyncIterator[Any]:
    """The rig with its private stream pumped into the service, as the app's worker does."""
    stream = PrivateStream(
        rig.rest, rig.sim.endpoint, command_interval=0.05, backoff_base=0.05, max_backoff=0.2
    )
    statuses: list[StreamStatus] = []

    async def pump() -> None:
        async for item in stream:
            if isinstance(item, Received):
                await rig.service.on_private_event(item.event)
            elif isinstance(item, StreamStatus):
                statuses.append(item)
                await rig.service.on_stream_status(item)

    for channel in PrivateChannel:
        await stream.subscribe(channel.value)
    task = asyncio.create_task(pump())
    try:
        await _until(lambda: any(s.state is StreamState.LIVE for s in statuses))
        await asyncio.sleep(0.3)  # the subscriptions are in
        yield rig
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await stream.close()


async def test_market_entry_and_stop_fill_from_the_stream(live: Any, tmp_path: Path) -> None:
    rig = live
    manager = attach(rig, tmp_path / "brackets.json")
    await still(rig.sim)
    book = await rig.refresh_book(SYMBOL)
    stop = (book.best_bid // STEP - 2) * STEP + STEP // 2  # off the maker's grid
    spec = BracketSpec(
        SYMBOL,
        Side.BUY,
        D("0.01"),
        ExecutionType.MARKET,
        stop_loss=ExitOffset(OffsetKind.PRICE, D(stop)),
        take_profit=ExitOffset(OffsetKind.TICKS, D(50 * STEP)),
    )
    placed = await manager.place(spec)
    assert placed.entry.outcome is Outcome.ACCEPTED and placed.bracket is not None
    bracket = placed.bracket
    await _until(lambda: bool(bracket.lots) and bracket.lots[0].stop_order_id is not None)
    (lot,) = bracket.lots
    assert lot.tp_state is TakeProfitState.ARMED
    assert lot.stop_order_id in exchange_active(rig, SYMBOL)
    assert all(source is FillSource.STREAM for _, source in rig.listener.fills)

    trigger_sell_stop(rig.sim, SYMBOL, D(stop), D("0.01"))
    await _until(lambda: bracket.state is BracketState.DONE)
    assert lot.tp_state is TakeProfitState.DONE and not lot.is_open
    assert all(source is FillSource.STREAM for _, source in rig.listener.fills)
    assert exchange_positions(rig, SYMBOL) == {} and exchange_active(rig, SYMBOL) == {}

    report = await rig.service.reconcile(ReconcileReason.TIMER)
    await manager.wait_idle()
    assert report.new_fills == 0  # the stream had said everything
    assert_model_is_exchange(rig, manager, SYMBOL)

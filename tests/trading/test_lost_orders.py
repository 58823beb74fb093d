"""Finding 2 of issue 10: a lost order is matched by its fields and the order's OWN creation
time, over every page the search needs, and "no order reached the exchange" is never said.

The scenario end to end: the exchange delays every reply by 3 s, a resting BUY LIMIT is sent
from a child process that is killed 0.5 s later (the order is placed, the reply never read),
the order fills 20 s later on the exchange's clock, and a new service on the same journal
must report the order found and EXECUTED.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from decimal import Decimal
from pathlib import Path

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.gates import Gate
from gmo_tui.trading.journal import IntentState
from gmo_tui.trading.listener import FillSource
from gmo_tui.trading.results import NoticeKind, Outcome
from tests.trading.conftest import build_rig

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]


async def _send_and_kill(sim, journal: Path, *, kill_after: str) -> int:
    """Start the child, let it send a resting BUY LIMIT with 3 s reply delay, kill -9 it."""
    env = {
        **os.environ,
        "GMO_TUI_WAIT_GO": "1",
        "GMO_TUI_KILL_AFTER_S": kill_after,
        "GMO_TUI_API_KEY": sim.api_key,
        "GMO_TUI_API_SECRET": sim.api_secret,
        "PYTHONPATH": str(ROOT),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        sim.endpoint,
        str(journal),
        "BUY",
        "0.01",
        "100",
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None
    ready = await asyncio.wait_for(proc.stdout.readline(), 30)
    assert ready.strip() == b"READY", ready
    await sim.control("delay", {"ms": 3000})
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()
    code = await asyncio.wait_for(proc.wait(), 30)
    await sim.control("delay", {"ms": 0})
    return code


async def test_killed_while_the_reply_was_delayed_then_filled_later_is_found_executed(
    sim, tmp_path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    code = await _send_and_kill(sim, journal, kill_after="0.5")
    assert code == -signal.SIGKILL
    account = sim.engine._accounts["demo"]
    (order,) = account.orders.values()  # the order reached the exchange; the reply did not
    assert order.status.value == "ORDERED"
    await sim.control("clock", {"advance": 20})  # a >15 s gap on the exchange's clock
    await sim.control("fill", {"orderId": order.id})
    assert account.orders[order.id].status.value == "EXECUTED"

    rig = await build_rig(sim, journal)
    try:
        (before,) = rig.journal.entries()
        assert before.state is IntentState.SENT
        await rig.service.start()
        (entry,) = rig.journal.entries()
        assert entry.state is IntentState.RESOLVED and entry.order_id == order.id
        assert entry.order_status == "EXECUTED"
        messages = [n.message for n in rig.notices]
        assert not any("no order reached" in m for m in messages), messages
        resolved = [n for n in rig.notices if n.kind is NoticeKind.RESOLVED]
        assert resolved and f"order {order.id} (EXECUTED)" in resolved[-1].message
        tracked = rig.service.tracker.get(order.id)
        assert tracked is not None and tracked.state is OrderState.EXECUTED
        fills = [f for f, _ in rig.listener.fills]
        assert [f.order_id for f in fills] == [order.id]  # the fill reported once
        assert rig.listener.fills[0][1] is FillSource.RECONCILE
        assert len(account.orders) == 1  # nothing re-sent
        assert rig.service.entry_enabled
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()


async def test_lost_order_behind_more_orders_than_one_page_is_found(sim, tmp_path) -> None:
    """The lost order is the oldest of 13 resting orders; pages of 5 rows: it is on page 3."""
    journal = tmp_path / "journal.sqlite3"
    code = await _send_and_kill(sim, journal, kill_after="0.5")
    assert code == -signal.SIGKILL
    account = sim.engine._accounts["demo"]
    (lost,) = account.orders.values()
    rig = await build_rig(sim, journal)
    try:
        book = await rig.refresh_book("BTC")
        for n in range(12):  # placed from another device, after it: newer, listed first
            await rig.rest.place_order(
                "BTC", "SELL", "LIMIT", Decimal("0.01"), price=book.best_ask + 100 + n
            )
        rig.service.resolver.page_size = 5
        rig.service.reconciler.page_size = 5
        rig.transport.calls.clear()
        await rig.service.start()
        entry = rig.journal.entries()[0]
        assert entry.state is IntentState.RESOLVED and entry.order_id == lost.id
        assert rig.transport.calls[("GET", "/private/v1/activeOrders")] >= 3
        assert len(account.orders) == 13
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()


async def test_not_found_is_never_said_to_be_not_placed(rig) -> None:
    """A lost order the exchange placed and then canceled leaves no record we can read: the
    intent stays UNKNOWN, the notice says what was checked, identical orders stay blocked."""
    book = await rig.refresh_book("BTC")
    price = book.best_bid - 100
    await rig.sim.control("lose_next_order", {})
    intent = OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)
    result = await rig.service.submit(intent)
    assert result.outcome is Outcome.UNKNOWN
    (placed,) = rig.exchange_orders()
    rig.sim.engine.cancel_order("demo", placed.id)  # from another device
    await rig.service.wait_resolved(10)
    entry = rig.journal.get(result.intent_id)
    assert entry.state is IntentState.UNKNOWN and entry.order_id is None
    messages = [n.message for n in rig.notices]
    assert not any("no order reached" in m for m in messages)
    assert any("checked activeOrders" in m and "latestExecutions" in m for m in messages)
    again = await rig.service.submit(intent)
    assert again.outcome is Outcome.BLOCKED and "identical" in (again.reason or "")
    assert len(rig.exchange_orders()) == 1
    await rig.service.acknowledge_unknown(result.intent_id)  # the trader settles it: none
    assert rig.journal.get(result.intent_id).state is IntentState.RESOLVED
    await rig.refresh_book("BTC")
    assert (await rig.service.submit(intent)).outcome is Outcome.ACCEPTED
    assert len(rig.exchange_orders()) == 2


async def test_lost_order_filled_before_more_than_a_page_of_other_fills_is_found(
    sim, tmp_path
) -> None:
    """The lost order's fill is older than the newest 100 fills of the symbol: it is on the
    second page of latestExecutions (the exchange's page size, not a test setting)."""
    journal = tmp_path / "journal.sqlite3"
    code = await _send_and_kill(sim, journal, kill_after="0.5")
    assert code == -signal.SIGKILL
    account = sim.engine._accounts["demo"]
    (lost,) = account.orders.values()
    await sim.control("fill", {"orderId": lost.id})
    await sim.control("clock", {"advance": 20})
    for n in range(120):  # other trading on the symbol afterwards (e.g. another device)
        sim.engine.place_order(
            "demo",
            symbol="BTC",
            side="BUY" if n % 2 == 0 else "SELL",
            execution_type="MARKET",
            size=Decimal("0.0001"),
        )
    assert len(account.executions_by_symbol["BTC"]) > 100
    rig = await build_rig(sim, journal)
    try:
        rig.transport.calls.clear()
        await rig.service.start()
        entry = rig.journal.entries()[0]
        assert entry.state is IntentState.RESOLVED and entry.order_id == lost.id
        assert entry.order_status == "EXECUTED"
        assert rig.transport.calls[("GET", "/private/v1/latestExecutions")] >= 2
        assert not any("no order reached" in n.message for n in rig.notices)
        # the lost order's fill reported once, and no other order claimed for it
        assert [f.order_id for f, _ in rig.listener.fills].count(lost.id) == 1
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()


async def test_at_a_restart_an_intent_sent_long_ago_is_looked_up_once(sim, tmp_path) -> None:
    """Whatever a request sent a minute ago did is on the exchange by now: one look, not the
    whole polling schedule (which would hold order entry closed for its length)."""
    rig = await build_rig(sim, tmp_path / "j.sqlite3", resolve_delays=(5.0, 5.0, 5.0))
    try:
        intent_id = rig.journal.record_intent(
            "ORDER", symbol="BTC", side="BUY", execution_type="LIMIT",
            size=Decimal("0.01"), price=Decimal(1_000_000),
        )  # fmt: skip
        rig.journal.mark_sent(intent_id, rig.service.exchange_now_ms() - 60_000)
        await asyncio.wait_for(rig.service.start(), 4)  # not 15 s of polls
        assert rig.service.resolver.polls == 1
        assert rig.journal.get(intent_id).state is IntentState.UNKNOWN  # not found: still
        assert rig.service.gates.reason_of(Gate.RECONCILED) is None
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()

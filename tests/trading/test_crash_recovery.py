"""kill -9 of the app before send, after send and after the reply: a new service on the same
journal reconciles before order entry; the exchange and the journal agree; nothing duplicated.

The app is a real subprocess (``crash_child.py``) talking to the sim started by the test; it
SIGKILLs itself at the chosen stage through the service's ``stage_hook``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.journal import IntentState
from gmo_tui.trading.results import Outcome
from tests.trading.conftest import build_rig

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]


async def _run_child(sim, journal: Path, crash_at: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "GMO_TUI_CRASH_AT": crash_at,
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
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, (out + err).decode()


@pytest.mark.parametrize(
    ("crash_at", "orders_on_exchange", "final_state"),
    [
        ("journaled", 0, IntentState.ABANDONED),  # crash before send
        # "sent" committed, died before the request: the exchange's records cannot prove
        # that nothing went out (a canceled order leaves none), so it stays UNKNOWN
        ("sending", 0, IntentState.UNKNOWN),
        ("sent", 1, IntentState.RESOLVED),  # crash after send, before the reply was recorded
        ("replied", 1, IntentState.ACCEPTED),  # crash after the reply was recorded
    ],
)
async def test_kill_9_then_restart(
    sim, tmp_path, crash_at, orders_on_exchange, final_state
) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    code, output = await _run_child(sim, journal_path, crash_at)
    assert code == -signal.SIGKILL, output
    account = sim.engine._accounts["demo"]
    assert len(account.orders) == orders_on_exchange

    rig = await build_rig(sim, journal_path)
    try:
        (before,) = rig.journal.entries()
        expected_before = {
            "journaled": "PENDING",
            "sending": "SENT",
            "sent": "SENT",
            "replied": "ACCEPTED",
        }
        assert before.state.value == expected_before[crash_at]
        book = await rig.refresh_book("BTC")
        # order entry stays off until start() has reconciled the journal
        blocked = await rig.service.submit(
            OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.02"), book.best_bid - 100)
        )
        assert blocked.outcome is Outcome.BLOCKED
        await rig.service.start()
        assert rig.service.entry_enabled
        (entry,) = rig.journal.entries()
        assert entry.state is final_state
        if final_state is IntentState.UNKNOWN:
            assert [e.id for e in rig.journal.unresolved()] == [entry.id]
            assert not any("no order reached" in n.message for n in rig.notices)
            assert any("checked activeOrders" in n.message for n in rig.notices)
        else:
            assert rig.journal.unresolved() == []
        exchange_ids = [o.id for o in account.orders.values()]
        assert len(exchange_ids) == orders_on_exchange  # nothing re-sent by the restart
        if orders_on_exchange:
            assert entry.order_id == exchange_ids[0]
            assert rig.service.tracker.get(entry.order_id) is not None
        else:
            assert entry.order_id is None
        # the journal never holds the credentials
        for path in tmp_path.iterdir():
            data = path.read_bytes()
            assert sim.api_key.encode() not in data and sim.api_secret.encode() not in data
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()

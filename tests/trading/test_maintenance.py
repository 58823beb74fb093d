"""Maintenance and pre-open halt order entry; nothing reaches the exchange while halted;
entry comes back only after the exchange reopens, the app reconnects and the journal is
reconciled. Two hours of maintenance pass on the sim's clock (``clock {"advance": 7200}``)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.results import Outcome
from tests.trading.conftest import build_rig

#: the sim's clock is advanced by hours here: a CLOCK gate limit that tolerates it
HOURS = 3 * 3600.0


async def _until(predicate, timeout: float = 5.0) -> None:
    async def wait() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), timeout)


def _limit(book, size: str = "0.01") -> OrderIntent:
    return OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal(size), book.best_bid - 100)


async def test_maintenance_error_halts_and_reopen_reenables(sim, tmp_path) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3", clock_skew_limit_s=HOURS)
    try:
        await rig.service.start()
        book = await rig.refresh_book("BTC")
        await sim.control("status", {"status": "MAINTENANCE"})
        first = await rig.service.submit(_limit(book))
        assert first.outcome is Outcome.REJECTED and first.code == "ERR-5201"
        assert not rig.service.entry_enabled
        assert "maintenance" in rig.service.halted_reason
        assert "HALTED" in rig.kinds()
        await sim.control("clock", {"advance": 7200})
        posts = rig.transport.posts()
        for size in ("0.01", "0.02", "0.03"):
            blocked = await rig.service.submit(_limit(book, size))
            assert blocked.outcome is Outcome.BLOCKED and "halted" in blocked.reason
        assert (await rig.service.cancel(1)).outcome is Outcome.BLOCKED
        assert rig.transport.posts() == posts  # not one request reached the exchange
        assert rig.exchange_orders() == []
        await asyncio.sleep(0.2)  # the status poll keeps going while halted
        assert rig.transport.calls[("GET", "/public/v1/status")] >= 2
        assert not rig.service.entry_enabled
        await sim.control("status", {"status": "OPEN"})
        await _until(lambda: rig.service.entry_enabled)
        assert rig.service.halted_reason is None
        assert rig.service.reopened.is_set()
        kinds = rig.kinds()
        assert kinds.index("REOPENED") < len(kinds) - 1 - kinds[::-1].index("ENABLED")
        book = await rig.refresh_book("BTC")
        ok = await rig.service.submit(_limit(book))
        assert ok.outcome is Outcome.ACCEPTED
        assert len(rig.exchange_orders()) == 1
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()


async def test_start_during_maintenance_stays_halted(sim, tmp_path) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3", clock_skew_limit_s=HOURS)  # rules loaded
    await sim.control("status", {"status": "MAINTENANCE"})
    try:
        await rig.service.start()
        assert not rig.service.entry_enabled and "MAINTENANCE" in rig.service.halted_reason
        blocked = await rig.service.submit(
            OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), Decimal(15000000))
        )
        assert blocked.outcome is Outcome.BLOCKED
        assert rig.transport.private() == 0
        await sim.control("clock", {"advance": 7200})
        await sim.control("status", {"status": "PREOPEN"})
        await asyncio.sleep(0.15)
        assert not rig.service.entry_enabled and "PREOPEN" in rig.service.halted_reason
        await sim.control("status", {"status": "OPEN"})
        await _until(lambda: rig.service.entry_enabled)
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()


async def test_preopen_error_halts(rig) -> None:
    book = await rig.refresh_book("BTC")
    await rig.sim.control("status", {"status": "PREOPEN"})
    result = await rig.service.submit(_limit(book))
    assert result.outcome is Outcome.REJECTED and result.code == "ERR-5203"
    assert not rig.service.entry_enabled and "pre-open" in rig.service.halted_reason
    await rig.service.on_exchange_status("OPEN")
    assert rig.service.entry_enabled


async def test_lost_reply_during_maintenance_stays_unknown_until_reopen(sim, tmp_path) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3", resolve_delays=(0.3, 0.1))
    try:
        await rig.service.start()
        book = await rig.refresh_book("BTC")
        await sim.control("lose_next_order", {})
        result = await rig.service.submit(_limit(book))
        assert result.outcome is Outcome.UNKNOWN
        await sim.control("status", {"status": "MAINTENANCE"})
        await rig.service.wait_resolved(5)
        # every look-up failed: never concluded "not found" without having looked
        assert rig.journal.get(result.intent_id).state.value == "UNKNOWN"
        assert not rig.service.entry_enabled  # the failed polls halted order entry
        await sim.control("status", {"status": "OPEN"})
        await _until(lambda: rig.service.entry_enabled)
        (placed,) = rig.exchange_orders()
        entry = rig.journal.get(result.intent_id)
        assert entry.state.value == "RESOLVED" and entry.order_id == placed.id
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        rig.journal.close()

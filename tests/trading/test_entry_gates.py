"""The service's entry gates against the built-in exchange (issue 10, finding 8): AUTH closed
by a rejected key with the exchange's message, CLOCK closed by a server clock beyond the limit
(and the offset not adopted), EXCHANGE_OPEN by maintenance (ERR-5202 too), RECONCILED until
start-up reconciliation; after maintenance entry comes back only when every gate is open."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from itertools import groupby

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.gates import Gate
from gmo_tui.trading.reconcile import ReconcileReason
from gmo_tui.trading.results import NoticeKind, Outcome
from tests.trading.conftest import CountingTransport, build_rig


def _limit(price: Decimal) -> OrderIntent:
    return OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)


async def _close(rig) -> None:
    await rig.service.aclose()
    await rig.rest.aclose()
    rig.journal.close()


async def test_a_rejected_secret_closes_auth_with_the_exchanges_message(sim, tmp_path) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    await rig.rest.aclose()
    transport = CountingTransport()
    rig.rest = GmoRestClient(
        sim.endpoint, Credentials(sim.api_key, "not-the-secret", "test"), transport=transport
    )
    rig.service.rest = rig.service.resolver.rest = rig.rest
    rig.transport = transport
    rig.service.watch_symbols = {"BTC"}  # the app always watches its current symbol
    try:
        await rig.service.start()
        gates = rig.service.gates
        assert not gates.is_open(Gate.AUTH) and not rig.service.entry_enabled
        assert "ERR-5010" in (gates.reason_of(Gate.AUTH) or "")
        assert "AUTH" in rig.kinds()
        assert "not-the-secret" not in repr(gates) + " ".join(n.message for n in rig.notices)
        blocked = await rig.service.submit(_limit(Decimal(10_000_000)))
        assert blocked.outcome is Outcome.BLOCKED and "ERR-5010" in (blocked.reason or "")
        assert (await rig.service.cancel(1)).outcome is Outcome.BLOCKED
        assert transport.posts() == 0
        assert rig.listener.entry and True not in rig.listener.entry  # told, never enabled
    finally:
        await _close(rig)


async def test_a_server_clock_beyond_the_limit_closes_clock_and_is_not_adopted(
    sim, tmp_path
) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    try:
        await sim.control("skew", {"seconds": 400})
        rig.rest.clock.reset()
        await rig.service.start()
        gates = rig.service.gates
        assert not gates.is_open(Gate.CLOCK)
        assert "+400 s" in (gates.reason_of(Gate.CLOCK) or "")
        assert rig.rest.clock.skewed and rig.rest.clock.offset_ms == 0  # not adopted
        assert abs(rig.rest.clock.measured_offset_ms - 400_000) < 5_000
        book = await rig.refresh_book("BTC")
        blocked = await rig.service.submit(_limit(book.best_bid - 100))
        assert blocked.outcome is Outcome.BLOCKED and "clock" in (blocked.reason or "")
        assert rig.transport.posts() == 0 and rig.transport.private() == 0
        await sim.control("skew", {"seconds": 0})  # the clock is fixed: the timer retries
        later = time.time() + rig.service.reconcile_every_s
        assert rig.service.reconcile_due(later)
        await rig.service.reconcile(ReconcileReason.TIMER)
        assert gates.is_open(Gate.CLOCK) and rig.service.entry_enabled
        # within the limit the offset is adopted as before
        await sim.control("skew", {"seconds": 60})
        rig.rest.clock.reset()
        await rig.rest.get_status()
        rig.service.check_clock()
        assert rig.service.entry_enabled and abs(rig.rest.clock.offset_ms - 60_000) < 5_000
    finally:
        await _close(rig)


async def test_reconciled_opens_only_after_start(sim, tmp_path) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    try:
        gates = rig.service.gates
        assert not gates.is_open(Gate.RECONCILED)
        blocked = await rig.service.submit(_limit(Decimal(10_000_000)))
        assert blocked.outcome is Outcome.BLOCKED and "reconcil" in (blocked.reason or "")
        assert (await rig.service.cancel(1)).outcome is Outcome.BLOCKED
        await rig.service.start()
        assert gates.is_open(Gate.RECONCILED) and gates.is_open(Gate.EXCHANGE_OPEN)
        assert rig.listener.entry == [True]
    finally:
        await _close(rig)


async def test_emergency_maintenance_then_entry_back_only_with_every_gate(sim, tmp_path) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    try:
        await rig.service.start()
        book = await rig.refresh_book("BTC")
        await sim.control("status", {"status": "MAINTENANCE", "emergency": True})
        rejected = await rig.service.submit(_limit(book.best_bid - 100))
        assert rejected.code == "ERR-5202"
        assert not rig.service.gates.is_open(Gate.EXCHANGE_OPEN)
        assert "emergency maintenance" in (rig.service.gates.reason or "")
        rig.service.set_gate(Gate.BOOK, False, "book stream down")  # what the app does
        await sim.control("status", {"status": "OPEN"})

        async def reopened() -> None:
            while not rig.service.gates.is_open(Gate.EXCHANGE_OPEN):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(reopened(), 5)
        assert not rig.service.entry_enabled  # the book stream is not live again yet
        assert rig.service.gates.reason == "book stream down"
        rig.service.set_gate(Gate.BOOK, True)
        assert rig.service.entry_enabled
        kinds = rig.kinds()
        assert (
            kinds.index("HALTED")
            < kinds.index("REOPENED")
            < len(kinds) - 1 - kinds[::-1].index(NoticeKind.ENABLED.value)
        )
        assert [enabled for enabled, _ in groupby(rig.listener.entry)] == [True, False, True]
    finally:
        await _close(rig)


async def test_a_clock_jump_during_the_session_closes_clock_at_the_first_refusal(
    sim, tmp_path
) -> None:
    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    try:
        await rig.service.start()
        assert rig.service.entry_enabled
        book = await rig.refresh_book("BTC")
        await sim.control("skew", {"seconds": -400})
        refused = await rig.service.submit(_limit(book.best_bid - 100))
        assert refused.outcome is Outcome.REJECTED and refused.code in ("ERR-5008", "ERR-5009")
        assert not rig.service.gates.is_open(Gate.CLOCK)
        assert rig.rest.clock.skewed and rig.rest.clock.offset_ms == 0
        again = await rig.service.submit(_limit(book.best_bid - 101))
        assert again.outcome is Outcome.BLOCKED and "clock" in (again.reason or "")
        assert rig.exchange_orders() == []
    finally:
        await _close(rig)

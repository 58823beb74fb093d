"""Journal writes never block the event loop (issue 10): on the submit, error and resolution
paths every write runs in a worker thread, still committed before the request goes out; and
the journal's files are private whatever the umask."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.journal import Journal
from tests.trading.conftest import build_rig


class GatedJournal(Journal):
    """A journal whose ``mark_unknown`` / ``mark_sent`` blocks (like a slow fsync) until
    released."""

    def __init__(self, *args, hold: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.hold = hold
        self.entered = threading.Event()
        self.release = threading.Event()
        self.written = threading.Event()

    def _held(self, name: str) -> None:
        if name == self.hold:
            self.entered.set()
            self.release.wait(3)

    def mark_sent(self, intent_id: int, sent_at_ms: int) -> None:
        self._held("mark_sent")
        super().mark_sent(intent_id, sent_at_ms)
        if self.hold == "mark_sent":
            self.written.set()

    def mark_unknown(self, intent_id: int, detail: str | None = None) -> None:
        self._held("mark_unknown")
        super().mark_unknown(intent_id, detail)
        if self.hold == "mark_unknown":
            self.written.set()


async def _ticks_while_held(journal: GatedJournal, submit) -> tuple[int, bool]:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    tick_task = asyncio.create_task(ticker())
    task = asyncio.create_task(submit())
    while not journal.entered.is_set():
        await asyncio.sleep(0.01)
    before = ticks
    await asyncio.sleep(0.3)
    still_held = not journal.written.is_set()
    during = ticks - before
    journal.release.set()
    result = await task
    tick_task.cancel()
    assert result is not None
    return during, still_held


async def _rig_with(sim, tmp_path, hold: str):
    rig = await build_rig(sim, tmp_path / "j.sqlite3")
    rig.journal.close()
    journal = GatedJournal(tmp_path / "j.sqlite3", hold=hold)
    rig.service.journal = journal
    rig.journal = journal
    await rig.service.start()
    return rig, journal


async def test_a_lost_reply_is_journaled_off_the_loop(sim, tmp_path) -> None:
    rig, journal = await _rig_with(sim, tmp_path, "mark_unknown")
    try:
        book = await rig.refresh_book("BTC")
        await sim.control("lose_next_order", {})
        intent = OrderIntent(
            "BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100
        )
        during, still_held = await _ticks_while_held(journal, lambda: rig.service.submit(intent))
        assert still_held  # the write was still blocked ...
        assert during >= 10  # ... while the loop kept ticking
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        journal.close()


async def test_sent_is_committed_before_the_post_and_off_the_loop(sim, tmp_path) -> None:
    rig, journal = await _rig_with(sim, tmp_path, "mark_sent")
    try:
        book = await rig.refresh_book("BTC")
        intent = OrderIntent(
            "BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100
        )
        rig.transport.calls.clear()
        posts: list[int] = []

        async def submit():
            return await rig.service.submit(intent)

        async def watch() -> None:  # no POST while "sent" is not committed
            while not journal.written.is_set():
                posts.append(rig.transport.posts())
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        during, still_held = await _ticks_while_held(journal, submit)
        await watcher
        assert still_held and during >= 10
        assert posts and max(posts) == 0
        assert rig.transport.posts() == 1
        assert rig.journal.entries()[-1].state.value == "ACCEPTED"
    finally:
        await rig.service.aclose()
        await rig.rest.aclose()
        journal.close()


def test_journal_files_are_private_whatever_the_umask(tmp_path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "data" / "gmo-tui" / "journal.sqlite3"
        journal = Journal(path)
        journal.record_intent("ORDER", symbol="BTC", side="BUY")
        files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        for file in files:
            assert file.exists(), file
            assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
        for directory in (path.parent, path.parent.parent):
            assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
        journal.close()
        os.chmod(path, 0o644)  # an existing journal is tightened when opened
        Journal(path).close()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def test_recent_symbols_and_claims(tmp_path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    for symbol in ("BTC", "ETH", "BTC_JPY"):
        journal.record_intent("ORDER", symbol=symbol, side="BUY")
    cancel = journal.record_intent("CANCEL", target_order_id=7)
    journal.mark_accepted(cancel)
    order = journal.record_intent("ORDER", symbol="XRP", side="SELL")
    journal.mark_accepted(order, 42)
    assert journal.recent_symbols(2) == {"XRP"}  # the cancel has no symbol
    assert journal.recent_symbols(200) == {"BTC", "ETH", "BTC_JPY", "XRP"}
    assert journal.claims(42) and not journal.claims(7)
    journal.close()

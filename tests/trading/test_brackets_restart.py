"""Brackets across restarts (issue 13): the bracket file and the trading journal bring a bracket
back after the app stops, between the entry and its exits; exits that reached the exchange are
found, never placed twice."""

from __future__ import annotations

import os
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

from gmo_tui.exchange.enums import ExecutionType, OrderStatus, Side
from gmo_tui.trading.bracket_model import (
    BracketSpec,
    BracketState,
    ExitOffset,
    OffsetKind,
    TakeProfitState,
)
from gmo_tui.trading.bracket_store import BracketStore
from gmo_tui.trading.brackets import BracketManager
from gmo_tui.trading.results import Outcome
from tests.trading.bracket_helpers import (
    STEP,
    assert_model_is_exchange,
    attach,
    exchange_active,
    exchange_positions,
    move_mid,
    settle,
    still,
)
from tests.trading.conftest import Rig, build_rig

D = Decimal
SYMBOL = "BTC_JPY"
CLOSE_ORDER = ("POST", "/private/v1/closeOrder")


class Crash(Exception):
    """The app dies here."""


async def _start(sim: Any, tmp_path: Path, **options: Any) -> tuple[Rig, BracketManager]:
    rig = await build_rig(sim, tmp_path / "journal.sqlite3", **options)
    manager = attach(rig, tmp_path / "brackets.json")
    await rig.service.start()
    await manager.restore()
    return rig, manager


async def _stop(rig: Rig, manager: BracketManager) -> None:
    await manager.aclose()
    await rig.service.aclose()
    await rig.rest.aclose()
    rig.journal.close()


def _spec(price: Decimal) -> BracketSpec:
    return BracketSpec(
        SYMBOL,
        Side.BUY,
        D("0.01"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(2 * STEP)),
        take_profit=ExitOffset(OffsetKind.TICKS, D(10 * STEP)),
    )


def _stops(rig: Rig) -> list[Any]:
    return [o for o in rig.account.orders.values() if o.execution_type is ExecutionType.STOP]


async def test_restart_between_entry_and_exit_restores_and_completes(
    sim: Any, tmp_path: Path
) -> None:
    await still(sim)
    rig, manager = await _start(sim, tmp_path)
    book = await rig.refresh_book(SYMBOL)
    placed = await manager.place(_spec(book.best_bid - 1000))
    assert placed.entry.outcome is Outcome.ACCEPTED and placed.bracket is not None
    entry_id = placed.bracket.entry_order_id
    await _stop(rig, manager)
    path = tmp_path / "brackets.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # private to the user

    # while the app is down the entry fills
    await sim.control("fill", {"orderId": entry_id})

    rig, manager = await _start(sim, tmp_path)
    bracket = manager.get(placed.bracket.id)
    assert bracket is not None and bracket.entry_order_id == entry_id
    (lot,) = bracket.lots
    assert lot.stop_order_id is not None and lot.tp_state is TakeProfitState.ARMED
    assert [o.id for o in _stops(rig)] == [lot.stop_order_id]
    assert_model_is_exchange(rig, manager, SYMBOL)
    await _stop(rig, manager)

    # again: the stop is found, not placed a second time
    rig, manager = await _start(sim, tmp_path)
    bracket = manager.get(placed.bracket.id)
    assert bracket is not None
    (lot,) = bracket.lots
    await settle(rig, manager)
    assert rig.transport.calls[CLOSE_ORDER] == 0
    assert [o.id for o in _stops(rig)] == [lot.stop_order_id]
    assert rig.account.orders[lot.stop_order_id].status is OrderStatus.WAITING

    # and completed after the restart: the take-profit is reached
    assert lot.tp_price is not None
    move_mid(sim, SYMBOL, lot.tp_price + 2 * STEP)
    await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    await settle(rig, manager)
    assert bracket.state is BracketState.DONE
    assert exchange_positions(rig, SYMBOL) == {} and exchange_active(rig, SYMBOL) == {}
    assert_model_is_exchange(rig, manager, SYMBOL)
    await _stop(rig, manager)


async def test_crash_while_sending_the_stop_finds_it_and_never_sends_it_twice(
    sim: Any, tmp_path: Path
) -> None:
    await still(sim)
    crash = {"armed": False}
    holder: list[BracketManager] = []

    def hook(stage: str, intent_id: int) -> None:
        if crash["armed"] and stage == "sent":  # the reply came, the app dies before using it
            holder[0].store.save = lambda brackets: None  # type: ignore[method-assign]
            raise Crash(intent_id)

    rig, manager = await _start(sim, tmp_path, stage_hook=hook)
    holder.append(manager)
    book = await rig.refresh_book(SYMBOL)
    placed = await manager.place(_spec(book.best_bid - 1000))
    assert placed.bracket is not None
    crash["armed"] = True
    await sim.control("fill", {"orderId": placed.bracket.entry_order_id})
    await settle(rig, manager)
    assert len(_stops(rig)) == 1  # the exchange has it ...
    saved = BracketStore(tmp_path / "brackets.json").load()[0]
    assert saved.lots[0].stop_sending is not None  # ... the file only knows it was being sent
    assert saved.lots[0].stop_order_id is None
    await _stop(rig, manager)

    rig, manager = await _start(sim, tmp_path)
    await rig.service.wait_resolved(10)
    await settle(rig, manager)
    bracket = manager.get(placed.bracket.id)
    assert bracket is not None
    (lot,) = bracket.lots
    (stop,) = _stops(rig)
    assert lot.stop_order_id == stop.id and lot.stop_sending is None
    assert rig.transport.calls[CLOSE_ORDER] == 0
    assert_model_is_exchange(rig, manager, SYMBOL)
    await _stop(rig, manager)


def test_bracket_file_and_new_dirs_are_private_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "data" / "gmo-tui" / "brackets.json"
    old = os.umask(0o022)
    try:
        BracketStore(path).save([])
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path.parent.parent).st_mode) == 0o700
    assert BracketStore(path).load() == []


def test_unreadable_bracket_file_is_kept_aside(tmp_path: Path) -> None:
    path = tmp_path / "brackets.json"
    path.write_text("{not json")
    store = BracketStore(path)
    assert store.load() == []
    assert store.problem is not None and "unreadable" in store.problem
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("brackets.json.unreadable-")]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"


async def test_crash_while_sending_the_entry_finds_it_after_the_restart(
    sim: Any, tmp_path: Path
) -> None:
    await still(sim)

    def hook(stage: str, intent_id: int) -> None:
        if stage == "sent":  # the entry's reply came; the app dies before recording it
            raise Crash(intent_id)

    rig, manager = await _start(sim, tmp_path, stage_hook=hook)
    book = await rig.refresh_book(SYMBOL)
    try:
        await manager.place(_spec(book.best_bid - 1000))
    except Crash:
        pass
    else:
        raise AssertionError("the hook did not fire")
    (saved,) = BracketStore(tmp_path / "brackets.json").load()
    assert saved.state is BracketState.NEW and saved.entry_order_id is None
    (entry,) = exchange_active(rig, SYMBOL).values()
    await _stop(rig, manager)

    await sim.control("fill", {"orderId": entry.id})
    rig, manager = await _start(sim, tmp_path)
    await rig.service.wait_resolved(10)
    await settle(rig, manager)
    bracket = manager.get(saved.id)
    assert bracket is not None and bracket.entry_order_id == entry.id
    (lot,) = bracket.lots
    assert lot.stop_order_id in exchange_active(rig, SYMBOL)
    orders = [o for o in rig.account.orders.values() if o.execution_type is ExecutionType.LIMIT]
    assert [o.id for o in orders] == [entry.id]  # the entry was never sent again
    assert_model_is_exchange(rig, manager, SYMBOL)
    await _stop(rig, manager)

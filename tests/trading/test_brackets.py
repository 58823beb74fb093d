"""Brackets against the built-in exchange (issue 13): the entry's fill places the stop at the
exchange and arms the emulated take-profit; one exit retires the other; partial fills get exits
of their size; the trailing stop only moves in the lot's favour; at the end of each test the
exchange's orders and positions equal the service's and the brackets' models."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from gmo_tui.exchange.enums import ExecutionType, OrderStatus, SettleType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.bracket_model import (
    BracketSpec,
    BracketState,
    ExitOffset,
    OffsetKind,
    TakeProfitState,
)
from gmo_tui.trading.brackets import ExitKind, ExitLevel
from gmo_tui.trading.reconcile import ReconcileReason
from gmo_tui.trading.results import Outcome
from tests.trading.bracket_helpers import (
    STEP,
    assert_model_is_exchange,
    attach,
    exchange_active,
    exchange_positions,
    move_mid,
    print_trade,
    settle,
    still,
    trigger_sell_stop,
)
from tests.trading.test_lost_change_and_ambiguity import AcceptThenDrop

D = Decimal
SYMBOL = "BTC_JPY"
CLOSE_ORDER = ("POST", "/private/v1/closeOrder")
CANCEL_ORDER = ("POST", "/private/v1/cancelOrder")
CHANGE_ORDER = ("POST", "/private/v1/changeOrder")


async def _entry_price(rig: Any) -> Decimal:
    book = await rig.refresh_book(SYMBOL)
    return D(book.best_bid) - 1000  # rests below the bid: filled by the test control


def _stop_below(price: Decimal, levels: int = 2) -> Decimal:
    """A stop price off the maker's grid (``stop % STEP == STEP / 2``), ``levels`` below."""
    return (price // STEP - levels) * STEP + STEP // 2


async def _filled_bracket(rig: Any, manager: Any, size: str = "0.01", **exits: Any) -> Any:
    await still(rig.sim)
    price = await _entry_price(rig)
    spec = BracketSpec(
        SYMBOL,
        Side.BUY,
        D(size),
        ExecutionType.LIMIT,
        price,
        stop_loss=exits.get("stop_loss", ExitOffset(OffsetKind.PRICE, _stop_below(price))),
        take_profit=exits.get("take_profit", ExitOffset(OffsetKind.PRICE, price + 30 * STEP)),
        trail=exits.get("trail"),
    )
    placed = await manager.place(spec)
    assert placed.entry.outcome is Outcome.ACCEPTED, placed.entry
    bracket = placed.bracket
    assert bracket.state is BracketState.WORKING and bracket.lots == []
    assert exchange_active(rig, SYMBOL).keys() == {bracket.entry_order_id}
    await rig.sim.control("fill", {"orderId": bracket.entry_order_id})
    await settle(rig, manager)
    return bracket


async def _trailing_bracket(rig: Any, manager: Any) -> Any:
    """A filled bracket whose stop, 2 levels below, trails the bid at that distance."""
    return await _filled_bracket(
        rig,
        manager,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(2 * STEP)),
        take_profit=ExitOffset(OffsetKind.TICKS, D(100 * STEP)),
        trail=D(2 * STEP),
    )


async def _working_bracket(rig: Any, manager: Any, stop_loss: ExitOffset) -> Any:
    """A bracket whose LIMIT BUY entry rests below the bid (the market stilled)."""
    await still(rig.sim)
    price = await _entry_price(rig)
    spec = BracketSpec(SYMBOL, Side.BUY, D("0.01"), ExecutionType.LIMIT, price, stop_loss=stop_loss)
    bracket = (await manager.place(spec)).bracket
    assert bracket is not None and bracket.entry_order_id is not None
    return bracket


async def test_stop_fill_retires_the_take_profit(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _filled_bracket(rig, manager)
    (lot,) = bracket.lots
    assert lot.size == D("0.01") and lot.position_id in exchange_positions(rig, SYMBOL)
    # both exits are in place: the stop at the exchange (a close of the position), the
    # take-profit armed in the app
    stop = exchange_active(rig, SYMBOL)[lot.stop_order_id]
    assert stop.execution_type is ExecutionType.STOP and stop.status is OrderStatus.WAITING
    assert stop.settle_type is SettleType.CLOSE and stop.allocations == [
        [lot.position_id, D("0.01")]
    ]
    assert stop.price == lot.stop_price
    assert lot.tp_state is TakeProfitState.ARMED and lot.tp_price == bracket.spec.price + 30 * STEP
    assert manager.exit_levels(SYMBOL) == [
        ExitLevel(
            bracket.id,
            ExitKind.STOP_LOSS,
            Side.SELL,
            lot.stop_price,
            D("0.01"),
            placed=True,
            emulated=False,
            order_id=lot.stop_order_id,
        ),
        ExitLevel(
            bracket.id, ExitKind.TAKE_PROFIT, Side.SELL, lot.tp_price, D("0.01"), False, True
        ),
    ]
    assert manager.by_order(lot.stop_order_id) is bracket
    assert_model_is_exchange(rig, manager, SYMBOL)

    trigger_sell_stop(rig.sim, SYMBOL, lot.stop_price, D("0.01"))
    assert rig.account.orders[lot.stop_order_id].status is OrderStatus.EXECUTED
    await settle(rig, manager)

    assert not lot.is_open and lot.tp_state is TakeProfitState.DONE
    assert bracket.state is BracketState.DONE and manager.exit_levels(SYMBOL) == []
    assert exchange_positions(rig, SYMBOL) == {} and exchange_active(rig, SYMBOL) == {}
    assert rig.transport.calls[CLOSE_ORDER] == 1  # only the stop was ever sent
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_take_profit_cancels_the_stop_then_closes(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _filled_bracket(rig, manager)
    (lot,) = bracket.lots
    stop_id = lot.stop_order_id
    assert stop_id is not None

    # the touch below the take-profit: nothing happens
    move_mid(rig.sim, SYMBOL, lot.tp_price - 3 * STEP)
    await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CANCEL_ORDER] == 0 and lot.tp_state is TakeProfitState.ARMED

    # the bid reaches it, but the book the app holds is a minute old: no decision on it
    move_mid(rig.sim, SYMBOL, lot.tp_price + 2 * STEP)
    snapshot = await rig.rest.get_orderbook(SYMBOL)
    rig.service.books.apply(snapshot, time.time() - 60)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CANCEL_ORDER] == 0 and lot.tp_state is TakeProfitState.ARMED

    # a fresh book at the target: the stop is cancelled, then one MARKET close of the position
    await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CANCEL_ORDER] == 1
    assert rig.account.orders[stop_id].status is OrderStatus.CANCELED
    assert lot.tp_state is TakeProfitState.SENT and lot.tp_order_id is not None
    exit_order = rig.account.orders[lot.tp_order_id]
    assert exit_order.execution_type is ExecutionType.MARKET
    assert exit_order.settle_type is SettleType.CLOSE and exit_order.size == D("0.01")
    await settle(rig, manager)

    assert not lot.is_open and bracket.state is BracketState.DONE
    assert exchange_positions(rig, SYMBOL) == {} and exchange_active(rig, SYMBOL) == {}
    assert rig.transport.calls[CLOSE_ORDER] == 2  # the stop, then the take-profit's exit
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_partial_entry_fills_get_exits_of_their_size(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    await still(rig.sim)
    price = await _entry_price(rig)
    spec = BracketSpec(
        SYMBOL,
        Side.BUY,
        D("0.05"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(5000)),
        take_profit=ExitOffset(OffsetKind.PERCENT, D("1")),
    )
    bracket = (await manager.place(spec)).bracket
    assert bracket is not None and bracket.entry_order_id is not None

    await rig.sim.control("fill", {"orderId": bracket.entry_order_id, "size": "0.02"})
    await settle(rig, manager)
    (first,) = bracket.lots
    assert first.size == D("0.02")
    assert first.stop_price == price - 5000 and first.tp_price == price + price / 100
    stop = exchange_active(rig, SYMBOL)[first.stop_order_id]
    assert stop.size == D("0.02") and stop.allocations == [[first.position_id, D("0.02")]]
    assert bracket.entry_order_id in exchange_active(rig, SYMBOL)  # the rest still works
    assert_model_is_exchange(rig, manager, SYMBOL)

    await rig.sim.control("fill", {"orderId": bracket.entry_order_id})
    await settle(rig, manager)
    assert [lot.size for lot in bracket.lots] == [D("0.02"), D("0.03")]
    stops = {
        o.allocations[0][0]: o.size
        for o in exchange_active(rig, SYMBOL).values()
        if o.execution_type is ExecutionType.STOP
    }
    assert stops == {lot.position_id: lot.size for lot in bracket.lots}
    assert stops == exchange_positions(rig, SYMBOL)  # every position protected, exactly
    assert_model_is_exchange(rig, manager, SYMBOL)

    # cancelled as one unit: both stops go, the positions stay (and the bracket says so)
    await manager.cancel(bracket.id)
    await settle(rig, manager)
    assert bracket.state is BracketState.CANCELLED and "0.05 BTC_JPY stays open" in bracket.note
    assert rig.transport.calls[CANCEL_ORDER] == 2  # each stop once (the entry had filled)
    assert exchange_active(rig, SYMBOL) == {}
    assert sum(exchange_positions(rig, SYMBOL).values()) == D("0.05")
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_trailing_stop_follows_a_favourable_move_only(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _trailing_bracket(rig, manager)
    (lot,) = bracket.lots
    first = lot.stop_price
    assert first == bracket.spec.price - 2 * STEP
    stop = rig.account.orders[lot.stop_order_id]

    # favourable: the market rises (a trade up there too); the stop follows at the distance,
    # but only on a fresh book (one received a minute ago decides nothing)
    move_mid(rig.sim, SYMBOL, bracket.spec.price + 10 * STEP)
    print_trade(rig.sim, SYMBOL, Side.BUY, D("0.01"))
    rig.service.books.apply(await rig.rest.get_orderbook(SYMBOL), time.time() - 60)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CHANGE_ORDER] == 0 and lot.stop_price == first
    book = await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CHANGE_ORDER] == 1
    assert lot.stop_price == book.best_bid - 2 * STEP > first
    assert stop.price == lot.stop_price and stop.status is OrderStatus.WAITING
    raised = lot.stop_price

    # adverse: the market falls back (still above the stop); the stop stays where it is
    move_mid(rig.sim, SYMBOL, raised + 3 * STEP)
    print_trade(rig.sim, SYMBOL, Side.SELL, D("0.01"))
    await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CHANGE_ORDER] == 1
    assert lot.stop_price == raised and stop.price == raised
    await settle(rig, manager)
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_trailing_stop_catches_up_when_a_change_in_flight_ends(
    rig: Any, tmp_path: Path
) -> None:
    """A book update that arrives while the stop's change is in flight (MODIFYING) is not lost:
    when the change ends (an ORDERS update), trailing looks again at the latest touch, without
    waiting for the next book tick."""
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _trailing_bracket(rig, manager)
    (lot,) = bracket.lots
    first = lot.stop_price
    move_mid(rig.sim, SYMBOL, bracket.spec.price + 10 * STEP)
    print_trade(rig.sim, SYMBOL, Side.BUY, D("0.01"))
    await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CHANGE_ORDER] == 1 and lot.stop_price > first
    raised = lot.stop_price
    # the exchange has not said yet that the change is done: the app shows it MODIFYING
    assert rig.service.tracker.get(lot.stop_order_id).state is OrderState.MODIFYING

    # the market rises further while the change is in flight: that update is skipped
    move_mid(rig.sim, SYMBOL, bracket.spec.price + 20 * STEP)
    print_trade(rig.sim, SYMBOL, Side.BUY, D("0.01"))
    book = await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    assert rig.transport.calls[CHANGE_ORDER] == 1 and lot.stop_price == raised

    # the change ends (the reconcile reads the order back: WAITING); no new book tick
    await settle(rig, manager)
    assert rig.transport.calls[CHANGE_ORDER] == 2
    assert lot.stop_price == book.best_bid - 2 * STEP > raised
    assert rig.account.orders[lot.stop_order_id].price == lot.stop_price
    await settle(rig, manager)
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_a_trailing_change_whose_reply_is_lost_is_read_back_not_taken_as_refused(
    rig: Any, tmp_path: Path
) -> None:
    """The exchange applies the stop's change but its reply is lost (UNKNOWN): the change is
    never re-sent, and once the order is read back the lot's stop is the exchange's price."""
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _trailing_bracket(rig, manager)
    (lot,) = bracket.lots
    first = lot.stop_price
    losing = AcceptThenDrop(rig.rest)
    rig.service.rest = losing
    rig.service.resolver.rest = losing
    move_mid(rig.sim, SYMBOL, bracket.spec.price + 10 * STEP)
    print_trade(rig.sim, SYMBOL, Side.BUY, D("0.01"))
    book = await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    await rig.service.wait_resolved(10)
    await settle(rig, manager)
    assert losing.change_calls == 1  # never re-sent
    stop = rig.account.orders[lot.stop_order_id]
    assert stop.price == book.best_bid - 2 * STEP > first  # the exchange applied it
    assert lot.stop_price == stop.price
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_an_entry_whose_end_is_known_before_its_fill_waits_for_the_fill(
    rig: Any, tmp_path: Path
) -> None:
    """The entry's end (EXECUTED, 0.01 filled) can reach the app before its fill (an orderEvent
    before the executionEvent): the bracket is not said to have ended without a fill; the fill
    makes the lot and its stop."""
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _working_bracket(rig, manager, ExitOffset(OffsetKind.TICKS, D(2 * STEP)))
    await rig.sim.control("fill", {"orderId": bracket.entry_order_id})
    await rig.service.apply_orders(await rig.rest.get_orders([bracket.entry_order_id]))
    await manager.wait_idle()
    entry = rig.service.tracker.get(bracket.entry_order_id)
    assert entry.state is OrderState.EXECUTED and entry.filled == D("0.01")
    assert bracket.state is BracketState.WORKING and bracket.lots == []
    assert "without a fill" not in (bracket.note or "")

    await settle(rig, manager)  # the fill is read (the reconcile's executions)
    (lot,) = bracket.lots
    assert lot.size == D("0.01") and lot.stop_order_id in exchange_active(rig, SYMBOL)
    assert bracket.state is BracketState.WORKING
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_cancel_a_working_bracket_as_one_unit(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _working_bracket(rig, manager, ExitOffset(OffsetKind.TICKS, D(STEP)))
    await manager.cancel(bracket.id)
    await settle(rig, manager)
    assert rig.transport.calls[CANCEL_ORDER] == 1  # the entry's cancel is sent once
    assert rig.account.orders[bracket.entry_order_id].status is OrderStatus.CANCELED
    assert bracket.state is BracketState.CANCELLED and bracket.lots == []
    assert "stays open" not in bracket.note
    assert exchange_active(rig, SYMBOL) == {} and exchange_positions(rig, SYMBOL) == {}
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_spot_bracket_stop_at_the_exchange_take_profit_emulated(
    rig: Any, tmp_path: Path
) -> None:
    spot = "BTC"
    manager = attach(rig, tmp_path / "brackets.json")
    await still(rig.sim)
    book = await rig.refresh_book(spot)
    price = D(book.best_bid) - 1000
    spec = BracketSpec(
        spot,
        Side.BUY,
        D("0.001"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(2 * STEP)),
        take_profit=ExitOffset(OffsetKind.TICKS, D(5 * STEP)),
    )
    bracket = (await manager.place(spec)).bracket
    assert bracket is not None
    coin_before = rig.account.amount("BTC")
    await rig.sim.control("fill", {"orderId": bracket.entry_order_id})
    await settle(rig, manager)
    (lot,) = bracket.lots
    assert lot.position_id is None and lot.tp_state is TakeProfitState.ARMED
    stop = rig.account.orders[lot.stop_order_id]
    assert (stop.side, stop.execution_type, stop.size) == (
        Side.SELL,
        ExecutionType.STOP,
        D("0.001"),
    )
    assert stop.status is OrderStatus.WAITING
    assert rig.transport.calls[("POST", "/private/v1/order")] == 2  # the entry, the stop

    move_mid(rig.sim, spot, lot.tp_price + 2 * STEP)
    await rig.refresh_book(spot)
    manager.on_book(spot)
    await manager.wait_idle()
    # the stop held the coin: it was cancelled first, then the MARKET sell went
    assert stop.status is OrderStatus.CANCELED
    exit_order = rig.account.orders[lot.tp_order_id]
    assert (exit_order.side, exit_order.execution_type) == (Side.SELL, ExecutionType.MARKET)
    assert exit_order.status is OrderStatus.EXECUTED
    await settle(rig, manager)
    assert bracket.state is BracketState.DONE and not lot.is_open
    assert rig.account.amount("BTC") == coin_before  # bought 0.001, sold 0.001
    assert exchange_active(rig, spot) == {}
    assert_model_is_exchange(rig, manager, spot)


async def test_lost_replies_of_the_entry_and_the_stop_are_resolved_never_resent(
    rig: Any, tmp_path: Path
) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    await still(rig.sim)
    price = await _entry_price(rig)
    spec = BracketSpec(
        SYMBOL,
        Side.BUY,
        D("0.01"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(STEP)),
    )
    await rig.sim.control("lose_next_order", {})
    placed = await manager.place(spec)
    bracket = placed.bracket
    assert placed.entry.outcome is Outcome.UNKNOWN and bracket is not None
    assert bracket.state is BracketState.WORKING and bracket.entry_order_id is None
    (entry,) = exchange_active(rig, SYMBOL).values()  # it did reach the exchange
    await rig.service.wait_resolved(10)
    await settle(rig, manager)
    assert bracket.entry_order_id == entry.id  # found through the journal, not re-sent

    await rig.sim.control("lose_next_order", {})  # the stop's reply is lost too
    await rig.sim.control("fill", {"orderId": entry.id})
    await settle(rig, manager)
    (lot,) = bracket.lots
    assert lot.stop_order_id is None and lot.stop_intent_id is not None
    await rig.service.wait_resolved(10)
    await settle(rig, manager)
    stops = [
        o for o in exchange_active(rig, SYMBOL).values() if o.execution_type is ExecutionType.STOP
    ]
    assert [o.id for o in stops] == [lot.stop_order_id]
    assert (
        rig.transport.calls[CLOSE_ORDER] == 1
        and rig.transport.calls[("POST", "/private/v1/order")] == 1
    )
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_trailing_stop_is_replaced_after_the_exchanges_change_limit(
    rig: Any, tmp_path: Path
) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _filled_bracket(
        rig,
        manager,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(2 * STEP)),
        take_profit=ExitOffset(OffsetKind.TICKS, D(200 * STEP)),
        trail=D(2 * STEP),
    )
    (lot,) = bracket.lots
    first_stop = lot.stop_order_id
    assert first_stop is not None
    mid = bracket.spec.price
    for _ in range(21):  # 20 changes are allowed per order; the 21st is ERR-5206
        mid += STEP
        move_mid(rig.sim, SYMBOL, mid)
        print_trade(rig.sim, SYMBOL, Side.BUY, D("0.01"))
        book = await rig.refresh_book(SYMBOL)
        manager.on_book(SYMBOL)
        await manager.wait_idle()
        await settle(rig, manager)
        assert lot.stop_price == book.best_bid - 2 * STEP
    assert rig.transport.calls[CHANGE_ORDER] == 21
    assert rig.transport.codes["ERR-5206"] == 1
    assert rig.account.orders[first_stop].status is OrderStatus.CANCELED
    assert lot.stop_order_id != first_stop and first_stop in lot.retired_stops
    (stop,) = [
        o for o in exchange_active(rig, SYMBOL).values() if o.execution_type is ExecutionType.STOP
    ]
    assert stop.id == lot.stop_order_id and stop.price == lot.stop_price
    assert rig.transport.calls[CLOSE_ORDER] == 2  # the first stop and its replacement
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_short_bracket_take_profit_on_the_ask(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    await still(rig.sim)
    book = await rig.refresh_book(SYMBOL)
    price = D(book.best_ask) + 1000  # a SELL resting above the ask
    spec = BracketSpec(
        SYMBOL,
        Side.SELL,
        D("0.02"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(2 * STEP)),
        take_profit=ExitOffset(OffsetKind.TICKS, D(4 * STEP)),
    )
    bracket = (await manager.place(spec)).bracket
    assert bracket is not None
    await rig.sim.control("fill", {"orderId": bracket.entry_order_id})
    await settle(rig, manager)
    (lot,) = bracket.lots
    assert (lot.stop_price, lot.tp_price) == (price + 2 * STEP, price - 4 * STEP)
    stop = rig.account.orders[lot.stop_order_id]
    assert (stop.side, stop.execution_type, stop.price) == (
        Side.BUY,
        ExecutionType.STOP,
        lot.stop_price,
    )

    move_mid(rig.sim, SYMBOL, lot.tp_price - 2 * STEP)  # the ask falls through the target
    await rig.refresh_book(SYMBOL)
    manager.on_book(SYMBOL)
    await manager.wait_idle()
    exit_order = rig.account.orders[lot.tp_order_id]
    assert (exit_order.side, exit_order.execution_type) == (Side.BUY, ExecutionType.MARKET)
    await settle(rig, manager)
    assert bracket.state is BracketState.DONE and stop.status is OrderStatus.CANCELED
    assert exchange_positions(rig, SYMBOL) == {} and exchange_active(rig, SYMBOL) == {}
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_check_refuses_exits_on_the_wrong_side_without_a_request(
    rig: Any, tmp_path: Path
) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    price = await _entry_price(rig)
    rig.transport.calls.clear()
    wrong_stop = BracketSpec(
        SYMBOL,
        Side.BUY,
        D("0.01"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.PRICE, price + 1),
    )
    result = await manager.place(wrong_stop)
    assert result.bracket is None and result.entry.outcome is Outcome.REFUSED
    assert "stop-loss must be below" in (result.entry.reason or "")
    wrong_target = BracketSpec(
        SYMBOL,
        Side.SELL,
        D("0.01"),
        ExecutionType.LIMIT,
        price,
        take_profit=ExitOffset(OffsetKind.PRICE, price + 1),
    )
    refused = manager.check(wrong_target)
    assert refused is not None and "take-profit must be below" in (refused.reason or "")
    assert sum(rig.transport.calls.values()) == 0 and manager.brackets() == []
    assert not (tmp_path / "brackets.json").exists()  # nothing to remember


async def test_why_one_exit_rests_a_position_takes_one_close_of_its_size(rig: Any) -> None:
    """The design's premise, on the exchange: a second close order for the same position's
    size is ERR-189, so a take-profit LIMIT and a stop STOP cannot both rest for it."""
    await still(rig.sim)
    price = await _entry_price(rig)
    entry = await rig.service.submit(
        OrderIntent(SYMBOL, Side.BUY, ExecutionType.LIMIT, D("0.01"), price)
    )
    await rig.sim.control("fill", {"orderId": entry.order_id})
    (position_id,) = exchange_positions(rig, SYMBOL)
    await rig.service.reconcile(ReconcileReason.TIMER)

    def close(kind: ExecutionType, at: Decimal) -> OrderIntent:
        return OrderIntent(
            SYMBOL, Side.SELL, kind, D("0.01"), at, settle="close", position_id=position_id
        )

    take = await rig.service.submit(close(ExecutionType.LIMIT, price + 10 * STEP), confirmed=True)
    assert take.outcome is Outcome.ACCEPTED
    stop = await rig.service.submit(close(ExecutionType.STOP, price - 2 * STEP), confirmed=True)
    assert stop.outcome is Outcome.REJECTED and stop.code == "ERR-189"


async def test_stop_hit_but_not_filled_in_full_leaves_at_market(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _filled_bracket(rig, manager, size="0.02")
    (lot,) = bracket.lots
    stop_id = lot.stop_order_id
    # the stop (a stop-limit, FAK) triggers and finds 0.01 at its price: 0.01 expires
    trigger_sell_stop(rig.sim, SYMBOL, lot.stop_price, D("0.01"), left=D("0.01"))
    stop = rig.account.orders[stop_id]
    assert stop.status is OrderStatus.EXPIRED and stop.executed == D("0.01")
    await settle(rig, manager)
    assert lot.tp_order_id is not None
    exit_order = rig.account.orders[lot.tp_order_id]
    assert exit_order.execution_type is ExecutionType.MARKET and exit_order.size == D("0.01")
    assert rig.transport.calls[CLOSE_ORDER] == 2  # the stop, then the rest at market
    await settle(rig, manager)
    assert not lot.is_open and bracket.state is BracketState.DONE
    assert exchange_positions(rig, SYMBOL) == {} and exchange_active(rig, SYMBOL) == {}
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_stop_cancelled_outside_the_app_is_reported_not_fought(
    rig: Any, tmp_path: Path
) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    bracket = await _filled_bracket(rig, manager)
    (lot,) = bracket.lots
    rig.sim.engine.cancel_order("demo", lot.stop_order_id)  # from the web site
    await settle(rig, manager)
    assert lot.stop_order_id is None and "cancelled outside the app" in (lot.stop_error or "")
    assert "unprotected" in bracket.note
    assert rig.transport.calls[CLOSE_ORDER] == 1  # not placed again
    assert lot.tp_state is TakeProfitState.ARMED  # the take-profit still watches
    assert_model_is_exchange(rig, manager, SYMBOL)


async def test_kill_switch_holds_the_stop_until_released(rig: Any, tmp_path: Path) -> None:
    manager = attach(rig, tmp_path / "brackets.json")
    await still(rig.sim)
    price = await _entry_price(rig)
    spec = BracketSpec(
        SYMBOL,
        Side.BUY,
        D("0.01"),
        ExecutionType.LIMIT,
        price,
        stop_loss=ExitOffset(OffsetKind.TICKS, D(STEP)),
    )
    bracket = (await manager.place(spec)).bracket
    assert bracket is not None
    rig.service.set_kill_switch(True)
    await rig.sim.control("fill", {"orderId": bracket.entry_order_id})
    await settle(rig, manager)
    (lot,) = bracket.lots
    assert lot.stop_order_id is None and lot.stop_error is None
    assert "waiting" in bracket.note and "unprotected" in bracket.note
    assert rig.transport.calls[CLOSE_ORDER] == 0  # refused before any request
    assert manager.exit_levels(SYMBOL)[0].placed is False  # never said to be placed

    rig.service.set_kill_switch(False)  # entry enabled again: the stop goes
    await manager.wait_idle()
    assert lot.stop_order_id in exchange_active(rig, SYMBOL)
    assert manager.exit_levels(SYMBOL)[0].placed is True
    assert rig.transport.calls[CLOSE_ORDER] == 1
    await settle(rig, manager)
    assert_model_is_exchange(rig, manager, SYMBOL)

"""Brackets from the ticket against the built-in exchange (issue 13): the entry's fills get a
stop at the exchange and an emulated take-profit sized to each fill; the stop filling retires
the take-profit; a restart restores the bracket; the exchange's orders and positions equal the
app's at the end; a trailing stop set in the ticket follows a favourable walk of the market at
the exchange and stays on an adverse one. Risk sizing: the JPY at risk and the stop give the size."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.orders import OrderState
from gmo_tui.trading.bracket_model import BracketState, TakeProfitState
from gmo_tui.trading.brackets import ExitKind
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.orders_table import OrdersTable
from tests.app.conftest import focus_to, orders_listed, replace_input, wait_for, wait_ready
from tests.app.test_position_flows import confirm_until
from tests.trading.bracket_helpers import STEP, move_mid, print_trade, still, trigger_sell_stop

D = Decimal
SYMBOL = "BTC_JPY"


async def fill_in(pilot, app, values: dict[str, str]) -> None:
    for widget_id, text in values.items():
        app.main.query_one(f"#{widget_id}").focus()
        await wait_for(pilot, lambda w=widget_id: app.focused.id == w, f"#{widget_id}")
        await replace_input(pilot, text)


async def app_equals_exchange(app, rest) -> bool:
    active = {o.order_id for o in (await rest.get_active_orders(SYMBOL)).list}
    positions = {p.position_id: p.size for p in (await rest.get_open_positions(SYMBOL)).list}
    service = app.session.service
    tracked = {o.order_id for o in service.tracker.active(SYMBOL, include_in_flight=False)}
    model = {p.position_id: p.size for p in service.positions.all(SYMBOL)}
    return active == tracked and positions == model


async def test_bracket_partial_fills_stop_fills_take_profit_retired_restored_after_restart(
    sim: Any, make_app, rest
):
    await still(sim)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        book = app.session.books[SYMBOL]
        entry = book.best_bid - 1000  # rests below the bid: filled by the test control
        stop = (entry // STEP - 2) * STEP + STEP // 2  # off the maker's grid, 2 levels below
        target = entry + 30 * STEP
        await focus_to(pilot, app, "b", "ticket-size")
        await fill_in(
            pilot,
            app,
            {
                "ticket-price": format(entry, "f"),
                "ticket-size": "0.02",
                "ticket-tp": format(target, "f"),
                "ticket-sl": format(stop, "f"),
            },
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ConfirmScreen", "confirm")
        assert any(label == "Stop-loss" for label, _ in app.screen.lines)
        brackets = app.session.brackets
        await confirm_until(pilot, app, lambda: brackets.open_brackets(SYMBOL), "bracket")
        (bracket,) = brackets.open_brackets(SYMBOL)
        await wait_for(pilot, lambda: bracket.entry_order_id is not None, "entry placed")
        assert bracket.spec.size == D("0.02") and bracket.spec.price == entry

        # a partial fill of the entry: exits for what filled
        await sim.control("fill", {"orderId": bracket.entry_order_id, "size": "0.01"})

        def stops() -> list:
            return [
                e for e in brackets.exit_levels(SYMBOL) if e.kind is ExitKind.STOP_LOSS and e.placed
            ]

        await wait_for(pilot, lambda: len(stops()) == 1, "the first lot's stop", timeout=15)
        (first,) = stops()
        assert (first.side, first.price, first.size) == (Side.SELL, stop, D("0.01"))
        exchange = {o.order_id: o for o in (await rest.get_active_orders(SYMBOL)).list}
        assert exchange[first.order_id].execution_type is ExecutionType.STOP
        assert exchange[first.order_id].size == D("0.01")
        levels = brackets.exit_levels(SYMBOL)
        assert any(e.kind is ExitKind.TAKE_PROFIT and e.emulated for e in levels)
        # shown on the ladder: the stop placed, the take-profit emulated
        ladder = app.main.query_one(OrderBookLadder)
        await wait_for(pilot, lambda: "SL" in ladder._marks.get(stop, ""), "SL on the ladder")
        assert "TP~" in ladder._marks.get(target, "")
        # and in the Orders pane: the stop tagged with its bracket, the take-profit emulated
        table = app.main.query_one(OrdersTable)
        await wait_for(
            pilot,
            lambda: {f"bracket-{bracket.id}-{target}", str(first.order_id)} <= set(table.keys()),
            "the stop's and the TP's rows",
        )
        assert table.get_cell(str(first.order_id), "type") == f"STOP SL B{bracket.id}"
        assert table.get_cell(f"bracket-{bracket.id}-{target}", "status") == "EMULATED"

        # the rest fills: a second lot with its own stop
        await sim.control("fill", {"orderId": bracket.entry_order_id})
        await wait_for(pilot, lambda: len(stops()) == 2, "the second lot's stop", timeout=15)
        assert sum(e.size for e in stops()) == D("0.02")
        for _ in range(200):  # the private stream brings the exchange's state over
            if await app_equals_exchange(app, rest):
                break
            await pilot.pause(0.05)
        assert await app_equals_exchange(app, rest)

    # a restart between the entry's fill and the exit's: the bracket is restored
    app2 = make_app(sim)
    async with app2.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app2)
        brackets = app2.session.brackets
        await wait_for(pilot, lambda: brackets.open_brackets(SYMBOL), "bracket restored")
        (bracket,) = brackets.open_brackets(SYMBOL)
        assert len(bracket.lots) == 2
        # the stops trigger and fill: the take-profits retire, nothing is left
        trigger_sell_stop(sim, SYMBOL, stop, D("0.02"))
        await wait_for(
            pilot, lambda: bracket.state is BracketState.DONE, "bracket done", timeout=20
        )
        assert all(lot.tp_state is TakeProfitState.DONE for lot in bracket.lots)
        assert not (await rest.get_open_positions(SYMBOL)).list
        assert not (await rest.get_active_orders(SYMBOL)).list
        await wait_for(
            pilot,
            lambda: (
                not app2.session.service.positions.all(SYMBOL)
                and not app2.session.service.tracker.active(SYMBOL)
            ),
            "the app is flat too",
            timeout=15,
        )


async def test_risk_sizing_in_the_ticket(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        await focus_to(pilot, app, "b", "ticket-size")
        entry = D(app.main.query_one("#ticket-price").value.replace(",", ""))
        ticket = app.main.ticket
        await fill_in(pilot, app, {"ticket-sl": "10000t", "ticket-risk": "5000"})
        intent = ticket._validate()
        assert intent is not None
        rule = app.session.rules[SYMBOL]
        # loss per unit: 10,000 ticks to the stop plus both legs' fees
        stop = entry - 10000 * rule.tick_size
        per_unit = (
            entry - stop + entry * max(rule.maker_fee, D(0)) + stop * max(rule.taker_fee, D(0))
        )
        expected = (D(5000) / per_unit // rule.size_step) * rule.size_step
        assert intent.size == expected
        text = str(app.main.query_one("#ticket-estimate").render())
        assert f"size {intent.size:f}" in text and "margin" in text
        # the stop on the wrong side: refused with the reason, nothing to send
        await fill_in(pilot, app, {"ticket-sl": format(entry + 100000, "f")})
        assert ticket._validate() is None
        assert "stop must be below" in str(app.main.query_one("#ticket-error").render())


async def test_c_on_a_brackets_order_cancels_the_whole_bracket(sim: Any, make_app, rest):
    await still(sim)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        entry = app.session.books[SYMBOL].best_bid - 1000
        await focus_to(pilot, app, "b", "ticket-size")
        await fill_in(
            pilot,
            app,
            {"ticket-price": format(entry, "f"), "ticket-sl": "9000t", "ticket-tp": "1%"},
        )
        await pilot.press("enter")
        brackets = app.session.brackets
        await confirm_until(pilot, app, lambda: brackets.open_brackets(SYMBOL), "bracket")
        (bracket,) = brackets.open_brackets(SYMBOL)
        await wait_for(pilot, lambda: bracket.entry_order_id is not None, "entry placed")
        table = app.main.query_one(OrdersTable)
        await pilot.press("o")
        await wait_for(pilot, lambda: orders_listed(app, 1), "the entry listed")
        assert table.get_cell(str(bracket.entry_order_id), "type") == f"LIMIT entry B{bracket.id}"
        await pilot.press("c")
        await confirm_until(
            pilot, app, lambda: bracket.state is BracketState.CANCELLED, "bracket cancelled"
        )
        for _ in range(100):
            if not (await rest.get_active_orders(SYMBOL)).list:
                break
            await pilot.pause(0.05)
        assert not (await rest.get_active_orders(SYMBOL)).list


async def exchange_stop(pilot, rest, order_id: int, price: Decimal) -> Any:
    """The exchange's STOP order ``order_id`` once its price is ``price`` (else fail)."""
    for _ in range(400):
        orders = {o.order_id: o for o in (await rest.get_active_orders(SYMBOL)).list}
        order = orders.get(order_id)
        if order is not None and order.price == price:
            return order
        await pilot.pause(0.05)
    raise AssertionError(f"the exchange's stop {order_id} never at {price}: {orders}")


async def test_trailing_stop_from_the_ticket_follows_a_favourable_walk_only(
    sim: Any, make_app, rest
):
    await still(sim)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        book = app.session.books[SYMBOL]
        entry = book.best_bid - 1000  # rests below the bid: filled by the test control
        trail = 3 * STEP  # wider than the bid is from the stop: no move until the market does
        await focus_to(pilot, app, "b", "ticket-size")
        await fill_in(
            pilot,
            app,
            {
                "ticket-price": format(entry, "f"),
                "ticket-size": "0.01",
                "ticket-sl": f"{2 * STEP}t",
                "ticket-tp": f"{100 * STEP}t",
                "ticket-trail": str(trail),
            },
        )
        await pilot.press("enter")
        brackets = app.session.brackets
        await confirm_until(pilot, app, lambda: brackets.open_brackets(SYMBOL), "bracket")
        (bracket,) = brackets.open_brackets(SYMBOL)
        assert bracket.spec.trail == trail
        await wait_for(pilot, lambda: bracket.entry_order_id is not None, "entry placed")
        await sim.control("fill", {"orderId": bracket.entry_order_id})

        def placed_stop() -> int | None:
            lots = bracket.lots
            return lots[0].stop_order_id if len(lots) == 1 else None

        await wait_for(pilot, placed_stop, "the stop placed", timeout=15)
        (lot,) = bracket.lots
        first = entry - 2 * STEP
        stop = await exchange_stop(pilot, rest, lot.stop_order_id, first)
        # accepted (a stop in flight or being changed is left alone by the trail)
        tracker = app.session.service.tracker
        stop_id = lot.stop_order_id

        def settled() -> bool:
            return tracker.get(stop_id).state in (OrderState.WAITING, OrderState.ORDERED)

        await wait_for(pilot, settled, "the stop accepted", timeout=20)
        assert (stop.execution_type, stop.side, stop.size) == (
            ExecutionType.STOP,
            Side.SELL,
            D("0.01"),
        )

        # favourable: the market walks up; the exchange's stop follows at the trailing distance
        move_mid(sim, SYMBOL, entry + 10 * STEP)
        print_trade(sim, SYMBOL, Side.BUY, D("0.01"))
        high_bid = sim.engine.orderbook(SYMBOL).bids[0].price
        await wait_for(
            pilot, lambda: book.best_bid == high_bid, "the app sees the rise", timeout=20
        )
        raised = high_bid - trail
        assert raised > first
        await exchange_stop(pilot, rest, lot.stop_order_id, raised)
        await wait_for(
            pilot, lambda: lot.stop_price == raised, "the app knows the new stop", timeout=20
        )
        # the change confirmed (a MODIFYING stop is left alone)
        await wait_for(pilot, settled, "the change accepted", timeout=20)
        assert tracker.get(stop_id).price == raised

        # adverse: the market falls back (still above the stop); the stop stays where it is
        move_mid(sim, SYMBOL, raised + 3 * STEP)
        print_trade(sim, SYMBOL, Side.SELL, D("0.01"))
        low_bid = sim.engine.orderbook(SYMBOL).bids[0].price
        assert raised < low_bid < high_bid
        await wait_for(pilot, lambda: book.best_bid == low_bid, "the app sees the fall", timeout=20)
        await brackets.wait_idle()
        await pilot.pause(0.3)
        await brackets.wait_idle()
        assert lot.stop_price == raised
        await exchange_stop(pilot, rest, lot.stop_order_id, raised)
        assert bracket.state is BracketState.WORKING

        for _ in range(200):  # the private stream brings the exchange's state over
            if await app_equals_exchange(app, rest):
                break
            await pilot.pause(0.05)
        assert await app_equals_exchange(app, rest)
        positions = (await rest.get_open_positions(SYMBOL)).list
        assert [(p.side, p.size) for p in positions] == [(Side.BUY, D("0.01"))]

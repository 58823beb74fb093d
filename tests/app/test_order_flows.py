"""Keyboard order flows against the built-in exchange: place, change, cancel, cancel all, and a
rejection that shows the exchange's own message."""

from __future__ import annotations

from decimal import Decimal

from textual.notifications import Notify

from gmo_tui.exchange.errors import ERROR_MESSAGES
from gmo_tui.messages import CancelOrder, ChangeOrder, TicketSubmitted
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.orders_table import ON_ITS_WAY, OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import (
    focus_to,
    orders_listed,
    replace_input,
    type_text,
    wait_for,
    wait_ready,
)


async def place_resting_buy(pilot, app, size: str = "0.01", ticks_below: int = 200) -> Decimal:
    """b -> (price a little under the bid so it rests) -> size -> Enter -> y."""
    await focus_to(pilot, app, "b", "ticket-size")
    best_bid = app.session.books[app.session.symbol].best_bid
    ticket_price = Decimal(app.main.query_one("#ticket-price").value.replace(",", ""))
    assert (
        abs(ticket_price - best_bid) <= app.session.rules[app.session.symbol].tick_size * 20_000
    )  # the touch
    price = best_bid - app.session.rules[app.session.symbol].tick_size * ticks_below
    await focus_to(pilot, app, "shift+tab", "ticket-price")
    await replace_input(pilot, format(price, "f"))
    await focus_to(pilot, app, "tab", "ticket-size")
    await type_text(pilot, size)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm dialog")
    await pilot.press("y")
    return price


async def test_place_limit_order_from_the_keyboard(sim, make_app, rest):
    app = make_app(sim)
    submitted: list[TicketSubmitted] = []

    def hook(message):
        if isinstance(message, TicketSubmitted):
            submitted.append(message)

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await wait_ready(pilot, app)
        price = await place_resting_buy(pilot, app)
        assert submitted and submitted[0].intent.price == price
        table = app.query_one(OrdersTable)
        await wait_for(pilot, lambda: orders_listed(app, 1), "order in the Orders table")
        order = app.session.service.tracker.active("BTC_JPY")[0]
        assert order.price == price and order.size == Decimal("0.01")
        active = await rest.get_active_orders("BTC_JPY")
        assert [o.order_id for o in active.list] == [order.order_id]
        assert any("Accepted" in n for n in app.main.notices)
        # the ladder marks the user's resting order at its level
        ladder = app.main.query_one(OrderBookLadder)
        assert app.main.own_levels() == {(order.side, price): Decimal("0.01")}
        await wait_for(
            pilot,
            lambda: any(r[0] == "bid" and r[1] == price and r[5] for r in ladder._rows),
            "own order marked on the ladder",
        )

        # the market reaches it: the fill is notified and shows in Executions and Positions
        await sim.control("fill", {"orderId": order.order_id})
        await wait_for(
            pilot,
            lambda: any(n.startswith("Fill: BUY 0.01 BTC_JPY") for n in app.main.notices),
            "fill notice",
        )
        await wait_for(pilot, lambda: table.row_count == 0, "order gone from Orders")
        executions = app.main.query_one("#executions-table")
        await wait_for(
            pilot,
            lambda: (
                str(order.order_id) in [executions.get_cell(k, "order") for k in executions.keys()]
            ),
            "execution listed",
        )
        positions = app.main.query_one(PositionsTable)
        await wait_for(
            pilot,
            lambda: (
                any(p.price == price for p in app.session.service.positions.all("BTC_JPY"))
                and positions.row_count >= 1
            ),
            "position listed",
        )
        await wait_for(
            pilot,
            # the fill's one notice says it opened a position (no notice per position)
            lambda: any(
                n.startswith("Fill: BUY") and n.endswith("· opened") for n in app.main.notices
            ),
            "position opened in the fill notice",
        )
        await app.shutdown()


async def test_change_price_then_cancel(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        price = await place_resting_buy(pilot, app)
        table = app.query_one(OrdersTable)
        await wait_for(pilot, lambda: orders_listed(app, 1), "order listed")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.focused is table, "orders table focused")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ValueDialog), "price dialog")
        new_price = price - app.session.rules["BTC_JPY"].tick_size * 10
        await replace_input(pilot, format(new_price, "f"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm change")
        await pilot.press("y")

        async def exchange_price():
            active = await rest.get_active_orders("BTC_JPY")
            return [o.price for o in active.list]

        await wait_for(
            pilot,
            lambda: (
                [o.price for o in app.session.service.tracker.active("BTC_JPY")] == [new_price]
                and table.get_cell(table.selected_key, "price").plain == format(new_price, ",f")
            ),
            "new price shown",
        )
        assert await exchange_price() == [new_price]

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm cancel")
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0, "order gone from the table")
        assert await exchange_price() == []
        await app.shutdown()


async def test_cancel_all_asks_first(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        await place_resting_buy(pilot, app, ticks_below=200)
        await wait_for(pilot, lambda: orders_listed(app, 1), "first order")
        await place_resting_buy(pilot, app, ticks_below=300)
        table = app.query_one(OrdersTable)
        await wait_for(pilot, lambda: orders_listed(app, 2), "two orders")
        await focus_to(pilot, app, "o", table.id or "orders-table")
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm cancel all")
        await pilot.press("n")  # first say no: nothing is cancelled
        await pilot.pause(0.2)
        assert len((await rest.get_active_orders("BTC_JPY")).list) == 2
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm cancel all")
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0, "table emptied")
        assert (await rest.get_active_orders("BTC_JPY")).list == ()
        await app.shutdown()


async def test_rejected_order_shows_the_exchange_message(sim, make_app):
    """Selling more BTC than the demo account holds: ERR-208 with the exchange's text."""
    app = make_app(sim, symbol="BTC")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        await focus_to(pilot, app, "s", "ticket-size")
        ask = app.session.books["BTC"].best_ask
        await focus_to(pilot, app, "shift+tab", "ticket-price")
        await replace_input(pilot, format(ask + app.session.rules["BTC"].tick_size * 100, "f"))
        await focus_to(pilot, app, "tab", "ticket-size")
        await type_text(pilot, "1")  # 1 BTC: the demo account holds 0.5
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        # a large notional needs a second, warning confirmation with the numbers
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ConfirmScreen)
                and app.screen.findings
                or any("Rejected" in n for n in app.main.notices)
            ),
            "warning dialog or rejection",
        )
        if isinstance(app.screen, ConfirmScreen):
            assert app.screen.has_class("-warning")
            await pilot.press("y")
        notice = await wait_for(
            pilot, lambda: next((n for n in app.main.notices if "Rejected" in n), None), "rejection"
        )
        assert "ERR-208" in notice
        assert ERROR_MESSAGES["ERR-208"] in notice

        # a lost reply: the order is UNKNOWN (never re-sent), then found on the exchange
        await sim.control("lose_next_order", {})
        await focus_to(pilot, app, "s", "ticket-size")
        await replace_input(pilot, "0.01")
        await focus_to(pilot, app, "shift+tab", "ticket-price")
        await replace_input(
            pilot,
            format(
                app.session.books["BTC"].best_ask + app.session.rules["BTC"].tick_size * 500, "f"
            ),
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any(n.startswith("UNKNOWN") for n in app.main.notices), "UNKNOWN notice"
        )
        table = app.main.query_one(OrdersTable)
        await wait_for(
            pilot, lambda: table.row_count == 1, "the lost order found and listed", timeout=15
        )
        await app.shutdown()


async def test_an_order_on_its_way_is_not_taken_for_an_exchange_order(sim, make_app):
    """An order sent but not yet answered is listed under its intent's id, which is a number
    too: `e` and `c` on it sent ChangeOrder/CancelOrder for that number as if it were the
    exchange's order id ("Order 1 cannot be changed here"). Now they say it is on its way."""
    app = make_app(sim)
    posted: list[object] = []
    said: list[str] = []

    def hook(message):
        if isinstance(message, ChangeOrder | CancelOrder):
            posted.append(message)
        elif isinstance(message, Notify):
            said.append(str(message.notification.message))

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await wait_ready(pilot, app)
        await sim.control("delay", {"ms": 4000})
        await place_resting_buy(pilot, app)
        table = app.query_one(OrdersTable)

        def sending() -> str | None:
            return next((k for k in table.keys() if k.startswith(ON_ITS_WAY)), None)

        key = await wait_for(pilot, sending, "the order on its way listed")
        table.focus()
        table.move_cursor(row=table.get_row_index(key))
        await pilot.pause(0.1)
        assert table.selected_key == key and sending() == key  # still on its way
        await pilot.press("e", "c")
        await pilot.pause(0.3)
        assert posted == [] and table.picked_order_id is None
        assert sum("on its way" in text for text in said) == 2, said
        await sim.control("delay", {"ms": 0})
        await wait_for(pilot, lambda: orders_listed(app, 1), "the order acknowledged")
        await app.shutdown()

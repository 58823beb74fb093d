"""Issue 14: dialogs without surprises against the built-in exchange: nothing to cancel is said,
not asked; singular counts; buttons that say what they do; the remaining size in the change
dialog; a losscut on the wrong side of the touch is refused before anything is sent."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Button, Input, Static

from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import orders_listed, replace_input, wait_for, wait_ready


def dialog_ready(app) -> bool:
    """A value dialog on screen with its parts mounted."""
    return isinstance(app.screen, ValueDialog) and bool(app.screen.query("#value-hint"))


def confirm_ready(app) -> bool:
    """A confirm dialog on screen with its buttons mounted."""
    return isinstance(app.screen, ConfirmScreen) and bool(app.screen.query("#no"))


def buttons(app) -> tuple[str, str]:
    screen = app.screen
    return (
        str(screen.query_one("#yes", Button).label),
        str(screen.query_one("#no", Button).label),
    )


async def test_cancel_dialogs_counts_and_buttons(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        table = app.main.query_one(OrdersTable)
        await pilot.press("o")
        await wait_for(pilot, lambda: app.focused is table, "orders focused")
        # C with no orders: said, never asked
        await pilot.press("C")
        await wait_for(
            pilot, lambda: any("nothing to cancel" in n for n in app.main.notices), "notice"
        )
        assert not isinstance(app.screen, ConfirmScreen)

        book = await rest.get_orderbook("BTC_JPY")
        tick = app.session.rules["BTC_JPY"].tick_size
        price = book.bids[0].price - tick * 300
        order_id = await rest.place_order("BTC_JPY", "BUY", "LIMIT", Decimal("0.03"), price=price)
        await wait_for(pilot, lambda: orders_listed(app, 1), "order listed")
        # one order: singular, buttons that answer the question
        await pilot.press("C")
        await wait_for(pilot, lambda: confirm_ready(app), "cancel-all dialog")
        assert app.screen.title_text == "Cancel the 1 open order of BTC_JPY?"
        assert buttons(app) == ("Cancel order (y)", "Keep (n)")
        await pilot.press("n")
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), "closed")

        # a partial fill: the change dialog shows what remains, not the original size
        await sim.control("fill", {"orderId": order_id, "size": "0.01"})
        order = app.session.service.tracker
        await wait_for(pilot, lambda: order.get(order_id).remaining == Decimal("0.02"), "partial")
        await pilot.press("e")
        await wait_for(pilot, lambda: dialog_ready(app), "change dialog")
        title = str(app.screen.query_one("#value-title", Static).render())
        assert "0.02 remaining" in title and "0.03" not in title
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ValueDialog), "closed")

        # c: a single cancel's buttons
        await pilot.press("c")
        await wait_for(pilot, lambda: confirm_ready(app), "cancel dialog")
        assert app.screen.title_text == f"Cancel order {order_id}?"
        assert buttons(app) == ("Cancel order (y)", "Keep (n)")
        assert ("Remaining", "0.02") in app.screen.lines
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0, "order cancelled")
        await app.shutdown()


async def test_losscut_wrong_side_is_refused_before_sending(sim, make_app, rest):
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        table = app.main.query_one(PositionsTable)
        await pilot.press("p")
        await wait_for(pilot, lambda: table.row_count == 1, "position listed")
        positions = app.session.service.positions
        position = positions.all("BTC_JPY")[0]
        await pilot.press("l")
        await wait_for(pilot, lambda: dialog_ready(app), "losscut dialog")
        dialog = app.screen
        title = str(dialog.query_one("#value-title", Static).render())
        assert "BUY 0.01" in title
        assert "valid: below" in str(dialog.query_one("#value-hint", Static).render())
        # a long's losscut above the market: refused in the dialog, never sent
        bid = app.session.books["BTC_JPY"].best_bid
        tick = app.session.rules["BTC_JPY"].tick_size
        too_high = bid + tick * 100_000
        await replace_input(pilot, format(too_high, "f"))
        await pilot.press("enter")
        error = str(dialog.query_one("#value-error", Static).render())
        assert "must be below the best bid" in error
        assert app.screen is dialog and not isinstance(app.screen, ConfirmScreen)
        assert dialog.query_one(Input).value == format(too_high, "f")
        exchange = (await rest.get_open_positions("BTC_JPY")).list[0]
        assert exchange.losscut_price == position.losscut_price
        # below the bid: accepted, confirmed with its own button, sent
        good = bid - tick * 500_000
        await replace_input(pilot, format(good, "f"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: confirm_ready(app), "confirm")
        assert buttons(app) == ("Change losscut (y)", "Keep (n)")
        await pilot.press("y")

        async def changed() -> bool:
            return (await rest.get_open_positions("BTC_JPY")).list[0].losscut_price == good

        await wait_for(
            pilot,
            lambda: getattr(positions.get(position.position_id), "losscut_price", None) == good,
            "losscut changed",
        )
        assert await changed()
        await app.shutdown()

"""Position flows from the keyboard against the built-in exchange: losscut (l), close (x) and
close all (X), each after a confirm."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import replace_input, wait_for, wait_ready


async def confirm_until(pilot, app, done, what: str) -> None:
    """Answer y to the confirm dialog (and to a safety warning if one follows) until ``done``."""
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), f"confirm: {what}")
    await pilot.press("y")
    await wait_for(
        pilot,
        lambda: done() or (isinstance(app.screen, ConfirmScreen) and app.screen.findings),
        what,
    )
    if not done():
        await pilot.press("y")
        await wait_for(pilot, done, what)


async def test_losscut_close_and_close_all(sim, make_app, rest):
    for _ in range(3):
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        table = app.main.query_one(PositionsTable)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.focused is table, "positions table focused")
        await wait_for(pilot, lambda: table.row_count == 3, "three positions listed")

        # l: new losscut price for the selected position
        positions = app.session.service.positions
        first = positions.get(int(table.selected_key or 0))
        assert first is not None
        tick = app.session.rules["BTC_JPY"].tick_size
        losscut = (first.price * Decimal("0.8") / tick).to_integral_value() * tick
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ValueDialog), "losscut dialog")
        await replace_input(pilot, format(losscut, "f"))
        await pilot.press("enter")

        async def exchange_positions():
            return {p.position_id: p for p in (await rest.get_open_positions("BTC_JPY")).list}

        await confirm_until(
            pilot,
            app,
            lambda: (
                positions.get(first.position_id)
                and positions.get(first.position_id).losscut_price == losscut
            ),
            "losscut changed",
        )
        assert (await exchange_positions())[first.position_id].losscut_price == losscut

        # x: close the selected position
        await pilot.press("x")
        await confirm_until(pilot, app, lambda: table.row_count == 2, "position closed")
        assert first.position_id not in await exchange_positions()

        # X: close every BUY position of the symbol
        await pilot.press("X")
        await confirm_until(pilot, app, lambda: table.row_count == 0, "all positions closed")
        assert await exchange_positions() == {}
        await app.shutdown()

"""Issue 14: Orders, Positions and Executions of every symbol (*), with a symbol column,
remembered across runs in a private file; actions work on the selected row's symbol."""

from __future__ import annotations

import os
import stat
from decimal import Decimal

from gmo_tui.market.formatting import fmt
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.view_state import ViewState, load_view_state, save_view_state, state_path
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import wait_for, wait_ready


async def test_all_symbols_toggle_remembered_and_actions_on_the_row(sim, make_app, rest):
    await rest.place_order("ETH_JPY", "BUY", "MARKET", Decimal("0.1"))
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    eth_book = await rest.get_orderbook("ETH_JPY")
    eth_tick = (eth_book.bids[0].price - eth_book.bids[1].price).copy_abs()
    eth_order = await rest.place_order(
        "ETH_JPY", "BUY", "LIMIT", Decimal("0.1"), price=eth_book.bids[0].price - eth_tick * 300
    )
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        orders = app.main.query_one(OrdersTable)
        positions = app.main.query_one(PositionsTable)
        executions = app.main.account.executions_table
        await pilot.press("p")
        await wait_for(pilot, lambda: positions.row_count == 1, "BTC_JPY position only")
        assert not positions.with_symbol
        service = app.session.service
        await wait_for(pilot, lambda: service.tracker.get(eth_order), "ETH order tracked")
        await wait_for(pilot, lambda: len(service.positions.all("ETH_JPY")) == 1, "ETH position")

        await pilot.press("asterisk")
        await wait_for(pilot, lambda: positions.row_count == 2, "every symbol's positions")
        symbols = {positions.get_cell(k, "symbol") for k in positions.keys()}
        assert symbols == {"BTC_JPY", "ETH_JPY"}
        await wait_for(pilot, lambda: orders.row_count == 1, "the ETH order listed")
        assert orders.get_cell(str(eth_order), "symbol") == "ETH_JPY"
        # the account tables repaint coalesced (a few times a second): wait for the latest rows
        await wait_for(
            pilot,
            lambda: (
                {"BTC_JPY", "ETH_JPY"}
                <= {executions.get_cell(k, "symbol") for k in executions.keys()}
            ),
            "every symbol's executions",
        )
        # remembered, in a private file
        assert load_view_state().all_symbols
        if os.name == "posix":
            assert stat.S_IMODE(state_path().stat().st_mode) == 0o600

        # cancel on the ETH row while BTC_JPY is current: the ETH order is cancelled
        await pilot.press("o")
        await wait_for(pilot, lambda: app.focused is orders, "orders focused")
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "cancel dialog")
        assert app.screen.title_text == f"Cancel order {eth_order}?"
        await pilot.press("y")
        await wait_for(pilot, lambda: orders.row_count == 0, "ETH order cancelled")
        assert not (await rest.get_active_orders("ETH_JPY")).list
        await app.shutdown()

    # the next run starts with every symbol
    again = make_app(sim)
    async with again.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, again)
        table = again.main.query_one(PositionsTable)
        assert table.with_symbol
        await wait_for(pilot, lambda: table.row_count == 2, "both positions at start")
        await again.shutdown()


async def test_cancel_all_and_close_all_act_on_the_selected_rows_symbol(sim, make_app, rest):
    """``C`` and ``X`` on an ETH_JPY row while BTC_JPY is current: the dialog names ETH_JPY
    and what stays, and only ETH_JPY's orders / positions go (``X`` after switching to ETH_JPY,
    whose live book the MARKET close is checked against)."""
    save_view_state(ViewState(all_symbols=True))
    await rest.place_order("ETH_JPY", "BUY", "MARKET", Decimal("0.1"))
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    placed = {}
    for symbol, size in (("ETH_JPY", "0.1"), ("BTC_JPY", "0.01")):
        book = await rest.get_orderbook(symbol)
        tick = (book.bids[0].price - book.bids[1].price).copy_abs()
        price = book.bids[0].price - tick * 300
        placed[symbol] = await rest.place_order(symbol, "BUY", "LIMIT", Decimal(size), price=price)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        assert app.session.symbol == "BTC_JPY"
        orders = app.main.query_one(OrdersTable)
        positions = app.main.query_one(PositionsTable)
        await wait_for(pilot, lambda: orders.row_count == 2, "both orders listed")
        await pilot.press("o")
        await wait_for(pilot, lambda: app.focused is orders, "orders focused")
        orders.move_cursor(row=orders.get_row_index(str(placed["ETH_JPY"])))
        await pilot.press("C")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "cancel-all dialog")
        assert app.screen.title_text == "Cancel the 1 open order of ETH_JPY?"
        assert ("Symbol", "ETH_JPY") in app.screen.lines
        assert ("Kept", "1 order of another symbol") in app.screen.lines
        await pilot.press("y")
        await wait_for(pilot, lambda: orders.row_count == 1, "ETH order cancelled")
        assert not (await rest.get_active_orders("ETH_JPY")).list
        assert [o.order_id for o in (await rest.get_active_orders("BTC_JPY")).list] == [
            placed["BTC_JPY"]
        ]

        await pilot.press("p")
        await wait_for(pilot, lambda: positions.row_count == 2, "both positions listed")
        eth = next(k for k in positions.keys() if positions.get_cell(k, "symbol") == "ETH_JPY")
        positions.move_cursor(row=positions.get_row_index(eth))
        await pilot.press("X")
        # a MARKET close is checked against the symbol's live book: only the current one's is
        # streamed, so the app offers the switch first, then the close-all dialog
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "switch dialog")
        assert app.screen.title_text == "Switch to ETH_JPY to close at market?"
        await pilot.press("y")
        await wait_for(pilot, lambda: app.session.symbol == "ETH_JPY", "switched to ETH_JPY")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "close-all dialog")
        assert app.screen.title_text == "Close ALL BUY positions of ETH_JPY?"
        assert ("Kept", "1 position of another symbol") in app.screen.lines
        await pilot.press("y")
        await wait_for(pilot, lambda: positions.row_count == 1, "ETH position closed")
        assert not (await rest.get_open_positions("ETH_JPY")).list
        assert len((await rest.get_open_positions("BTC_JPY")).list) == 1
        await app.shutdown()


async def test_other_symbols_position_pnl_marked_at_its_ticker(sim, make_app, rest):
    """Only the current symbol's book is streamed: an ETH_JPY position's P&L (BTC_JPY current)
    is marked at ETH_JPY's ticker (best ask for a SELL) and the ``at`` column says so; the
    BTC_JPY position's at the live book."""
    save_view_state(ViewState(all_symbols=True))
    await rest.place_order("ETH_JPY", "SELL", "MARKET", Decimal("0.1"))
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        service, positions = app.session.service, app.main.query_one(PositionsTable)
        await wait_for(pilot, lambda: positions.row_count == 2, "both positions listed")
        eth = next(p for p in service.positions.all(None) if p.symbol == "ETH_JPY")
        btc = next(p for p in service.positions.all(None) if p.symbol == "BTC_JPY")
        assert not app.session.books.get("ETH_JPY") or not app.session.books["ETH_JPY"].sane

        def eth_pnl_at_ticker() -> bool:
            ticker = app.session.tickers.get("ETH_JPY")
            if ticker is None or str(eth.position_id) not in positions.keys():
                return False
            expected = fmt((eth.price - ticker.ask) * eth.size, 0, sign=True)
            return str(positions.get_cell(str(eth.position_id), "pnl")) == expected

        await wait_for(pilot, eth_pnl_at_ticker, "ETH P&L at its ticker's ask")
        assert str(positions.get_cell(str(eth.position_id), "at")) == "ticker"
        await wait_for(
            pilot,
            lambda: (
                str(btc.position_id) in positions.keys()
                and str(positions.get_cell(str(btc.position_id), "at")) == "book"
            ),
            "book",
        )
        assert str(positions.get_cell(str(btc.position_id), "pnl")) != "-"
        await app.shutdown()

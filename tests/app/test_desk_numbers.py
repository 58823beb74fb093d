"""Issue 14: one number format and units in the account tabs: grouped asset amounts, a fee row
for every symbol (margin too) with today's limit in its unit; a close of zero P&L reads 0."""

from __future__ import annotations

from decimal import Decimal

import httpx

from gmo_tui.widgets.keyed_table import KeyedTable
from tests.app.conftest import wait_for, wait_ready


async def test_assets_grouped_fee_table_every_symbol(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        assets = app.main.query_one("#assets-table", KeyedTable)
        await wait_for(pilot, lambda: "JPY" in assets.keys(), "assets")
        assert str(assets.get_cell("JPY", "amount")) == "10,000,000"
        fees = app.main.query_one("#fees-table", KeyedTable)
        symbols = set(app.session.rules)
        # margin symbols too ("BTC/JPY" in tradingVolume), each once
        await wait_for(pilot, lambda: set(fees.keys()) == symbols, "a fee row per symbol")
        assert {"BTC", "BTC_JPY", "ETH_JPY"} <= set(fees.keys())
        limits = [str(fees.get_cell(k, "limit")) for k in fees.keys()]
        for symbol, limit in zip(fees.keys(), limits, strict=True):
            assert limit == "-" or limit.endswith(" " + symbol.removesuffix("_JPY")), limit
        await app.shutdown()


async def test_close_at_zero_pnl_reads_zero(sim, make_app, rest):
    await sim.control("status", {"status": "OPEN"})
    open_id = await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    position = (await rest.get_open_positions("BTC_JPY")).list[0]
    # a LIMIT close resting at the opening price, filled there by the exchange: P&L 0
    close_id = await rest.close_order(
        "BTC_JPY", "SELL", "LIMIT", position.position_id, Decimal("0.01"), price=position.price
    )
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        closes = await rest.get_executions(order_id=close_id)
        if not closes:
            try:
                await sim.control("fill", {"orderId": close_id})
            except httpx.HTTPStatusError as error:
                # the sim's market reached the price between the two calls: it is filled already
                assert error.response.status_code == 400, error
            closes = await rest.get_executions(order_id=close_id)
        assert closes and all(c.loss_gain == 0 for c in closes), closes
        table = app.main.account.executions_table
        key = str(closes[0].execution_id)
        await wait_for(pilot, lambda: key in table.keys(), "the close listed")
        assert str(table.get_cell(key, "pnl")) == "0"
        opened = (await rest.get_executions(order_id=open_id))[0]
        await wait_for(pilot, lambda: str(opened.execution_id) in table.keys(), "the open listed")
        assert str(table.get_cell(str(opened.execution_id), "pnl")) == "-"
        await app.shutdown()

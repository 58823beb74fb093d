"""Issue 14 at 80x24: the positions and executions tables keep price and P&L in view before
the other columns; the status bar is not cut."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import DataTable

from gmo_tui.widgets.positions_table import PositionsTable
from gmo_tui.widgets.status_bar import StatusBar
from tests.app.conftest import wait_for, wait_ready


def visible_until(table: DataTable, key: str) -> int:
    """Cells from the table's left edge to the end of column ``key``."""
    width = 0
    for column in table.ordered_columns:
        width += column.get_render_width(table)
        if column.key.value == key:
            return width
    raise AssertionError(f"no column {key}")


async def test_price_and_pnl_in_view_at_80x24(sim, make_app, rest):
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app)
        table = app.main.query_one(PositionsTable)
        await pilot.press("p")
        await wait_for(pilot, lambda: table.row_count == 1 and table.size.width, "positions")
        assert visible_until(table, "pnl") <= table.scrollable_content_region.width
        assert visible_until(table, "price") <= table.scrollable_content_region.width
        executions = app.main.account.executions_table
        app.main.account.active = "executions"
        await wait_for(pilot, lambda: executions.row_count and executions.size.width, "fills")
        assert visible_until(executions, "pnl") <= executions.scrollable_content_region.width
        bar = app.main.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.streams.get("private") == "LIVE", "private live")
        # the streams and figures fit; only a trailing message may be cut
        line = str(bar.render())
        assert line.startswith(" streams:LIVE") and "REST" in line[: bar.size.width]
        await app.shutdown()


async def test_minimum_size_notice_instead_of_a_blind_ticket(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(40, 12)) as pilot:
        await wait_ready(pilot, app, trading=False)
        notice = app.main.query_one("#too-small")
        assert notice.display and app.main.has_class("-too-small")
        assert "at least 72x16" in str(notice.render())
        assert not app.main.ticket.display and not app.main.ladder.display
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: not app.main.has_class("-too-small"), "usable again")
        assert app.main.ticket.display and not notice.display
        await app.shutdown()

"""Issue 14: export from the palette. The same gathering and CSV layout as ``gmo-tui export``,
for the trading days the trader types (today's 06:00 JST day by default), written in a worker to
a private file in the data directory; the notice says the path and the row count. Checked
against the built-in exchange's own executions on two symbols (partial fills, a close, fees)."""

from __future__ import annotations

import csv
import os
import stat
from decimal import Decimal
from pathlib import Path

from gmo_tui.alerts.store import data_dir
from gmo_tui.export.csv_layout import COLUMNS
from gmo_tui.export.history import LATEST_REACH, DateRange
from gmo_tui.export.to_file import EXPORTS_DIR, parse_range
from gmo_tui.market.formatting import gmo_day
from gmo_tui.screens.export_flow import ExportDialog
from tests.app.conftest import replace_input, wait_for, wait_ready
from tests.app.test_alerts import palette


async def test_export_from_the_palette(sim, make_app, rest):
    # a MARKET order walking several levels (several fills), on two symbols, and a close
    book = await rest.get_orderbook("BTC_JPY")
    size = sum((level.size for level in book.asks[:3]), Decimal(0))
    orders = [await rest.place_order("BTC_JPY", "BUY", "MARKET", size)]
    orders.append(await rest.place_order("ETH_JPY", "SELL", "MARKET", Decimal("0.2")))
    position = (await rest.get_open_positions("BTC_JPY")).list[0]
    orders.append(
        await rest.close_order("BTC_JPY", "SELL", "MARKET", position.position_id, position.size)
    )
    expected: dict[str, list[str]] = {}
    for order_id in orders:
        for ex in await rest.get_executions(order_id=order_id):
            expected[str(ex.execution_id)] = [str(ex.order_id), format(ex.fee, "f")]
    assert len(expected) > len(orders)  # partial fills: more executions than orders

    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        await palette(pilot, app, "Export executions")
        dialog = await wait_for(
            pilot, lambda: app.screen if isinstance(app.screen, ExportDialog) else None, "dialog"
        )
        today = gmo_day(app.session.market_time()).isoformat()
        assert dialog.initial == today  # today's trading day by default
        # a bad range is said, and nothing is exported
        await replace_input(pilot, "2026-13-01")
        await pilot.press("enter")
        assert isinstance(app.screen, ExportDialog)
        assert "not a date range" in str(app.screen.query_one("#value-error").render())
        await replace_input(pilot, today)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.exports.last_path, "exported", timeout=20)

        path = Path(app.main.exports.last_path)
        assert path.parent == data_dir() / EXPORTS_DIR
        if os.name == "posix":
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == list(COLUMNS)
        body = rows[1:]
        ids = [r[COLUMNS.index("execution_id")] for r in body]
        assert len(ids) == len(set(ids))  # every execution once
        assert set(ids) == set(expected)
        for r in body:
            order_id, fee = expected[r[COLUMNS.index("execution_id")]]
            assert r[COLUMNS.index("order_id")] == order_id
            assert Decimal(r[COLUMNS.index("fee")]) == Decimal(fee)
        assert {r[COLUMNS.index("symbol")] for r in body} == {"BTC_JPY", "ETH_JPY"}
        said = app.main.notices[-1]
        done = f"Exported {len(body)} executions of {today} .. {today} to {path}"
        # from 18:00 JST the trading day began more than LATEST_REACH (12 h) ago: the
        # exchange's latest executions may not reach back to its start, and the notice says so
        span = parse_range(today)
        assert isinstance(span, DateRange)
        late = span.start < app.session.market_time() - LATEST_REACH
        gaps = f" · older fills of {len(app.session.rules)} symbols: only this machine's orders"
        assert said == (done + gaps if late else done)
        await app.shutdown()


def test_range_parsing():
    span = parse_range("2026-12-01..2026-12-03")
    assert not isinstance(span, str)
    assert (span.first.isoformat(), span.last.isoformat()) == ("2026-12-01", "2026-12-03")
    assert span.start.isoformat() == "2026-12-01T06:00:00+09:00"  # GMO's trading day
    assert span.end.isoformat() == "2026-12-04T06:00:00+09:00"
    assert isinstance(parse_range("2026-12-03..2026-12-01"), str)  # ends before it starts
    assert isinstance(parse_range("yesterday"), str)

"""Panes off the critical path repaint at a rate that fits what they show: the header, the
watchlist, the chart and the account tables follow tickers, books and prints arriving ten to
thirty times a second with a few repaints, the first change at once and the latest always
shown (gmo_tui/widgets/repaint_rate.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from textual.app import App, ComposeResult

from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.exchange.models import Ticker
from gmo_tui.market.candles import CandleSeries
from gmo_tui.market.watchlist import Watchlist as WatchModel
from gmo_tui.themes import DOMAIN_DEFAULTS
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.keyed_table import KeyedTable
from gmo_tui.widgets.market_header import MarketHeader
from gmo_tui.widgets.watchlist import Watchlist

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def _ticker(last: int) -> Ticker:
    d = Decimal
    return Ticker(
        symbol="BTC",
        ask=d(last + 1),
        bid=d(last - 1),
        high=d(last + 100),
        low=d(last - 100),
        last=d(last),
        volume=d("12.5"),
        timestamp=NOW,
    )


class CountingHeader(MarketHeader):
    renders = 0
    painted = ""

    def render(self):  # type: ignore[no-untyped-def]
        self.renders += 1
        text = super().render()
        self.painted = text.plain
        return text


class CountingWatchlist(Watchlist):
    syncs = 0

    def sync(self, rows):  # type: ignore[no-untyped-def]
        self.syncs += 1
        super().sync(rows)


class Panes(App[None]):
    CSS = "CountingWatchlist { height: 5; }"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield CountingHeader()
        yield CountingWatchlist()


async def test_header_follows_ten_tickers_a_second_with_a_few_repaints() -> None:
    app = Panes()
    async with app.run_test(size=(120, 10)) as pilot:
        header = app.query_one(CountingHeader)
        header.symbol = "BTC"
        await pilot.pause(0.3)
        before = header.renders
        header.ticker = _ticker(1000)
        await pilot.pause(0.02)
        assert "1,000" in header.painted  # the first change: at once
        for k in range(1, 10):  # one second of tickers at 10/s
            header.ticker = _ticker(1000 + k)
            await pilot.pause(0.1)
        await pilot.pause(0.3)
        painted = header.renders - before
        assert painted <= 6, painted  # ~4 a second, not 10
        assert "1,009" in header.painted  # the latest is what is shown


async def test_watchlist_shows_the_latest_rows_coalesced() -> None:
    app = Panes()
    async with app.run_test(size=(120, 10)) as pilot:
        table = app.query_one(CountingWatchlist)
        model = WatchModel()
        for k in range(10):
            model.update_ticker(_ticker(2000 + k), 0.0)
            table.show(model.rows(["BTC"]), {"BTC": 0})
            await pilot.pause(0.02)
        await pilot.pause(0.4)
        assert table.syncs <= 3, table.syncs  # not one per ticker
        assert str(table.get_row("BTC")[1]).strip() == "2,009"


class CountingChart(CandleChart):
    renders = 0

    def _render_all(self):  # type: ignore[no-untyped-def]
        self.renders += 1
        return super()._render_all()


class ChartApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield CountingChart()


async def test_chart_follows_thirty_prints_a_second_with_a_few_repaints() -> None:
    """The first print after a quiet spell is drawn at once; a second of prints at 30/s
    costs a couple of repaints, and the last print's candle is what is drawn."""
    app = ChartApp()
    async with app.run_test(size=(80, 20)) as pilot:
        chart = app.query_one(CountingChart)
        series = CandleSeries("BTC", KlineInterval.MIN1)
        series.add_print(Decimal(1000), Decimal("0.1"), NOW)
        chart.show_series(series)
        await pilot.pause(0.6)  # drawn, and quiet for longer than the repaint interval
        before = chart.renders
        series.add_print(Decimal(1010), Decimal("0.1"), NOW)
        chart.repaint_latest()
        await pilot.pause(0.05)
        assert chart.renders == before + 1  # the first print: at once
        for k in range(30):  # one second of prints at 30/s
            series.add_print(Decimal(1020 + k), Decimal("0.1"), NOW)
            chart.repaint_latest()
            await pilot.pause(1 / 30)
        await pilot.pause(0.6)
        painted = chart.renders - before
        assert painted <= 5, painted  # ~2 a second, not 30
        assert chart._drawn_version == series.version  # the latest print is drawn
        assert series.last is not None and series.last.close == Decimal(1049)


class AccountApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield AccountPanel(id="account")


@pytest.mark.parametrize(
    "table_id", ["positions-table", "orders-table", "executions-table", "assets-table"]
)
async def test_account_tables_follow_ten_updates_a_second_coalesced(table_id: str) -> None:
    """Positions follow every move of the touch (their P&L), orders and executions every
    order event, assets every balance: ten a second cost each table a few repaints, the
    first at once and the latest rows shown."""
    app = AccountApp()
    async with app.run_test(size=(120, 20)) as pilot:
        table = app.query_one(f"#{table_id}", KeyedTable)

        def rows(k: int) -> list[tuple[str, tuple[str, ...]]]:
            width = len(table.columns)
            return [("a", (f"a{k}",) * width), ("b", ("b",) * width)]

        table.sync(rows(0))
        await pilot.pause(0.4)  # shown, and quiet for longer than the repaint interval
        before = table.cell_updates
        table.sync(rows(1))
        await pilot.pause(0.02)
        assert str(table.get_row("a")[0]) == "a1"  # the first change: at once
        for k in range(2, 12):  # one second at 10/s
            table.sync(rows(k))
            await pilot.pause(0.1)
        await pilot.pause(0.4)
        width = len(table.columns)
        repaints = (table.cell_updates - before) // width  # each sync changes row a's cells
        assert repaints <= 6, repaints  # ~4 a second, not 10
        assert str(table.get_row("a")[0]) == "a11"  # the latest rows are shown
        assert table.keys() == ["a", "b"]

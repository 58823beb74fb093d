"""Panes off the critical path repaint at a rate that fits what they show: the header and the
watchlist follow ten tickers a second with a few repaints, the first change at once and the
latest always shown (gmo_tui/widgets/repaint_rate.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from textual.app import App, ComposeResult

from gmo_tui.exchange.models import Ticker
from gmo_tui.market.watchlist import Watchlist as WatchModel
from gmo_tui.themes import DOMAIN_DEFAULTS
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

"""The chart's rows change style only where the colour seen changes: a blank cell between two
candles of the other colour sends no colour code of its own (each style change is an SGR code
on the wire, ~20-40 bytes in truecolour), and every candle cell keeps its candle's colour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from textual.app import App, ComposeResult

from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.market.candles import CandleSeries
from gmo_tui.themes import DOMAIN_DEFAULTS
from gmo_tui.widgets.chart import CandleChart

START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


class ChartApp(App[None]):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield CandleChart()


def _series() -> CandleSeries:
    """Tall rising candles (1000 -> 1100, wicks to 1150) between short falling ones
    (1060 -> 1050): most rows hold only the rising candles' cells, a blank between each."""
    series = CandleSeries("BTC", KlineInterval.MIN1)
    for k in range(30):
        at = START + timedelta(minutes=k)
        prints = [1000, 1150, 1100] if k % 2 == 0 else [1060, 1050]
        for price in prints:
            series.add_print(Decimal(price), Decimal("0.1"), at)
    return series


async def test_chart_rows_change_style_only_where_the_visible_colour_changes() -> None:
    app = ChartApp()
    async with app.run_test(size=(60, 24)) as pilot:
        chart = app.query_one(CandleChart)
        series = _series()
        chart.show_series(series)
        await pilot.pause(0.1)
        up = chart.get_component_rich_style("chart--up", partial=True).color
        down = chart.get_component_rich_style("chart--down", partial=True).color
        assert up is not None and down is not None and up != down
        plot_rows = range(1, chart.size.height - 4)  # the title, volume and time rows apart
        for y in plot_rows:
            strip = chart.render_line(y)
            cells: list[tuple[str, object]] = []
            for segment in strip:
                colour = segment.style.color if segment.style else None
                cells.extend((ch, colour) for ch in segment.text)
            visible = [(x, colour) for x, (ch, colour) in enumerate(cells[:30]) if ch != " "]
            for x, colour in visible:  # a candle's cells keep its colour
                assert colour == (up if x % 2 == 0 else down), (y, x)
            changes_seen = sum(1 for a, b in pairwise(visible) if a[1] != b[1])
            plot_segments = sum(1 for s in strip if s.style and s.style.color in (up, down))
            assert plot_segments <= changes_seen + 1, (y, plot_segments, changes_seen)

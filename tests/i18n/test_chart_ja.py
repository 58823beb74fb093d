"""The chart in Japanese against the built-in exchange: GMO's 始値/高値/安値/終値/出来高 in the
title line, 出来高 on the volume axis, measured in cells (the axis column stays aligned)."""

from __future__ import annotations

from gmo_tui.i18n.cells import cell_len
from gmo_tui.widgets.chart import CandleChart
from tests.app.conftest import wait_for, wait_ready


def _text(chart: CandleChart, y: int) -> str:
    return "".join(segment.text for segment in chart.render_line(y))


async def test_chart_labels_in_japanese(sim, make_app):
    app = make_app(sim, credentials=False, language="ja")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        app.main.show_pane("chart")
        chart = app.main.query_one(CandleChart)
        await wait_for(pilot, lambda: " 始 " in _text(chart, 0), "the OHLCV line in Japanese")
        title = _text(chart, 0)
        for word in (" 高 ", " 安 ", " 終 ", " 出来高 "):
            assert word in title, title
        lines = [_text(chart, y) for y in range(chart.size.height)]
        volume = [line for line in lines if "┤出来高 " in line]
        assert volume, lines
        assert all(cell_len(line) == chart.size.width for line in volume)
        assert not any("vol " in line for line in lines)

"""Alerts in Japanese against the built-in exchange: the notice of ``a`` on the ladder, the fired
alert's line and the Alerts list speak GMO's terms."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.alerts import Alert, AlertKind
from gmo_tui.screens.alerts import AlertsScreen
from gmo_tui.widgets.alert_strip import AlertStrip
from tests.app.conftest import wait_for, wait_ready


async def test_alerts_in_japanese(sim, make_app):
    app = make_app(sim, credentials=False, language="ja")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await wait_for(pilot, lambda: app.session.tapes["BTC_JPY"].last is not None, "a trade")
        app.main.ladder.focus()
        await pilot.press("up", "up", "up", "exclamation_mark")
        await wait_for(
            pilot,
            lambda: any(n.startswith("アラート設定: BTC_JPY が ") for n in app.main.notices),
            "the alert set, said in Japanese",
        )
        # one that the next trade fires (a price under its level was seen)
        app.session.alerts.add(Alert(AlertKind.PRICE_ABOVE, Decimal(1), "BTC_JPY", primed=True))
        strip = app.main.query_one(AlertStrip)
        await wait_for(pilot, lambda: strip.display, "the fired alert's line")
        line = str(strip.render())
        assert line.startswith(
            "⚑ アラート BTC_JPY 1 上抜け · A で確認 · BTC_JPY の最終約定価格 "
        ), line
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts list")
        screen = app.screen
        assert isinstance(screen, AlertsScreen)
        await wait_for(pilot, lambda: screen.table.row_count == 2, "both listed")
        states = {screen.table.get_row_at(i)[0] for i in range(2)}
        assert "新着" in states and states <= {"新着", "待機中"}  # (the ladder's may fire too)
        title = str(screen.query_one("#alerts-title").render())
        assert title.startswith("アラート · 2 件 · 新着 "), title
        await pilot.press("escape")
        await app.shutdown()

"""History in 30-minute windows, a transfer, the maintenance banner, and `q`: streams closed and
the private WebSocket token deleted."""

from __future__ import annotations

from gmo_tui.messages import ExchangeStatusChanged, HistoryUpdated
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.market_header import MarketHeader
from tests.app.conftest import replace_input, wait_for, wait_ready


async def test_history_transfer_maintenance_and_clean_quit(sim, make_app):
    app = make_app(sim, ticker_poll_seconds=0.2, status_poll_seconds=0.2)
    loaded: list[HistoryUpdated] = []
    statuses: list[ExchangeStatusChanged] = []

    def hook(message):
        if isinstance(message, HistoryUpdated) and message.progress.done:
            loaded.append(message)
        elif isinstance(message, ExchangeStatusChanged):
            statuses.append(message)

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await wait_ready(pilot, app)
        await wait_for(
            pilot,
            lambda: app.main.query_one("#status").streams.get("private") == "LIVE",
            "private live",
        )
        panel = app.main.query_one(AccountPanel)

        # History: a 2-hour range is fetched as four 30-minute windows
        panel.active = "history"
        panel.query_one("#history-from").focus()
        await replace_input(pilot, "2026-01-01 09:00")
        panel.query_one("#history-to").focus()
        await replace_input(pilot, "2026-01-01 11:00")
        panel.query_one("#history-fetch").press()
        await wait_for(pilot, lambda: loaded, "history loaded")
        assert loaded[0].progress.windows == 4
        assert "4 windows" in str(panel.query_one("#history-status").render())

        # Transfer: confirm, then the exchange's answer is shown
        panel.active = "account"
        panel.query_one("#transfer-amount").focus()
        await replace_input(pilot, "1000")
        panel.query_one("#transfer-send").press()
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "transfer confirm")
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: any(
                n.startswith(("Transferred", "Transfer rejected")) for n in app.main.notices
            ),
            "transfer result",
        )

        # Maintenance: the status poll turns the header into a banner
        await sim.control("status", {"status": "MAINTENANCE"})
        header = app.main.query_one(MarketHeader)
        await wait_for(
            pilot, lambda: header.exchange_status == "MAINTENANCE", "maintenance banner", timeout=10
        )
        # the status is a reversed error badge (the header keeps its background)
        line = header.render()
        at = line.plain.index(" MAINTENANCE ")
        assert any(
            "reverse" in str(span.style) for span in line.spans if span.start <= at < span.end
        ), line.spans
        await sim.control("status", {"status": "OPEN"})
        await wait_for(pilot, lambda: header.exchange_status == "OPEN", "open again", timeout=10)

        app.main.action_focus_book()  # out of the form's inputs, where q is just a letter
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "app exited")
    state = await sim.control("state", {})
    assert state["tokens"] == 0, state

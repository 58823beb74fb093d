"""Alerts in the app against the built-in exchange: a price alert set with ``a`` on the ladder
fires once when the market crosses it (a notice line that stays until dismissed, NEW then
FIRED in the Alerts list) and never again, not even after a restart; a losscut-proximity alert
after a move; a stale-stream alert under ``/_sim/silence``; the command hook gets the alert as
JSON and a hanging one is killed at its limit; alerts made from the palette survive a restart."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from gmo_tui.alerts import AlertKind, AlertSettings, AlertState, Fired
from gmo_tui.app import GmoTuiApp
from gmo_tui.config import Settings
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.messages import AlertFired
from gmo_tui.screens.alerts import AlertsScreen
from gmo_tui.screens.help import HelpScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.sim.market import MarketRates
from gmo_tui.widgets.alert_strip import AlertStrip
from tests.app.conftest import replace_input, type_text, wait_for, wait_ready

SYMBOL = "BTC_JPY"


class Seen:
    """Every AlertFired the screen was sent (once each: the hook sees it bubble to the app)."""

    def __init__(self) -> None:
        self.fired: list[Fired] = []
        self._messages: list[AlertFired] = []

    def __call__(self, message: object) -> None:
        if isinstance(message, AlertFired) and not any(m is message for m in self._messages):
            self._messages.append(message)
            self.fired.append(message.fired)


async def sweep(rest: GmoRestClient, side: str, levels: int) -> Decimal:
    """A MARKET order eating ``levels`` levels of the other side; the last level's price."""
    book = await rest.get_orderbook(SYMBOL)
    rows = book.asks if side == "BUY" else book.bids
    size = sum((row.size for row in rows[:levels]), Decimal(0))
    await rest.place_order(SYMBOL, side, "MARKET", size)
    return rows[levels - 1].price


async def palette(pilot: Any, app: GmoTuiApp, text: str) -> None:
    """ctrl+p, type ``text``, run the first hit."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette", "palette")
    await type_text(pilot, text)

    def first_hit() -> str:
        lists = app.screen.query("CommandList")
        if not lists or not lists.first().option_count:  # type: ignore[attr-defined]
            return ""
        return str(lists.first().get_option_at_index(0).prompt)  # type: ignore[attr-defined]

    await wait_for(pilot, lambda: text.lower() in first_hit().lower(), f"palette hit {text}")
    await pilot.press("enter")


async def answer(pilot: Any, app: GmoTuiApp, value: str) -> None:
    dialog = await wait_for(
        pilot, lambda: app.screen if isinstance(app.screen, ValueDialog) else None, "a dialog"
    )
    await replace_input(pilot, value)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is not dialog, "the dialog closed")


def prices_since(app: GmoTuiApp, seen: int) -> list[Decimal]:
    return [p.price for p in app.session.tapes[SYMBOL].since(seen)]


async def test_bang_on_the_ladder_sets_a_price_alert_that_fires_once_even_across_a_restart(
    sim: Any, make_app: Any, rest: GmoRestClient
) -> None:
    seen = Seen()
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
        await wait_ready(pilot, app, trading=False)
        await wait_for(pilot, lambda: app.session.tapes[SYMBOL].last is not None, "a trade")
        ladder = app.main.ladder
        ladder.focus()
        await pilot.press("up", "up", "up")  # the third ask level
        assert ladder.cursor_price is not None
        await pilot.press("exclamation_mark")
        engine = app.session.alerts.engine
        (alert,) = await wait_for(pilot, lambda: engine.alerts, "the alert set")
        # the level under the cursor (a depth index: the book may have moved meanwhile)
        level = alert.level
        last = app.session.tapes[SYMBOL].last
        assert level is not None and last is not None and level > last.price
        assert (alert.kind, alert.symbol) == (AlertKind.PRICE_ABOVE, SYMBOL)
        assert any(n.startswith("Alert set:") for n in app.main.notices)
        await wait_for(pilot, lambda: alert.primed, "a trade under the level")
        assert seen.fired == []

        assert await sweep(rest, "BUY", 6) > level
        await wait_for(pilot, lambda: seen.fired, "the alert to fire")
        (fired,) = seen.fired
        assert fired.alert_id == alert.id and Decimal(fired.details["price"]) >= level
        strip = app.main.query_one(AlertStrip)
        assert strip.display and strip.shown == (alert.id,)
        assert str(strip.render()).startswith("⚑ ALERT BTC_JPY above")
        assert any(n.startswith("ALERT BTC_JPY above") for n in app.main.notices)

        # down through the level and up again: it stays quiet
        mark = app.session.tapes[SYMBOL].appended
        await sweep(rest, "SELL", 10)
        await sweep(rest, "BUY", 10)
        await wait_for(
            pilot,
            lambda: (
                min(prices_since(app, mark), default=level) < level < max(prices_since(app, mark))
                if prices_since(app, mark)
                else False
            ),
            "trades under and over the level",
        )
        await pilot.pause(0.2)
        assert len(seen.fired) == 1

        # the notice stays until dismissed in the Alerts list
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen), "the Alerts list")
        table = app.screen.table  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: table.row_count == 1, "listed")
        assert table.get_row_at(0)[0] == "NEW"
        await pilot.press("x")
        await wait_for(pilot, lambda: table.get_row_at(0)[0] == "FIRED", "dismissed")
        assert not strip.display and app.session.alerts.notices == []
        await pilot.press("escape")
        await app.shutdown()

    again = Seen()
    app2 = make_app(sim, credentials=False)
    async with app2.run_test(size=(120, 36), message_hook=again) as pilot:
        await wait_ready(pilot, app2, trading=False)
        (saved,) = app2.session.alerts.engine.alerts
        assert saved.id == alert.id and saved.state is AlertState.FIRED
        await wait_for(pilot, lambda: app2.session.tapes[SYMBOL].last is not None, "a trade")
        mark = app2.session.tapes[SYMBOL].appended
        await sweep(rest, "SELL", 10)
        await sweep(rest, "BUY", 10)
        await wait_for(
            pilot,
            lambda: (
                min(prices_since(app2, mark), default=level) < level < max(prices_since(app2, mark))
                if prices_since(app2, mark)
                else False
            ),
            "trades under and over the level after the restart",
        )
        await pilot.pause(0.2)
        assert again.fired == []
        assert not app2.main.query_one(AlertStrip).display
        await app2.shutdown()


async def test_a_losscut_alert_from_the_palette_fires_after_a_move(
    make_sim: Any, tmp_path: Path
) -> None:
    sim = await make_sim(rates=MarketRates.frozen())  # nothing moves but what the test trades
    await sim.control("limits", {"ws_commands_per_s": 200, "rest_per_s": 60})
    seen = Seen()
    app = GmoTuiApp(
        Settings(endpoint=sim.endpoint, symbol=SYMBOL, bell=False, ws_command_interval=0.02),
        _credentials(sim),
        mode="DEMO",
        journal_path=str(tmp_path / "journal.sqlite"),
        clock_skew_limit_s=1e12,  # the frozen exchange's clock stands still: adopt its offset
    )
    async with (
        GmoRestClient(sim.endpoint, _credentials(sim)) as rest,
        app.run_test(size=(120, 36), message_hook=seen) as pilot,
    ):
        await wait_ready(pilot, app)
        await rest.place_order(SYMBOL, "BUY", "MARKET", Decimal("0.01"))
        (position,) = (await rest.get_open_positions(SYMBOL)).list
        book = await rest.get_orderbook(SYMBOL)
        swept_to = book.bids[3].price  # the best bid after eating three bid levels
        losscut = swept_to - 2 * (book.bids[3].price - book.bids[4].price)
        await rest.change_losscut_price(position.position_id, losscut)
        now_pct = (book.bids[0].price - losscut) / book.bids[0].price * 100
        after_pct = (swept_to - losscut) / swept_to * 100
        pct = ((now_pct + after_pct) / 2).quantize(Decimal("0.0001"))
        service = app.session.service
        assert service is not None
        await wait_for(
            pilot,
            lambda: any(p.losscut_price == losscut for p in service.positions.all(SYMBOL)),
            "the position and its losscut in the app",
        )

        await palette(pilot, app, "Alert: losscut proximity")
        await answer(pilot, app, format(pct, "f"))
        (alert,) = await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "the alert")
        assert (alert.kind, alert.level) == (AlertKind.LOSSCUT_NEAR, pct)
        await pilot.pause(0.5)
        assert seen.fired == []

        await rest.place_order(
            SYMBOL, "SELL", "MARKET", sum((b.size for b in book.bids[:3]), Decimal(0))
        )
        await wait_for(pilot, lambda: seen.fired, "the losscut alert")
        (fired,) = seen.fired
        assert fired.kind is AlertKind.LOSSCUT_NEAR
        assert fired.details["position_id"] == str(position.position_id)
        assert Decimal(fired.details["losscut_price"]) == losscut
        assert Decimal(fired.details["distance_pct"]) <= pct
        await app.shutdown()


def _credentials(sim: Any) -> Any:
    from gmo_tui.exchange.auth import Credentials

    return Credentials(sim.api_key, sim.api_secret)


async def test_a_stale_stream_alert_fires_under_sim_silence(sim: Any, make_app: Any) -> None:
    seen = Seen()
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
        await wait_ready(pilot, app, trading=False)
        await palette(pilot, app, "Alert: stream stale or disconnected")
        await answer(pilot, app, "1")
        (alert,) = await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "the alert")
        assert (alert.kind, alert.level) == (AlertKind.STREAM_STALE, Decimal(1))
        await wait_for(pilot, lambda: app.session.book_live, "the book live")
        # stale after 3 s of silence rather than the default 10 (the book and ticker channels)
        app.session.public.stale_after = 3.0
        await pilot.pause(1.5)
        assert seen.fired == []  # live streams: nothing
        await sim.control("silence", {"all": True})
        await wait_for(pilot, lambda: seen.fired, "the stale-stream alert", timeout=25)
        fired = seen.fired[0]
        assert fired.kind is AlertKind.STREAM_STALE
        assert fired.details["stream"].startswith("public/")
        assert Decimal(fired.details["seconds"]) >= 1
        await sim.control("silence", {})
        await app.shutdown()


HOOK = """
import sys
from pathlib import Path
Path(sys.argv[1]).write_text(sys.stdin.read())
"""


async def test_the_command_hook_gets_the_alert_as_json(
    sim: Any, make_app: Any, rest: GmoRestClient, tmp_path: Path
) -> None:
    out = tmp_path / "hook.json"
    settings = AlertSettings(bell=False, command=(sys.executable, "-c", HOOK, str(out)))
    app = make_app(sim, alerts=settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app)
        await palette(pilot, app, "Alert: every fill")
        (alert,) = await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "the alert")
        assert alert.kind is AlertKind.FILL
        await rest.place_order(SYMBOL, "BUY", "MARKET", Decimal("0.01"))
        await wait_for(pilot, out.exists, "the hook's output", timeout=15)
        await wait_for(pilot, lambda: out.read_text().strip(), "the hook's JSON")
        data = json.loads(out.read_text())
        assert data["id"] == alert.id and data["kind"] == "fill" and data["symbol"] == SYMBOL
        assert data["details"]["side"] == "BUY" and Decimal(data["details"]["size"]) == Decimal(
            "0.01"
        )
        assert data["at"].endswith("+00:00")
        await app.shutdown()


async def test_a_hanging_hook_is_killed_at_its_limit_and_said(
    sim: Any, make_app: Any, rest: GmoRestClient
) -> None:
    hang = (sys.executable, "-c", "import time; time.sleep(60)")
    app = make_app(sim, alerts=AlertSettings(bell=False, command=hang, command_timeout=0.5))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app)
        await palette(pilot, app, "Alert: every fill")
        await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "the alert")
        await rest.place_order(SYMBOL, "BUY", "MARKET", Decimal("0.01"))
        await wait_for(
            pilot,
            lambda: any("killed after 0.5 s" in n for n in app.main.notices),
            "the hook killed and said",
            timeout=15,
        )
        await app.shutdown()


async def test_alerts_from_the_palette_survive_a_restart(sim: Any, make_app: Any) -> None:
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await palette(pilot, app, "Alert: margin ratio")
        await answer(pilot, app, "120")
        await palette(pilot, app, "Alert: percent move")
        await answer(pilot, app, "3")
        await answer(pilot, app, "60")
        await wait_for(pilot, lambda: len(app.session.alerts.engine.alerts) == 2, "two alerts")
        made = {(a.kind, a.level, a.window_s) for a in app.session.alerts.engine.alerts}
        assert made == {
            (AlertKind.MARGIN_BELOW, Decimal(120), None),
            (AlertKind.PERCENT_MOVE, Decimal(3), 60.0),
        }
        await app.shutdown()

    app2 = make_app(sim, credentials=False)
    async with app2.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app2, trading=False)
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app2.screen, AlertsScreen), "the Alerts list")
        table = app2.screen.table  # type: ignore[attr-defined]
        await wait_for(pilot, lambda: table.row_count == 2, "both listed")
        rows = {table.get_row_at(i)[1] for i in range(table.row_count)}
        assert rows == {"margin ratio under 120%", "BTC_JPY moves 3% within 60 s"}
        await pilot.press("d")  # the newest (the percent move) goes
        await wait_for(pilot, lambda: table.row_count == 1, "one deleted")
        await pilot.press("escape")
        await app2.shutdown()
    app3 = make_app(sim, credentials=False)
    kinds = [a.kind for a in app3.session.alerts.engine.alerts]
    assert kinds == [AlertKind.MARGIN_BELOW]


async def test_a_maintenance_alert_fires_when_the_exchange_goes_into_maintenance(
    sim: Any, make_app: Any
) -> None:
    seen = Seen()
    app = make_app(sim, credentials=False, status_poll_seconds=1)
    async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
        await wait_ready(pilot, app, trading=False)
        await palette(pilot, app, "Alert: exchange maintenance")
        (alert,) = await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "the alert")
        assert alert.kind is AlertKind.MAINTENANCE
        await pilot.pause(1.5)
        assert seen.fired == []  # OPEN: nothing
        await sim.control("status", {"status": "MAINTENANCE"})
        await wait_for(pilot, lambda: seen.fired, "the maintenance alert", timeout=15)
        (fired,) = seen.fired
        assert fired.kind is AlertKind.MAINTENANCE and fired.title == "Maintenance"
        await sim.control("status", {"status": "OPEN"})
        await app.shutdown()


async def test_a_margin_alert_fires_only_while_margin_is_in_use_and_under_its_level(
    sim: Any, make_app: Any, rest: GmoRestClient
) -> None:
    seen = Seen()
    app = make_app(sim)
    async with app.run_test(size=(120, 36), message_hook=seen) as pilot:
        await wait_ready(pilot, app)
        account = app.session.account
        await wait_for(pilot, lambda: account.margin is not None, "the margin figures")
        assert account.margin is not None and account.margin.margin == 0  # no position
        await palette(pilot, app, "Alert: margin ratio")
        await answer(pilot, app, "1000000000")
        (alert,) = await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "the alert")
        assert alert.kind is AlertKind.MARGIN_BELOW
        before = account.margin
        app.session.refresh_balances()
        await wait_for(pilot, lambda: account.margin is not before, "the margin polled again")
        await pilot.pause(0.5)
        assert seen.fired == [], "a ratio of 0 with no margin in use is no verdict"
        await rest.place_order(SYMBOL, "BUY", "MARKET", Decimal("0.01"))
        await wait_for(pilot, lambda: seen.fired, "the margin alert", timeout=15)
        (fired,) = seen.fired
        assert fired.kind is AlertKind.MARGIN_BELOW
        assert Decimal(fired.details["margin_ratio"]) > 0
        await app.shutdown()


async def test_the_alert_keys_are_on_the_help_screen(sim: Any, make_app: Any) -> None:
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        rows = {(key, ident) for _title, section in screen.sections for key, _d, ident in section}
        assert {
            ("!", "book.alert"),
            ("A", "alerts.list"),
            ("x", "alerts.dismiss"),
            ("X", "alerts.dismiss_all"),
            ("d", "alerts.delete"),
        } <= rows
        assert "Alerts" in [title for title, _section in screen.sections]
        await pilot.press("escape")
        await app.shutdown()

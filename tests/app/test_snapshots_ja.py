"""Snapshots in Japanese (``language = "ja"``): the main screen at 80x24 and 200x50, the
ticket with its confirm dialog, and each account tab at 120x40, against the built-in exchange
frozen at seed 42 (the same pictures as test_snapshots.py, in GMO's Japanese terms, with every
column measured in cells)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gmo_tui.app import GmoTuiApp
from gmo_tui.config import Settings
from gmo_tui.exchange.auth import Credentials
from gmo_tui.i18n import use_language
from gmo_tui.i18n.bindings import localise_bindings
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.sim.clock import FROZEN_START
from gmo_tui.sim.runner import SimThread
from tests.app import test_snapshots as english
from tests.app.conftest import FAST_WS_INTERVAL, type_text, wait_for
from tests.app.test_snapshots import ACCOUNT_TABS, settled, still

frozen_exchange = english.frozen_exchange
"""The English snapshots' exchange (module-scoped, seed 42, frozen), shared as is."""


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    use_language("en")
    localise_bindings()


def frozen_app_ja(sim: SimThread, tmp_path: Path) -> GmoTuiApp:
    return GmoTuiApp(
        Settings(
            endpoint=sim.endpoint,
            symbol="BTC_JPY",
            bell=False,
            ticker_poll_seconds=3600,
            ws_command_interval=FAST_WS_INTERVAL,
            language="ja",
        ),
        Credentials(sim.api_key, sim.api_secret),
        mode="DEMO",
        journal_path=str(tmp_path / "journal.sqlite"),
        market_time=lambda: FROZEN_START,
        show_metrics=False,
        # the frozen exchange's clock stands still in the past: adopt its offset anyway
        clock_skew_limit_s=1e12,
    )


def test_main_screen_80x24_ja(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        await settled(pilot, pilot.app)

    assert snap_compare(
        frozen_app_ja(frozen_exchange, tmp_path), terminal_size=(80, 24), run_before=run_before
    )


def test_main_screen_200x50_ja(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        await settled(pilot, pilot.app, watchlist=True)

    assert snap_compare(
        frozen_app_ja(frozen_exchange, tmp_path), terminal_size=(200, 50), run_before=run_before
    )


def test_ticket_and_confirm_dialog_ja(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        app = pilot.app
        await settled(pilot, app)
        await pilot.press("b")
        await wait_for(
            pilot,
            lambda: app.focused is not None and app.focused.id == "ticket-size",
            "size focused",
        )
        await type_text(pilot, "0.05")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm dialog")
        await still(pilot, app)

    assert snap_compare(
        frozen_app_ja(frozen_exchange, tmp_path), terminal_size=(100, 30), run_before=run_before
    )


def test_ticket_inline_validation_ja(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        app = pilot.app
        await settled(pilot, app)
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: app.focused is not None and app.focused.id == "ticket-size",
            "size focused",
        )
        await type_text(pilot, "0.015")
        await wait_for(
            pilot, lambda: "小数" in str(app.main.query_one("#ticket-error").render()), "reason"
        )
        await still(pilot, app)

    assert snap_compare(
        frozen_app_ja(frozen_exchange, tmp_path), terminal_size=(80, 24), run_before=run_before
    )


@pytest.mark.parametrize("tab", ACCOUNT_TABS)
def test_account_tab_ja(snap_compare, frozen_exchange, tmp_path, tab):
    async def run_before(pilot):
        app = pilot.app
        await settled(pilot, app)
        if tab == "executions":
            await wait_for(
                pilot, lambda: app.main.query_one("#executions-table").row_count > 0, "executions"
            )
        if tab == "account":
            await wait_for(pilot, lambda: app.main.query_one("#fees-table").row_count > 0, "fees")
        app.main.show_pane("account")
        app.main.query_one("#account").active = tab
        await still(pilot, app)

    assert snap_compare(
        frozen_app_ja(frozen_exchange, tmp_path), terminal_size=(120, 40), run_before=run_before
    )

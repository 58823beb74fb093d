"""Snapshots of the main screen (80x24, 160x48), the ticket, the confirm dialog and each account
tab, against the built-in exchange frozen at seed 42 (its clock and the clocks shown on screen
are frozen too, so every run draws the same picture)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from textual.widgets import DataTable

from gmo_tui.app import GmoTuiApp
from gmo_tui.config import Settings
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.sim.clock import FROZEN_START
from gmo_tui.sim.runner import SimThread
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import FAST_WS_INTERVAL, type_text, wait_for

ACCOUNT_TABS = ("positions", "orders", "executions", "assets", "margin", "account", "history")


async def _seed_account(endpoint: str, key: str, secret: str) -> None:
    async with GmoRestClient(endpoint, Credentials(key, secret)) as rest:
        book = await rest.get_orderbook("BTC_JPY")
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
        await rest.place_order(
            "BTC_JPY", "SELL", "LIMIT", Decimal("0.01"), price=book.asks[3].price
        )
        await rest.place_order("BTC_JPY", "BUY", "LIMIT", Decimal("0.03"), price=book.bids[5].price)


@pytest.fixture(scope="module")
def frozen_exchange():
    sim = SimThread(host="127.0.0.1", port=0, seed=42, control=True, frozen=True)
    sim.start()
    httpx.post(f"{sim.endpoint}/_sim/limits", json={"ws_commands_per_s": 200}).raise_for_status()
    asyncio.run(_seed_account(sim.endpoint, sim.api_key, sim.api_secret))
    try:
        yield sim
    finally:
        sim.stop()


def frozen_app(sim: SimThread, tmp_path: Path) -> GmoTuiApp:
    return GmoTuiApp(
        Settings(
            endpoint=sim.endpoint,
            symbol="BTC_JPY",
            bell=False,
            ticker_poll_seconds=3600,
            ws_command_interval=FAST_WS_INTERVAL,
        ),
        Credentials(sim.api_key, sim.api_secret),
        mode="DEMO",
        journal_path=str(tmp_path / "journal.sqlite"),
        market_time=lambda: FROZEN_START,
        show_metrics=False,
        # the frozen exchange's clock stands still in the past: adopt its offset anyway
        clock_skew_limit_s=1e12,
    )


async def settled(
    pilot, app: GmoTuiApp, *, watchlist: bool = False, orders: int = 2, positions: int = 1
) -> None:
    """Every pane has its data: book, tape, candles, account tables, streams live (and, when
    the watchlist is on screen, every symbol's 24h change)."""
    await wait_for(
        pilot,
        lambda: app.session.books["BTC_JPY"].snapshots and len(app.session.tapes["BTC_JPY"]),
        "book and tape",
    )
    chart = app.main.query_one("#chart")
    await wait_for(pilot, lambda: chart.candles, "candles")
    await wait_for(pilot, lambda: app.main.change_24h("BTC_JPY") is not None, "24h change")
    if watchlist:
        await wait_for(
            pilot,
            lambda: (
                sum(not r.provisional for r in app.session.watchlist.rows())
                == len(app.session.rules)
            ),
            "24h changes",
        )
        watch = app.main.query_one("#watchlist")
        await wait_for(pilot, lambda: watch.row_count == len(app.session.rules), "watchlist")
    await wait_for(
        pilot,
        lambda: app.session.service is not None and app.session.service.gates.enabled,
        "order entry",
    )
    await wait_for(pilot, lambda: app.main.query_one(OrdersTable).row_count == orders, "orders")
    await wait_for(
        pilot, lambda: app.main.query_one(PositionsTable).row_count == positions, "positions"
    )
    await wait_for(
        pilot,
        lambda: app.main.query_one("#status").streams.get("private") == "LIVE",
        "private live",
    )
    await wait_for(
        pilot, lambda: app.main.query_one("#status").streams.get("public") == "LIVE", "public live"
    )
    await wait_for(pilot, lambda: app.main.query_one("#assets-table").row_count > 0, "assets")
    await wait_for(pilot, lambda: app.main.query_one("#margin-table").row_count > 0, "margin")
    # the seeded fill's one notice is told after its burst's quiet time: wait for it
    await wait_for(pilot, lambda: app.main.fills_seen and not len(app.main.bursts), "fill told")
    app.main.query_one("#status").message = ""
    await clear_toasts(app)
    await still(pilot, app)


async def clear_toasts(app: GmoTuiApp) -> None:
    """Clear every notice said so far. Textual's ``notify`` posts a message to the App: a
    callback queued behind those messages runs once the App has taken them all (a clear made
    before could miss a notice on a loaded machine, and its toast stayed in the picture)."""
    taken = asyncio.Event()
    app.call_later(taken.set)
    await taken.wait()
    app.clear_notifications()


async def still(pilot, app: GmoTuiApp) -> None:
    """No animation in flight and no blinking cursor: the picture is the same every run."""
    for widget in app.screen.query("Input"):
        widget.cursor_blink = False
    await pilot.pause(0.05)
    await pilot.wait_for_scheduled_animations()
    # DataTables size their columns on idle: wait until every one has
    tables = list(app.main.query(DataTable))
    await wait_for(
        pilot, lambda: not any(t._require_update_dimensions for t in tables), "tables sized"
    )
    await pilot.pause(0.05)


def test_main_screen_80x24(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        await settled(pilot, pilot.app)

    assert snap_compare(
        frozen_app(frozen_exchange, tmp_path), terminal_size=(80, 24), run_before=run_before
    )


def test_main_screen_160x48(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        await settled(pilot, pilot.app, watchlist=True)

    assert snap_compare(
        frozen_app(frozen_exchange, tmp_path), terminal_size=(160, 48), run_before=run_before
    )


def test_ticket_and_confirm_dialog(snap_compare, frozen_exchange, tmp_path):
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
        frozen_app(frozen_exchange, tmp_path), terminal_size=(100, 30), run_before=run_before
    )


def test_ticket_inline_validation(snap_compare, frozen_exchange, tmp_path):
    async def run_before(pilot):
        app = pilot.app
        await settled(pilot, app)
        await pilot.press("s")
        await wait_for(
            pilot,
            lambda: app.focused is not None and app.focused.id == "ticket-size",
            "size focused",
        )
        await type_text(pilot, "0.015")  # off the 0.01 size step: the reason shows inline
        await wait_for(
            pilot, lambda: "decimals" in str(app.main.query_one("#ticket-error").render()), "reason"
        )
        await still(pilot, app)

    assert snap_compare(
        frozen_app(frozen_exchange, tmp_path), terminal_size=(80, 24), run_before=run_before
    )


@pytest.mark.parametrize("tab", ACCOUNT_TABS)
def test_account_tab(snap_compare, frozen_exchange, tmp_path, tab):
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
        frozen_app(frozen_exchange, tmp_path), terminal_size=(120, 30), run_before=run_before
    )

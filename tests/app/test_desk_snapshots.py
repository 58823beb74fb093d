"""Issue 14 snapshots: every symbol listed (*) with positions and orders on BTC_JPY and ETH_JPY,
at 80x24, 120x40 and 200x50, against the built-in exchange frozen at seed 42."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.sim.runner import SimThread
from gmo_tui.view_state import ViewState, save_view_state
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import wait_for
from tests.app.test_snapshots import clear_toasts, frozen_app, settled, still


async def _seed_two_symbols(endpoint: str, key: str, secret: str) -> None:
    async with GmoRestClient(endpoint, Credentials(key, secret)) as rest:
        btc = await rest.get_orderbook("BTC_JPY")
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
        await rest.place_order("BTC_JPY", "SELL", "LIMIT", Decimal("0.01"), price=btc.asks[3].price)
        await rest.place_order("BTC_JPY", "BUY", "LIMIT", Decimal("0.03"), price=btc.bids[5].price)
        eth = await rest.get_orderbook("ETH_JPY")
        await rest.place_order("ETH_JPY", "SELL", "MARKET", Decimal("0.1"))
        await rest.place_order("ETH_JPY", "BUY", "LIMIT", Decimal("0.2"), price=eth.bids[4].price)


@pytest.fixture
def two_symbol_exchange():
    """A fresh frozen exchange per picture (a shared one drifts between app runs)."""
    sim = SimThread(host="127.0.0.1", port=0, seed=42, control=True, frozen=True)
    sim.start()
    httpx.post(f"{sim.endpoint}/_sim/limits", json={"ws_commands_per_s": 200}).raise_for_status()
    asyncio.run(_seed_two_symbols(sim.endpoint, sim.api_key, sim.api_secret))
    try:
        yield sim
    finally:
        sim.stop()


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_all_symbols_positions_and_orders(snap_compare, two_symbol_exchange, tmp_path, size):
    save_view_state(ViewState(all_symbols=True))

    async def run_before(pilot):
        app = pilot.app
        # settled() waits for the seeded BTC_JPY account; the ETH_JPY rows come with it
        await wait_for(
            pilot,
            lambda: (
                app.session.service is not None
                and len(app.session.service.tracker.active(None)) == 3
            ),
            "three orders",
        )
        # the wide layout (200x50) shows the watchlist: wait for every symbol's 24h change
        await settled(pilot, app, watchlist=size[0] >= 140, orders=3, positions=2)
        app.main.show_pane("account")
        app.main.account.active = "positions"
        app.main.query_one(PositionsTable).focus()
        await wait_for(pilot, lambda: app.main.query_one(PositionsTable).row_count == 2, "rows")
        await wait_for(pilot, lambda: app.main.query_one(OrdersTable).row_count == 3, "orders")
        # every seeded fill (both symbols) told as its burst notice, then the toasts cleared
        fills = app.session.service.fills
        await wait_for(
            pilot,
            lambda: (
                {f.symbol for f in fills.latest()} == {"BTC_JPY", "ETH_JPY"}
                and app.main.fills_seen == len(fills.latest())
                and not len(app.main.bursts)
            ),
            "every fill told",
        )
        await clear_toasts(app)
        await pilot.pause(0.1)
        await still(pilot, app)

    assert snap_compare(
        frozen_app(two_symbol_exchange, tmp_path), terminal_size=size, run_before=run_before
    )

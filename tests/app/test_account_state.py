"""Issue 10 against the built-in exchange, driving the real app: confirmed actions are sent
(one confirm that already shows the warning), a fill the socket never delivers reaches the
screen, typed-ahead keys never answer a warning, Margin/Assets follow every fill, and a rejected
key or a maintenance is a permanent banner with its reason."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from textual import events

from gmo_tui.app import GmoTuiApp
from gmo_tui.config import Settings
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.messages import BalancesChanged, EntryChanged, TicketSubmitted
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.session.listener import Banner
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.banner_bar import BannerBar
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from tests.app.conftest import FAST_WS_INTERVAL, focus_to, replace_input, wait_for, wait_ready

PRIVATE_CHANNELS = ["executionEvents", "orderEvents", "positionEvents", "positionSummaryEvents"]


def on_tick(app: GmoTuiApp, price: Decimal) -> Decimal:
    tick = app.session.rules[app.session.symbol].tick_size
    return (price / tick).to_integral_value() * tick


async def resting_order(app: GmoTuiApp, rest: Any, pilot: Any) -> int:
    """A BUY LIMIT well under the bid, placed by another client; listed in Orders."""
    book = await rest.get_orderbook("BTC_JPY")
    order_id = await rest.place_order(
        "BTC_JPY", "BUY", "LIMIT", Decimal("0.01"), price=book.bids[-1].price
    )
    table = app.main.query_one(OrdersTable)
    await wait_for(pilot, lambda: str(order_id) in table.keys(), "order listed")
    return order_id


async def test_a_change_far_from_the_touch_is_one_warning_confirm_and_is_sent(sim, make_app, rest):
    """Finding 1 (`e`): the soft finding is in the first and only confirm; `y` sends it."""
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        order_id = await resting_order(app, rest, pilot)
        table = app.main.query_one(OrdersTable)
        await focus_to(pilot, app, "o", table.id or "orders-table")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ValueDialog), "price dialog")
        far = on_tick(app, app.session.books["BTC_JPY"].best_bid * Decimal("0.87"))
        await replace_input(pilot, format(far, "f"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert dialog.findings and dialog.has_class("-warning"), "the warning is in it"
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: any(
                n.startswith(f"Accepted: change order {order_id}") for n in app.main.notices
            ),
            "change accepted",
        )
        assert not isinstance(app.screen, ConfirmScreen), "no second dialog"
        active = await rest.get_active_orders("BTC_JPY")
        assert [o.price for o in active.list if o.order_id == order_id] == [far]
        await app.shutdown()


async def test_a_close_with_a_soft_slippage_finding_is_one_warning_confirm_and_is_sent(
    sim, make_app, rest
):
    """Finding 1 (`x`): the close's slippage finding is known before the dialog."""
    # one position of a size that walks a few levels of the bids: its close has slippage
    book = await rest.get_orderbook("BTC_JPY")
    order_id = await rest.place_order(
        "BTC_JPY", "BUY", "LIMIT", Decimal("0.1"), price=book.bids[-1].price
    )
    await sim.control("fill", {"orderId": order_id})
    # any slippage at all is a soft finding (the hard limit stays at its default)
    app = make_app(sim, safety={"soft_slippage_pct": "0"})
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        table = app.main.query_one(PositionsTable)
        await focus_to(pilot, app, "p", table.id or "positions-table")
        await wait_for(pilot, lambda: table.row_count == 1, "the position listed")
        position_id = int(table.selected_key or 0)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirm")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert any("slippage" in f or "worse" in f for f in dialog.findings), dialog.findings
        await pilot.press("y")
        await wait_for(pilot, lambda: table.row_count == 0, "the position gone")
        assert not isinstance(app.screen, ConfirmScreen), "no second dialog"
        positions = await rest.get_open_positions("BTC_JPY")
        assert position_id not in {p.position_id for p in positions.list}
        await app.shutdown()


async def test_a_fill_the_socket_never_delivers_is_on_screen_within_10_s(sim, make_app, rest):
    """Findings 3 and 4: private channels silent, the order filled at the exchange: the fill
    notice and bell, the order gone, the position shown, all from reconciliation; the silent
    channel shows in the status bar."""
    app = make_app(sim, bell=True)
    bells: list[float] = []
    app.bell = lambda: bells.append(asyncio.get_running_loop().time())  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        order_id = await resting_order(app, rest, pilot)
        await sim.control("silence", {"channels": PRIVATE_CHANNELS})
        loop = asyncio.get_running_loop()
        start = loop.time()
        await sim.control("fill", {"orderId": order_id})
        orders = app.main.query_one(OrdersTable)
        positions = app.main.query_one(PositionsTable)
        await wait_for(
            pilot,
            lambda: (
                any(n.startswith("Fill:") and f"order {order_id}" in n for n in app.main.notices)
                and str(order_id) not in orders.keys()
                and positions.row_count == 1
                and bells
            ),
            "the fill on screen",
            timeout=10,
        )
        elapsed = loop.time() - start
        print(f"socket-silent fill on screen after {elapsed:.1f} s")
        assert elapsed < 10
        # it came from reconciliation (the socket said nothing), noticed like a live fill
        notice = next(n for n in app.main.notices if n.startswith("Fill:"))
        assert "recovered from the exchange" in notice
        bar = app.main.query_one("#status")
        await wait_for(
            pilot,
            lambda: bar.streams.get("private:positionSummaryEvents") == "STALE",
            "the silent channel in the status bar",
            timeout=15,
        )
        await app.shutdown()


async def test_keys_typed_before_a_warning_was_shown_never_answer_it(sim, make_app, rest):
    """Finding 6: Enter, `y` typed ahead (before the dialog was on screen) are dropped; a `y`
    pressed after it is shown sends the order."""
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        ask = app.session.books["BTC_JPY"].best_ask
        assert ask is not None
        # a BUY 1.5 % through the ask: a soft collar finding
        intent = OrderIntent(
            symbol="BTC_JPY",
            side=Side.BUY,
            execution_type=ExecutionType.LIMIT,
            size=Decimal("0.01"),
            price=on_tick(app, ask * Decimal("1.015")),
        )
        typed_ahead = [events.Key("enter", "\r"), events.Key("y", "y"), events.Key("enter", "\r")]
        app.main.post_message(TicketSubmitted(intent))
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the warning")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen) and dialog.findings
        for key in typed_ahead:
            app.post_message(key)
        await pilot.pause(0.5)
        assert app.screen is dialog, "typed-ahead keys did not answer it"
        assert dialog.dropped == 3
        assert (await rest.get_active_orders("BTC_JPY")).list == ()
        assert not any(n.startswith("Accepted") for n in app.main.notices)
        await pilot.press("y")
        await wait_for(
            pilot, lambda: any(n.startswith("Accepted") for n in app.main.notices), "sent"
        )
        await app.shutdown()


async def test_margin_follows_a_fill_at_once_and_names_the_account_value(sim, make_app, rest):
    """Finding 7: a fill right after a balances poll still refreshes Margin/Assets (trailing
    debounce, never skipped); GMO's actualProfitLoss is labelled as the account value."""
    refreshed: list[float] = []
    app = make_app(sim)

    def hook(message: Any) -> None:
        if isinstance(message, BalancesChanged):
            refreshed.append(asyncio.get_running_loop().time())

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await wait_ready(pilot, app)
        panel = app.main.query_one(AccountPanel)
        margin = panel.query_one("#margin-table")
        await wait_for(pilot, lambda: margin.row_count > 0, "margin shown")
        labels = list(margin.keys())
        assert "Account value" in labels and "Actual P&L" not in labels
        in_use = app.session.account.margin.margin
        count = len(refreshed)
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
        loop = asyncio.get_running_loop()
        start = loop.time()
        await wait_for(
            pilot,
            lambda: app.session.account.margin.margin != in_use and len(refreshed) > count,
            "margin after the fill, and the panes told",
            timeout=5,
        )
        assert loop.time() - start < 5
        await app.shutdown()


async def test_a_rejected_key_is_a_permanent_banner_and_disables_the_ticket(sim, tmp_path):
    """Finding 8: a wrong secret: a banner with the reason (not a fading toast) and the
    ticket says why entry is disabled, before any dialog."""
    settings = Settings(endpoint=sim.endpoint, bell=False, ws_command_interval=FAST_WS_INTERVAL)
    creds = Credentials(sim.api_key, "not-the-secret", source="test")
    app = GmoTuiApp(settings, creds, mode="DEMO", journal_path=str(tmp_path / "j.sqlite"))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app, trading=False)
        banner = app.main.query_one(BannerBar)
        await wait_for(pilot, lambda: Banner.AUTH in banner.reasons, "the auth banner")
        assert "rejected" in banner.reasons[Banner.AUTH]
        await pilot.pause(8)  # longer than any toast
        assert Banner.AUTH in banner.reasons and banner.display
        service = app.session.service
        assert service is not None and not service.gates.enabled
        await focus_to(pilot, app, "b", "ticket-size")
        await pilot.press("1", "enter")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        error = str(app.main.query_one("#ticket-error").render())
        assert "disabled" in error and (service.gates.reason or "")[:20] in error
        await app.shutdown()


async def test_maintenance_is_noticed_from_the_socket_and_entry_waits_for_the_book(sim, make_app):
    """Finding 8: with the status poll far away, the refused socket (503) raises the banner at
    once; entry re-opens only once the book stream is live again."""
    app = make_app(sim, status_poll_seconds=120, ticker_poll_seconds=60)
    reopened: list[bool] = []

    def hook(message: Any) -> None:
        if isinstance(message, EntryChanged) and message.enabled:
            reopened.append(app.session.book_live)

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await wait_ready(pilot, app)
        banner = app.main.query_one(BannerBar)
        await sim.control("status", {"status": "MAINTENANCE"})
        loop = asyncio.get_running_loop()
        start = loop.time()
        await wait_for(pilot, lambda: Banner.MAINTENANCE in banner.reasons, "banner", timeout=8)
        assert loop.time() - start < 8
        assert app.session.service is not None and not app.session.service.gates.enabled
        reopened.clear()
        await sim.control("status", {"status": "OPEN"})
        await wait_for(pilot, lambda: Banner.MAINTENANCE not in banner.reasons, "banner gone", 20)
        await wait_for(
            pilot, lambda: app.session.service.gates.enabled and reopened, "entry again", 20
        )
        assert reopened and all(reopened), "entry re-opened only with the book stream live"
        await app.shutdown()


async def test_a_config_error_is_a_banner_and_a_non_default_endpoint_is_in_the_header(sim):
    """Finding 8 (config): an unknown theme is a permanent banner, not a fading toast; the
    header names an endpoint that is not GMO's (outside DEMO, which says so already)."""
    settings = Settings(
        endpoint=sim.endpoint, theme="no-such-theme", ws_command_interval=FAST_WS_INTERVAL
    )
    app = GmoTuiApp(settings, None, mode="LIVE")
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_ready(pilot, app, trading=False)
        banner = app.main.query_one(BannerBar)
        await wait_for(pilot, lambda: Banner.CONFIG in banner.reasons, "the config banner")
        assert "no-such-theme" in banner.reasons[Banner.CONFIG] and banner.display
        assert app.theme == "gmo-dark"
        assert sim.endpoint in str(app.main.header.render())
        await app.shutdown()


async def test_a_start_in_maintenance_brings_every_pane_back_once_open(sim, make_app):
    """Finding 5 on screen: started while the exchange is in maintenance, the app shows the
    banner; once OPEN the tape, chart, watchlist, symbol list and ticket all come back, and
    the status says "Order entry enabled" only with every gate open."""
    await sim.control("status", {"status": "MAINTENANCE"})
    app = make_app(sim, status_poll_seconds=1, ticker_poll_seconds=1)
    async with app.run_test(size=(160, 48)) as pilot:
        main = app.main
        banner = main.query_one(BannerBar)
        await wait_for(pilot, lambda: Banner.MAINTENANCE in banner.reasons, "the banner")
        await pilot.pause(1.0)
        assert "Order entry enabled" not in main.status.message
        await sim.control("status", {"status": "OPEN"})
        await wait_for(
            pilot,
            lambda: (
                len(main.tape.tape or ()) > 0
                and main.chart.candles
                and main.watchlist.row_count == len(app.session.rules) > 0
                and main.ticket.rule is not None
            ),
            "every pane back",
            timeout=20,
        )
        await wait_for(pilot, lambda: app.session.service.gates.enabled, "entry", timeout=20)
        await wait_for(pilot, lambda: "Order entry enabled" in main.status.message, "said")
        assert Banner.MAINTENANCE not in banner.reasons
        await app.shutdown()


async def test_fills_from_before_the_start_are_loaded_not_told_as_news(sim, make_app, rest):
    """A restart after a day of trading: the fills the exchange lists from before the start
    fill the Executions table and today's P&L, without a "Fill:" notice and a bell for every
    order (each was told as a fill "recovered from the exchange"); one after the start is."""
    for _ in range(3):
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    app = make_app(sim, bell=True)
    bells: list[float] = []
    app.bell = lambda: bells.append(1.0)  # type: ignore[method-assign]
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        executions = app.main.query_one(AccountPanel).executions_table
        await wait_for(pilot, lambda: app.main.fills_seen >= 3, "the earlier fills loaded")
        await wait_for(pilot, lambda: executions.row_count >= 3, "in the Executions table")
        await pilot.pause(1.0)  # longer than a burst's quiet time: any notice would be out
        assert not [n for n in app.main.notices if n.startswith("Fill:")] and not bells
        assert app.main.header.net is not None and app.main.header.net.size == Decimal("0.03")
        order_id = await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
        await wait_for(
            pilot,
            lambda: any(f"order {order_id}" in n for n in app.main.notices),
            "the new fill told",
        )
        assert len([n for n in app.main.notices if n.startswith("Fill:")]) == 1 and bells
        await app.shutdown()


async def test_our_order_filled_while_the_app_was_closed_is_told_at_the_start(sim, make_app, rest):
    """The other side of the rule above: an order this app placed, still working when it
    quit, filled meanwhile: the next start tells that fill (recovered), and only that one."""
    first = make_app(sim)
    async with first.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, first)
        service = first.session.service
        assert service is not None
        bid = first.session.books["BTC_JPY"].best_bid
        assert bid is not None
        price = on_tick(first, bid * Decimal("0.98"))  # well under the market: it rests
        placed = await service.submit(
            OrderIntent("BTC_JPY", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)
        )
        assert placed.order_id is not None
        await first.shutdown()
    await sim.control("fill", {"orderId": placed.order_id})
    other = await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))  # not ours
    again = make_app(sim)
    async with again.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, again)
        await wait_for(pilot, lambda: again.main.fills_seen >= 2, "both fills loaded")
        await wait_for(
            pilot,
            lambda: any(f"order {placed.order_id}" in n for n in again.main.notices),
            "our order's fill told",
        )
        await pilot.pause(1.0)
        told = [n for n in again.main.notices if n.startswith("Fill:")]
        assert len(told) == 1 and "recovered from the exchange" in told[0]
        assert not any(f"order {other}" in n for n in again.main.notices)
        await again.shutdown()

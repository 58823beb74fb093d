"""Trading from the ladder against the built-in exchange (issue 13): the cursor's keys (b / s /
t / c / m / Enter), the size presets 1-5, the market hotkeys B / S / F / R and ``[confirm]``."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.sizing import default_presets
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.widgets.order_book import OrderBookLadder
from tests.app.conftest import wait_for, wait_ready
from tests.app.test_position_flows import confirm_until


async def open_book(pilot, app) -> OrderBookLadder:
    ladder = app.main.query_one(OrderBookLadder)
    await pilot.press("v")
    await wait_for(pilot, lambda: app.focused is ladder, "ladder focused")
    await wait_for(
        pilot, lambda: sum(r[0] == "bid" for r in ladder._rows) >= 6, "bid levels on the ladder"
    )
    return ladder


async def cursor_to_bid(pilot, ladder: OrderBookLadder, depth: int) -> Decimal:
    """From no cursor: ``down`` to the best bid, then ``depth`` more levels down."""
    await pilot.press(*["down"] * (depth + 1))
    price = ladder.cursor_price
    assert price is not None
    # a bid level (the book may have moved since the keys: the cursor keeps its price)
    assert ladder.cursor_side() is Side.BUY
    return price


async def active_orders(rest, symbol: str = "BTC_JPY"):
    return list((await rest.get_active_orders(symbol)).list)


async def resting(pilot, rest, count: int = 1, symbol: str = "BTC_JPY"):
    """The exchange's active orders once there are ``count`` (the app's reply may come first)."""
    for _ in range(100):
        orders = await active_orders(rest, symbol)
        if len(orders) == count:
            return orders
        await pilot.pause(0.05)
    raise AssertionError(f"the exchange never held {count} orders: {orders}")


async def test_b_at_a_level_three_below_the_touch_then_c_cancels_it(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        ladder = await open_book(pilot, app)
        size = default_presets(app.session.rules["BTC_JPY"])[0]
        price = await cursor_to_bid(pilot, ladder, 3)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "one confirm")
        await pilot.press("y")
        service = app.session.service
        await wait_for(pilot, lambda: service.tracker.active("BTC_JPY"), "order tracked")
        (order,) = await resting(pilot, rest)
        assert (order.side, order.execution_type) == (Side.BUY, ExecutionType.LIMIT)
        assert (order.price, order.size) == (price, size)
        assert order.time_in_force.value == "FAS"
        # the cursor stayed on its price while the book moved; the order is marked there
        await wait_for(
            pilot,
            lambda: any(r[0] == "bid" and r[1] == price and r[5] for r in ladder._rows),
            "own order marked",
        )
        assert ladder.cursor_price == price

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "cancel confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: not service.tracker.active("BTC_JPY"), "order cancelled")
        assert await active_orders(rest) == []


async def test_cursor_keeps_its_price_and_recentres_when_off_screen(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        ladder = await open_book(pilot, app)
        price = await cursor_to_bid(pilot, ladder, 2)
        book = app.session.books["BTC_JPY"]
        seen = book.snapshots
        await wait_for(pilot, lambda: book.snapshots >= seen + 3, "the book moves")
        assert ladder.cursor_price == price
        row = ladder._cursor_row()
        assert row is None or ladder._rows[row][1] == price
        # a price far off screen: the next key re-centres on the touch
        ladder._cursor = price - 10**9
        await pilot.press("up")
        assert ladder.cursor_price == [r[1] for r in ladder._rows if r[0] == "ask"][-1]


async def test_size_presets_set_the_ticket_and_status_and_b_uses_them(sim, make_app, rest):
    app = make_app(sim, sizes={"BTC_JPY": ["0.01", "0.03"]})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        ladder = await open_book(pilot, app)
        ticket_size = app.main.query_one("#ticket-size")
        await wait_for(pilot, lambda: ticket_size.value == "0.01", "preset 1 in the ticket")
        await pilot.press("2")
        assert app.session.sizes.active("BTC_JPY") == Decimal("0.03")
        assert ticket_size.value == "0.03"
        assert "size 0.03 [2]" in app.main.status.size_text
        await pilot.press("3")  # not configured: the default (5 x the minimum)
        rule = app.session.rules["BTC_JPY"]
        assert ticket_size.value == format(default_presets(rule)[2], "f")
        await pilot.press("2")
        price = await cursor_to_bid(pilot, ladder, 4)
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        service = app.session.service
        await wait_for(pilot, lambda: service.tracker.active("BTC_JPY"), "order tracked")
        (order,) = await resting(pilot, rest)
        assert (order.price, order.size) == (price, Decimal("0.03"))


async def test_enter_joins_the_level_and_m_moves_the_nearest_order(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        ladder = await open_book(pilot, app)
        price = await cursor_to_bid(pilot, ladder, 2)
        await pilot.press("enter")  # a bid level: a BUY at it (joins, never crosses)
        ticket = app.main.ticket
        await wait_for(pilot, lambda: ticket.side is Side.BUY, "ticket BUY")
        assert Decimal(app.main.query_one("#ticket-price").value.replace(",", "")) == price
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is ladder, "back on the ladder")
        await pilot.press("b")
        await confirm_until(
            pilot, app, lambda: app.session.service.tracker.active("BTC_JPY"), "order placed"
        )
        (order,) = await resting(pilot, rest)
        await pilot.press("down", "down")
        target = ladder.cursor_price
        assert target is not None and target < price
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "move confirm")
        await pilot.press("y")

        async def moved() -> bool:
            return [o.price for o in await active_orders(rest)] == [target]

        tracker = app.session.service.tracker
        await wait_for(pilot, lambda: tracker.get(order.order_id).price == target, "moved")
        assert await moved()


async def test_t_places_a_stop_beyond_the_touch_and_refuses_at_it(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        ladder = await open_book(pilot, app)
        await pilot.press("up")  # the best ask: not above it, refused with the reason
        assert ladder.cursor_price == app.session.books["BTC_JPY"].best_ask or True
        at_touch = ladder.cursor_price
        book = app.session.books["BTC_JPY"]
        if at_touch is not None and book.best_ask is not None and at_touch <= book.best_ask:
            await pilot.press("t")
            await wait_for(
                pilot, lambda: any("No STOP" in n for n in app.main.notices), "refusal said"
            )
            assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("up", "up", "up")
        price = ladder.cursor_price
        assert price is not None and price > book.best_ask
        await pilot.press("t")
        await confirm_until(
            pilot, app, lambda: app.session.service.tracker.active("BTC_JPY"), "stop placed"
        )
        (order,) = await resting(pilot, rest)
        assert (order.side, order.execution_type, order.price) == (
            Side.BUY,
            ExecutionType.STOP,
            price,
        )


async def test_shift_b_sends_one_market_buy_and_r_reverses_and_f_flattens(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        await open_book(pilot, app)
        size = app.session.sizes.active("BTC_JPY")
        positions = app.session.service.positions
        await pilot.press("B")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "market confirm")
        assert any(label == "Slippage" for label, _ in app.screen.lines)
        await confirm_until(pilot, app, lambda: positions.all("BTC_JPY"), "long position")
        (position,) = (await rest.get_open_positions("BTC_JPY")).list
        assert (position.side, position.size) == (Side.BUY, size)

        # R: close the long and open a short of the same size
        await pilot.press("R")
        await confirm_until(
            pilot,
            app,
            lambda: [p.side for p in positions.all("BTC_JPY")] == [Side.SELL],
            "reversed",
        )
        (short,) = (await rest.get_open_positions("BTC_JPY")).list
        assert (short.side, short.size) == (Side.SELL, size)

        # a resting order too, then F: cancel it and close the short
        ladder = app.main.query_one(OrderBookLadder)
        ladder._cursor = None
        await pilot.press("down", "down", "down", "b")
        tracker = app.session.service.tracker
        await confirm_until(
            pilot, app, lambda: tracker.active("BTC_JPY", include_in_flight=False), "resting order"
        )
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")
        await pilot.press("F")
        await confirm_until(
            pilot,
            app,
            lambda: (
                not positions.all("BTC_JPY") and not app.session.service.tracker.active("BTC_JPY")
            ),
            "flat",
        )
        assert not (await rest.get_open_positions("BTC_JPY")).list
        assert await active_orders(rest) == []


async def test_flatten_on_spot_only_cancels_and_says_so(sim, make_app, rest):
    app = make_app(sim, symbol="BTC")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        await open_book(pilot, app)
        await pilot.press("down", "down", "down", "b")
        tracker = app.session.service.tracker
        await confirm_until(
            pilot, app, lambda: tracker.active("BTC", include_in_flight=False), "resting order"
        )
        # the order's confirm has gone: F goes to the main screen, not to a closing dialog
        await wait_for(pilot, lambda: app.screen is app.main, "back on the main screen")
        await pilot.press("F")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "flatten confirm")
        assert any(label == "Spot" for label, _ in app.screen.lines)
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.session.service.tracker.active("BTC"), "cancelled")
        assert await active_orders(rest, "BTC") == []


async def test_confirm_off_below_a_notional_for_ladder_limits(sim, make_app, rest):
    app = make_app(sim, confirm={"ladder_limit_below": "1000000000"})
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        ladder = await open_book(pilot, app)
        price = await cursor_to_bid(pilot, ladder, 3)
        await pilot.press("b")
        service = app.session.service
        await wait_for(pilot, lambda: service.tracker.active("BTC_JPY"), "sent without dialog")
        assert not isinstance(app.screen, ConfirmScreen)
        assert [o.price for o in await resting(pilot, rest)] == [price]
        # cancels still ask: only ladder limits were turned off
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "cancel confirm")
        await pilot.press("n")
        # far beyond the soft collar: the warning's dialog shows anyway
        ladder._cursor = price - price // 2
        ladder._cursor -= ladder._cursor % app.session.rules["BTC_JPY"].tick_size
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "warning shown")
        assert app.screen.findings
        await pilot.press("n")


async def test_m_moves_the_order_selected_in_the_orders_table_not_the_nearest(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        ladder = await open_book(pilot, app)
        tracker = app.session.service.tracker
        await cursor_to_bid(pilot, ladder, 2)
        await pilot.press("b")
        await confirm_until(pilot, app, lambda: len(tracker.active("BTC_JPY")) == 1, "first")
        await pilot.press("down", "down", "down")
        await pilot.press("b")
        await confirm_until(pilot, app, lambda: len(tracker.active("BTC_JPY")) == 2, "second")
        placed = await resting(pilot, rest, 2)
        far, near = sorted(placed, key=lambda o: o.price, reverse=True)  # near: the lower one
        # select the farther order (the higher one) in the Orders table
        await pilot.press("o")
        table = app.main.orders
        await wait_for(pilot, lambda: app.focused is table, "orders focused")
        await wait_for(pilot, lambda: table.row_count == 2, "both orders in the table")
        row = table.get_row_index(str(far.order_id))
        other = 1 - row
        await pilot.press("down" if other > row else "up")  # on the other row, then back
        await pilot.press("up" if other > row else "down")
        assert table.selected_order_id() == far.order_id
        # back on the ladder, two levels below the nearer order: it is the nearest by far
        await pilot.press("v")
        await wait_for(pilot, lambda: app.focused is ladder, "ladder focused")
        await pilot.press("down", "down")
        target = ladder.cursor_price
        assert target is not None and target < near.price < far.price
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "move confirm")
        assert app.screen.title_text == f"Move order {far.order_id}?"
        assert ("Chosen", "selected in Orders") in app.screen.lines
        await pilot.press("y")
        await wait_for(pilot, lambda: tracker.get(far.order_id).price == target, "far moved")
        on_exchange = {o.order_id: o.price for o in await active_orders(rest)}
        assert on_exchange == {far.order_id: target, near.order_id: near.price}


async def test_with_the_book_focused_a_shows_the_account_and_bang_sets_an_alert(sim, make_app):
    """The ladder's alert key is ``!``: ``a`` (the Account pane) stays reachable from the book,
    and both work without leaving it."""
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        ladder = await open_book(pilot, app)
        assert app.main.active_pane != "account"
        await pilot.press("a")
        await wait_for(pilot, lambda: app.main.active_pane == "account", "the Account pane")
        assert app.focused is ladder and app.session.alerts.engine.alerts == []
        await pilot.press("up", "up", "exclamation_mark")
        (alert,) = await wait_for(pilot, lambda: app.session.alerts.engine.alerts, "alert set")
        assert alert.symbol == "BTC_JPY" and alert.level is not None
        assert app.focused is ladder and app.main.active_pane == "account"

"""The panes render the app's headless models: the chart draws the app's CandleSeries (fed by
the trades worker), the watchlist renders rows of the app's Watchlist model, the positions pane
shows the app's Positions model (shared with the trading service) marked against a sane book, the
account tabs read the Account model (the confirm dialog's fee uses its tier rate); the ticket
offers SOK only where the exchange takes it."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, KlineInterval, Side
from gmo_tui.exchange.models import Asset, TradingVolume, VolumeLimit
from gmo_tui.market.candles import CandleSeries
from gmo_tui.market.formatting import decimals_of, fmt
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.rules import SOK_MARGIN_SYMBOLS, allows_sok
from gmo_tui.messages import HistoryRequested, HistoryUpdated
from gmo_tui.session.loads import history_assets
from gmo_tui.sim.symbols import SOK_MARGIN_SYMBOLS as SIM_SOK_MARGIN_SYMBOLS
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.cycler import Cycler
from gmo_tui.widgets.order_ticket import OrderTicket
from gmo_tui.widgets.positions_table import PositionsTable
from gmo_tui.widgets.watchlist import Watchlist as WatchlistPane
from gmo_tui.widgets.watchlist import sparkline
from tests.app.conftest import wait_for, wait_ready


async def test_chart_draws_the_apps_series_fed_by_trades(sim, make_app):
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await pilot.press("g")
        chart = app.main.query_one(CandleChart)
        await wait_for(
            pilot, lambda: chart.series is app.session.candles and chart.candles, "candles"
        )
        series = app.session.candles
        assert isinstance(series, CandleSeries)
        assert (series.symbol, series.interval) == ("BTC_JPY", KlineInterval.MIN1)

        # live trades go into the series; the chart repaints to the new version (throttled)
        tape = app.session.tapes["BTC_JPY"]
        before_trades, before_version = tape.appended, series.version
        await sim.control("clock", {"advance": 90})
        await wait_for(pilot, lambda: tape.appended > before_trades, "live trades")
        await wait_for(pilot, lambda: series.version > before_version, "series fed")
        await wait_for(pilot, lambda: chart._drawn_version == series.version, "chart repainted")
        last_trade = tape.last
        assert series.last is not None and series.last.close == last_trade.price
        assert chart.candles[-1].close == last_trade.price
        # the widget has no copy: the candles are the series' own objects
        assert chart.candles[-1] is series.last

        # a new interval: a new series, loaded from klines; the old one is fed no more
        await pilot.press("full_stop")
        await wait_for(
            pilot, lambda: app.session.candles.interval is KlineInterval.MIN5, "5min series"
        )
        await wait_for(
            pilot, lambda: chart.series is app.session.candles and chart.candles, "5min drawn"
        )
        assert app.session.candles is not series
        old_version = series.version
        await sim.control("clock", {"advance": 90})
        fresh = app.session.candles
        fresh_version = fresh.version
        await wait_for(pilot, lambda: fresh.version > fresh_version, "5min series fed")
        assert series.version == old_version
        opens = [c.open_ms for c in fresh.candles]
        assert opens == sorted(opens) and all(o % 300_000 == 0 for o in opens)


async def test_watchlist_renders_the_apps_watchlist_model(sim, make_app):
    app = make_app(sim, credentials=False, ticker_poll_seconds=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await pilot.press("w")
        table = app.main.query_one(WatchlistPane)
        await wait_for(
            pilot, lambda: table.row_count == len(app.session.rules), "every symbol listed"
        )
        await wait_for(
            pilot, lambda: app.main.change_24h("BTC_JPY") is not None, "BTC 24h reference"
        )
        places = decimals_of(app.session.rules["BTC_JPY"].tick_size)

        def shown(symbol: str) -> tuple[str, str, str]:
            cells = [table.get_cell(symbol, c) for c in ("last", "change", "spark")]
            return tuple(str(getattr(c, "plain", c)) for c in cells)  # type: ignore[return-value]

        def expected(symbol: str) -> tuple[str, str, str]:
            row = app.session.watchlist.row(symbol)
            change = "" if row.provisional else f"{fmt(row.change_pct, 2, sign=True)}%"
            return (fmt(row.last, places), change, sparkline(row.sparkline))

        await wait_for(pilot, lambda: shown("BTC_JPY") == expected("BTC_JPY"), "row from model")
        row = app.session.watchlist.row("BTC_JPY")
        assert not row.provisional and row.reference is not None and row.last is not None
        assert shown("BTC_JPY")[1] != ""  # the change column shows the model's change

        # the market moves: polls update the model, the pane follows by cell updates only
        first_last, updates = row.last, table.cell_updates
        await sim.control("clock", {"advance": 600})
        await wait_for(pilot, lambda: row.last != first_last, "BTC moved in the model")
        await wait_for(pilot, lambda: shown("BTC_JPY") == expected("BTC_JPY"), "pane follows")
        assert table.cell_updates > updates
        assert len(row.sparkline) >= 1 and row.sparkline[-1] == row.last


async def test_positions_pane_and_service_share_one_positions_model(sim, make_app, rest):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        assert app.session.service.positions is app.session.service.positions
        before = len((await rest.get_open_positions("BTC_JPY")).list)
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
        await wait_for(
            pilot,
            lambda: len(app.session.service.positions.all("BTC_JPY")) == before + 1,
            "the new position in the model (positionEvents / REST)",
        )
        table = app.main.query_one(PositionsTable)
        await pilot.press("p")
        book = app.session.books["BTC_JPY"]

        def pnl_cells() -> dict[int, str]:
            return {
                p.position_id: table.get_cell(str(p.position_id), "pnl").plain
                for p in app.session.service.positions.all("BTC_JPY")
                if str(p.position_id) in table.keys()
            }

        def expected() -> dict[int, str]:
            out = {}
            for p in app.session.service.positions.all("BTC_JPY"):
                pnl = app.session.service.positions.unrealised(p, book)
                out[p.position_id] = "-" if pnl is None else fmt(pnl, 0, sign=True)
            return out

        await wait_for(pilot, lambda: pnl_cells() == expected() != {}, "P&L marked from model")
        ref = book.reference()
        assert ref is not None
        first = app.session.service.positions.all("BTC_JPY")[0]
        # a BUY position is marked at the best bid
        assert (
            app.session.service.positions.unrealised(first, book)
            == (ref.bid - first.price) * first.size
        )
        assert set(table.keys()) == {
            str(p.position_id) for p in app.session.service.positions.all("BTC_JPY")
        }


def test_history_assets_are_held_ones_and_the_base_bounded():
    def asset(symbol: str, amount: str) -> Asset:
        return Asset(
            symbol=symbol,
            amount=Decimal(amount),
            available=Decimal(amount),
            conversion_rate=Decimal(1),
        )

    rules = ["BTC", "ETH", "XRP", "LTC", "BTC_JPY", "ETH_JPY", "A", "B", "C", "D", "E", "F"]
    held = [asset("JPY", "1000"), asset("XRP", "5"), asset("ETH", "0"), asset("LTC", "0.1")]
    assert history_assets(held, "BTC_JPY", rules, 8) == (["BTC", "XRP", "LTC"], 0)
    # the base of a spot symbol is the symbol itself; no duplicates
    assert history_assets([asset("BTC", "1")], "BTC", rules, 8) == (["BTC"], 0)
    many = [asset(s, "1") for s in ("A", "B", "C", "D", "E", "F", "XRP", "LTC", "ETH")]
    fetched, skipped = history_assets(many, "BTC_JPY", rules, 8)
    assert fetched == ["BTC", "A", "B", "C", "D", "E", "F", "XRP"] and skipped == 2
    # an asset that is no spot symbol is not asked for (the exchange would refuse it)
    assert history_assets([asset("ZZZ", "1")], "BTC_JPY", rules, 8) == (["BTC"], 0)


async def test_history_fetches_held_assets_into_the_account_model(sim, make_app):
    app = make_app(sim)
    loaded: list[HistoryUpdated] = []

    def hook(message):
        if isinstance(message, HistoryUpdated) and message.progress.done:
            loaded.append(message)

    async with app.run_test(size=(160, 48), message_hook=hook) as pilot:
        await wait_ready(pilot, app)
        await wait_for(pilot, lambda: app.session.account.assets, "assets in the account model")
        held = {a.symbol for a in app.session.account.assets if a.amount and a.symbol != "JPY"}
        state = await sim.control("state", {})
        now = datetime.fromisoformat(state["now"].replace("Z", "+00:00"))
        app.main.post_message(HistoryRequested(now - timedelta(hours=1), now))
        await wait_for(pilot, lambda: loaded, "history loaded")
        done = loaded[0].progress
        assert set(done.assets) == ({"BTC"} | held) and "BTC" in done.assets
        crypto = {e.symbol for e in done.rows if e.kind in ("deposit", "withdrawal")}
        # the exchange has recent crypto transfers for BTC (and each held asset it seeds)
        assert "BTC" in crypto and crypto <= set(done.assets)
        assert list(done.rows) == [
            e
            for e in app.session.account.history()
            if now - timedelta(hours=1) <= e.timestamp < now
        ]
        status = str(app.main.query_one("#history-status").render())
        assert "BTC" in status and "at most 8" in status


def test_sok_only_where_the_exchange_takes_it():
    assert allows_sok("BTC") and allows_sok("XRP")  # every spot symbol
    assert allows_sok("BTC_JPY") and allows_sok("SOL_JPY")
    assert not allows_sok("XRP_JPY") and not allows_sok("ETH_JPY")
    assert SOK_MARGIN_SYMBOLS == SIM_SOK_MARGIN_SYMBOLS  # the built-in exchange agrees


async def test_ticket_offers_sok_only_where_allowed(sim, make_app):
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app, trading=False)
        tif = app.main.query_one("#ticket-tif", Cycler)
        await wait_for(pilot, lambda: "SOK" in tif.options, "SOK on BTC_JPY")
        tif.value = "SOK"
        app.main.switch_symbol("XRP_JPY")
        await wait_for(pilot, lambda: app.main.query_one(OrderTicket).symbol == "XRP_JPY", "XRP")
        assert "SOK" not in tif.options and tif.value != "SOK"
        assert {"FAS", "FAK", "FOK"} <= set(tif.options)
        app.main.switch_symbol("XRP")
        await wait_for(pilot, lambda: "SOK" in tif.options, "SOK on spot XRP")


async def test_confirm_fee_uses_the_accounts_tier_rate(sim, make_app):
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        intent = OrderIntent(
            symbol="BTC_JPY",
            side=Side.BUY,
            execution_type=ExecutionType.LIMIT,
            size=Decimal("0.1"),
            price=Decimal("10000000"),
        )
        rule_fee = app.session.rules["BTC_JPY"].taker_fee
        lines = dict(app.main.flows.describe_intent(intent))
        assert lines["Fee (taker)"] == f"≤ {fmt(Decimal('1000000') * rule_fee, 0)} JPY"
        tier_fee = Decimal("0.0007")
        assert tier_fee != rule_fee
        app.session.account.set_volume(
            TradingVolume(
                jpy_volume=Decimal(0),
                tier_level=2,
                limit=(VolumeLimit(symbol="BTC_JPY", taker_fee=tier_fee, maker_fee=Decimal(0)),),
            )
        )
        assert dict(app.main.flows.describe_intent(intent))["Fee (taker)"] == "≤ 700 JPY"

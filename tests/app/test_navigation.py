"""Symbol switching (command palette and `/`), chart interval keys, and the app without an
API key: public panes live, private panes explain how to add one."""

from __future__ import annotations

from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.messages import BookUpdated, KlinesLoaded, TradesArrived
from gmo_tui.screens.help import HelpScreen
from gmo_tui.screens.symbol_search import SymbolSearch
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.chart import CandleChart
from gmo_tui.widgets.order_book import OrderBookLadder
from tests.app.conftest import type_text, wait_for, wait_ready


def subscribed(app) -> set[tuple[str, str | None]]:
    return {(s.channel, s.symbol) for s in app.session.public.subscriptions}


async def test_symbol_switch_by_search_and_palette_and_interval_keys(sim, make_app):
    app = make_app(sim, credentials=False)
    seen: list[object] = []

    def hook(message):
        if isinstance(message, BookUpdated | KlinesLoaded):
            seen.append(message)

    async with app.run_test(size=(120, 36), message_hook=hook) as pilot:
        await wait_ready(pilot, app, trading=False)
        await wait_for(
            pilot, lambda: ("orderbooks", "BTC_JPY") in subscribed(app), "BTC_JPY subscribed"
        )

        # `/`: search, type, Enter
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SymbolSearch), "symbol search")
        await type_text(pilot, "eth_j")
        # what was typed is on screen (the focused field drew a border over its one line)
        search = app.screen.query_one("#search-input")
        assert search.content_region.height == 1 and "eth_j" in search.render_line(0).text
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.session.symbol == "ETH_JPY", "switched to ETH_JPY")
        await wait_for(
            pilot,
            lambda: (
                ("orderbooks", "ETH_JPY") in subscribed(app)
                and ("trades", "ETH_JPY") in subscribed(app)
            ),
            "ETH_JPY subscribed",
            timeout=10,
        )
        assert not any(sym == "BTC_JPY" for _, sym in subscribed(app)), "old symbol unsubscribed"
        await wait_for(
            pilot,
            lambda: any(isinstance(m, BookUpdated) and m.symbol == "ETH_JPY" for m in seen),
            "ETH book",
        )
        ladder = app.main.query_one(OrderBookLadder)
        assert ladder._book is app.session.books["ETH_JPY"]

        # ctrl+p: the palette's symbol provider
        await _palette(pilot, app, "Symbol: XRP_JPY", "XRP_JPY")
        await wait_for(pilot, lambda: app.session.symbol == "XRP_JPY", "switched to XRP_JPY")
        assert app.main.query_one("#header").symbol == "XRP_JPY"

        # `.` / `,`: candle interval, klines reloaded for the new interval
        chart = app.main.query_one(CandleChart)
        await wait_for(pilot, lambda: chart.symbol == "XRP_JPY" and chart.candles, "XRP candles")
        await pilot.press("full_stop")
        await wait_for(
            pilot,
            lambda: any(
                isinstance(m, KlinesLoaded)
                and m.interval is KlineInterval.MIN5
                and m.symbol == "XRP_JPY"
                for m in seen
            ),
            "5min klines",
        )
        assert app.session.interval is KlineInterval.MIN5 and chart.interval is KlineInterval.MIN5
        await pilot.press("comma")
        await wait_for(pilot, lambda: chart.interval is KlineInterval.MIN1, "back to 1min")
        await app.shutdown()


async def test_without_credentials_private_panes_say_how(sim, make_app):
    app = make_app(sim, credentials=False, keymap={"ticket.buy": "B"}, theme="gmo-blue-orange")
    trades: list[TradesArrived] = []
    async with app.run_test(
        size=(80, 24),
        message_hook=lambda m: trades.append(m) if isinstance(m, TradesArrived) else None,
    ) as pilot:
        await wait_ready(pilot, app, trading=False)
        notes = [str(n.render()) for n in app.main.query_one(AccountPanel).query(".no-key")]
        assert notes and all("GMO_API_KEY" in n for n in notes)
        assert (
            app.session.service is None and "private" not in app.main.query_one("#status").streams
        )
        await wait_for(pilot, lambda: trades, "a trade on the tape")
        assert app.theme == "gmo-blue-orange" and app.theme_variables["bid"] == "#56b4e9"
        # the keymap moved "Buy" to B; the ticket opens but says why it cannot send
        await pilot.press("B")
        await wait_for(
            pilot,
            lambda: app.focused is not None and app.focused.id == "ticket-size",
            "ticket via B",
        )
        await wait_for(
            pilot,
            lambda: "API key" in str(app.main.query_one("#ticket-error").render()),
            "no-key reason",
        )
        app.main.action_focus_book()
        # ? lists every key with its id for the keymap
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        for binding_id in (
            "ticket.buy",
            "orders.cancel",
            "positions.close",
            "book.coarser",
            "chart.longer",
        ):
            assert binding_id in text
        await pilot.press("escape")
        # the palette switches themes
        await _palette(pilot, app, "Theme: gmo-light", "gmo-light")
        await wait_for(pilot, lambda: app.theme == "gmo-light", "theme switched")
        await app.shutdown()


async def _palette(pilot, app, text: str, hit: str) -> None:
    """ctrl+p, type ``text``, wait until the first hit shows ``hit``, run it with Enter (from
    the main screen: the commands are the main screen's, and a dialog closed by the key before
    may not have gone yet on a loaded machine)."""
    await wait_for(pilot, lambda: app.screen is app.main, "the main screen")
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CommandPalette", "palette")
    await type_text(pilot, text)
    try:
        await wait_for(pilot, lambda: hit in _first_hit(app), f"palette hit {hit}")
    except AssertionError as e:
        typed = [str(i.value) for i in app.screen.query("Input")]
        raise AssertionError(f"{e}: {_hits(app)} typed {typed}") from None
    await pilot.press("enter")


def _hits(app) -> list[str]:
    lists = app.screen.query("CommandList")
    if not lists:
        return []
    options = lists.first()
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def _first_hit(app) -> str:
    lists = app.screen.query("CommandList")
    if not lists or not lists.first().option_count:
        return ""
    return str(lists.first().get_option_at_index(0).prompt)

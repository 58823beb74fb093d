"""Issue 14's number audit: every screen of a session with fills on two symbols shows prices,
sizes and JPY amounts in one format (grouped thousands, the symbol's decimals): no ``.0``
strays (``14,997,000.0``, ``Slippage 0.0``) and no ungrouped figures (``15033000``)."""

from __future__ import annotations

import re
from decimal import Decimal

from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.view_state import ViewState, save_view_state
from gmo_tui.widgets.account_panel import TABS
from gmo_tui.widgets.keyed_table import KeyedTable
from tests.app.conftest import wait_for, wait_ready

STRAY = re.compile(r"\d\.0\b(?!\.)")
"""A price or amount ending in a bare ``.0`` (the symbol's decimals say 0 places)."""
UNGROUPED = re.compile(r"(?<![\d,.])\d{4,}(?![\d,])")
"""Four digits or more without a thousands comma (ids, dates and times are taken out first)."""
NOT_AMOUNTS = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}(:\d{2})?|\d{4}/\d{2}/\d{2}")


def screen_text(app) -> str:
    """The screen as the terminal shows it, dialogs included."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return "\n".join(
        "".join(segment.text for strip in line for segment in strip) for line in update.strips
    )


def strays(text: str, ids: set[str]) -> list[str]:
    for known in sorted(ids, key=len, reverse=True):
        text = text.replace(known, "<id>")
    text = NOT_AMOUNTS.sub("<time>", text)
    found = [text[max(0, m.start() - 25) : m.end() + 5] for m in STRAY.finditer(text)]
    # an id cut at the pane's edge is still an id
    found += [
        m.group(0)
        for m in UNGROUPED.finditer(text)
        if not any(known.startswith(m.group(0)) for known in ids)
    ]
    return found


async def test_every_screen_one_number_format(sim, make_app, rest):
    save_view_state(ViewState(all_symbols=True))
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.05"))
    await rest.place_order("ETH_JPY", "SELL", "MARKET", Decimal("0.3"))
    btc = await rest.get_orderbook("BTC_JPY")
    await rest.place_order("BTC_JPY", "SELL", "LIMIT", Decimal("0.01"), price=btc.asks[3].price)
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        service = app.session.service
        held = lambda: {p.symbol for p in service.positions.all(None)}  # noqa: E731
        await wait_for(pilot, lambda: held() == {"BTC_JPY", "ETH_JPY"}, "two symbols held")
        count = len(service.positions.all(None))
        await wait_for(pilot, lambda: app.main.positions.row_count == count, "all listed")
        await wait_for(pilot, lambda: len(service.fills.latest(symbol=None)) >= 2, "fills")

        def ids() -> set[str]:
            out = {str(o.order_id) for o in service.tracker.orders(None) if o.order_id}
            out |= {str(p.position_id) for p in service.positions.all(None)}
            for fill in service.fills.latest(symbol=None):
                out |= {str(fill.execution_id), str(fill.order_id)}
            return out

        seen: dict[str, list[str]] = {}

        def look(where: str) -> None:
            text = screen_text(app)
            if app.screen is app.main:  # grouped thousands: prices are on screen
                assert re.search(r"\d,\d{3}", text), where
            if found := strays(text, ids()):
                seen[where] = found

        look("main")
        for tab in (*TABS[1:], TABS[0]):
            await pilot.press("greater_than_sign")
            await wait_for(pilot, lambda t=tab: app.main.account.active == t, tab)
            await pilot.pause()
            look(f"account {tab}")
        # the ticket's estimate: the fee rate as GMO states it (0.05%, 0%: not 0.000%)
        await pilot.press("b")
        await wait_for(
            pilot, lambda: app.focused is not None and app.focused.id == "ticket-size", "ticket"
        )
        await pilot.pause()
        look("ticket")
        rates = re.findall(r"(?:maker|taker) (-?[\d.]+)%", screen_text(app))
        assert rates and not [r for r in rates if re.search(r"\.\d*0$", r)], rates
        await pilot.press("escape")
        # the MARKET confirm: estimated average and slippage
        app.main.ladder.focus()
        await pilot.press("B")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "MARKET confirm")
        await pilot.pause()
        look("market confirm")
        lines = dict(app.screen.lines)
        for key in ("Est. average", "Slippage"):
            if found := strays(lines[key], set()):
                seen[key] = found
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is app.main, "back")
        # the ticket and the close-all dialog
        await pilot.press("p")
        await wait_for(pilot, lambda: app.main.positions.has_focus, "positions")
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "close-all")
        look("close-all dialog")
        await pilot.press("n")
        # the fee table: rates as GMO states them (0.05%, not 0.0500%), limits grouped
        fees = app.main.query_one("#fees-table", KeyedTable)
        for key in fees.keys():
            for column in ("taker", "maker"):
                rate = str(fees.get_cell(key, column))
                assert not re.search(r"\.\d*0%$", rate), (key, rate)
            if found := strays(str(fees.get_cell(key, "limit")), set()):
                seen[f"fee limit {key}"] = found
        notices = "\n".join(app.main.notices)
        if found := strays(notices, ids()):
            seen["notices"] = found
        for where, found in seen.items():
            print(where, found)
        assert not seen, seen
        await app.shutdown()


def test_fine_and_grouped_formats():
    from gmo_tui.market.formatting import fmt_fine, fmt_grouped

    assert fmt_fine(Decimal("14997000.0"), 0) == "14,997,000"
    assert fmt_fine(Decimal("14995102.5"), 0) == "14,995,102.5"
    assert fmt_fine(Decimal("0"), 0, 3) == "0"
    assert fmt_fine(Decimal("0.0123"), 0, 3) == "0.012"
    assert fmt_fine(Decimal("499.1"), 3) == "499.100"
    assert fmt_grouped(Decimal("15000000.0")) == "15,000,000"
    assert fmt_grouped(Decimal("1E+7")) == "10,000,000"
    assert fmt_grouped(Decimal("85.123")) == "85.123"

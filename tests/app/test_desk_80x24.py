"""Issue 14 at 80x24: the footer keeps ``? Help`` and ``q Quit`` in view, the status bar's
message is not cut, and every account tab is reachable by key (``<`` ``>``) and scrolled into
view."""

from __future__ import annotations

from textual.widgets import Tabs
from textual.widgets._footer import FooterKey

from gmo_tui.widgets.account_panel import TABS
from gmo_tui.widgets.status_bar import StatusBar
from tests.app.conftest import wait_for, wait_ready


def on_screen(app, widget) -> bool:
    """The widget is painted and wholly inside the screen (not scrolled or docked over)."""
    region = widget.region
    return bool(region.area) and app.screen.region.contains_region(region)


async def test_footer_keeps_help_and_quit_at_80x24(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app)
        await pilot.press("o")  # the orders table's keys crowd the footer most
        await wait_for(pilot, lambda: app.main.orders.has_focus, "orders focused")
        for action in ("help", "quit", "command_palette"):
            # the footer recomposes as the bindings change: look the key up afresh each time
            def shown(action: str = action) -> FooterKey | None:
                for key in app.screen.query(FooterKey):
                    if key.action == action and on_screen(app, key):
                        return key
                return None

            key = await wait_for(pilot, shown, f"{action} on screen")
            # nothing covers it: the widget painted at its first cell is the key itself
            await wait_for(
                pilot,
                lambda action=action: (
                    (k := shown(action)) is not None
                    and app.screen.get_widget_at(k.region.x, k.region.y)[0] is k
                ),
                f"{action} uncovered",
            )
            assert key.action == action
        await app.shutdown()


async def test_status_bar_message_not_cut_at_80x24(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app)
        bar = app.main.query_one(StatusBar)
        await wait_for(pilot, lambda: bar.streams.get("private") == "LIVE", "private live")
        await pilot.press("1")
        await wait_for(pilot, lambda: bar.size_text, "size shown")
        message = "Entry off: private stream RECONNECTING"
        bar.message = message
        await pilot.pause()
        line = bar.render()
        assert line.cell_len <= bar.size.width == 80
        plain = line.plain
        assert plain.startswith(" streams:LIVE")
        assert plain.endswith(f"{bar.size_text}  {message}")
        await app.shutdown()


async def test_every_account_tab_reachable_at_80x24(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.main.positions.has_focus, "positions focused")
        tabs = app.main.account.query_one(Tabs)
        steps = [("greater_than_sign", tab) for tab in (*TABS[1:], TABS[0])]
        steps.append(("less_than_sign", TABS[-1]))  # wraps both ways
        for key, expected in steps:
            await pilot.press(key)
            await wait_for(pilot, lambda e=expected: app.main.account.active == e, expected)
            tab = tabs.query_one(f"#--content-tab-{expected}")
            # the strip scrolls the active tab into view; the tab's table has the focus
            await wait_for(
                pilot,
                lambda t=tab: bool(t.region.area) and tabs.region.contains_region(t.region),
                f"{expected} tab in view",
            )
            pane = app.main.account.query_one(f"TabPane#{expected}")
            await wait_for(
                pilot,
                lambda p=pane: app.focused is not None and p in app.focused.ancestors,
                f"{expected} focused",
            )
        await app.shutdown()

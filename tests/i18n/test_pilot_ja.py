"""The app in Japanese against the built-in exchange (``--lang ja`` is ``language = "ja"``):
panes, footer, a notice and an exchange error come out in Japanese."""

from __future__ import annotations

from textual.command import CommandPalette
from textual.widgets import Input, Tab

from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.widgets.account_panel import AccountPanel
from gmo_tui.widgets.cycler import Cycler
from tests.app.conftest import replace_input, wait_for, wait_ready


async def test_notice_error_footer_and_panes_in_japanese(sim, make_app):
    app = make_app(sim, language="ja")
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        main = app.main
        # panes and footer (binding descriptions) in GMO's terms
        assert main.ladder.border_title == "板  [ ] 集約 1"  # the grouping step (1 tick)
        assert main.tape.border_title == "歩み値"
        assert [str(tab.label) for tab in main.query_one("#pane-tabs").query(Tab)] == [
            "歩み値",
            "チャート",
            "ウォッチ",
            "口座",
        ]
        footer = {b.description for _k, b, _e, _t in main.active_bindings.values()}
        assert {"買", "売", "建玉", "板", "ヘルプ", "終了", "パレット"} <= footer
        assert main.status.streams  # the status bar renders its states translated
        await wait_for(pilot, lambda: "接続済" in str(main.status.render()), "status in Japanese")

        # a notice: the ticket opened and the order refused by a local check
        await pilot.press("b")
        await wait_for(pilot, lambda: app.focused is not None, "ticket focused")
        assert str(main.ticket.query_one("#ticket-side", Cycler).render()) == "◀ 買 ▶"
        assert main.ticket.border_title.startswith("買 指値 ")
        await replace_input(pilot, "0.015")
        await wait_for(
            pilot,
            lambda: (
                "数量の小数が多すぎます" in str(main.ticket.query_one("#ticket-error").render())
            ),
            "inline reason in Japanese",
        )
        main.action_focus_book()
        main.action_focus_orders()
        await pilot.press("c")  # no order to cancel
        await wait_for(
            pilot,
            lambda: "注文が選択されていません" in [n.message for n in app._notifications],
            "notice",
        )

        # an exchange error: a transfer the FX account cannot cover (ERR-754)
        panel = main.query_one(AccountPanel)
        main.show_pane("account")
        panel.active = "account"
        panel.query_one("#transfer-amount").focus()
        await replace_input(pilot, "999999999999")
        panel.query_one("#transfer-type", Cycler).value = "DEPOSIT"
        panel.query_one("#transfer-send").press()
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "transfer confirm")
        assert app.screen.title_text == "999,999,999,999 円を振替しますか?"
        await pilot.press("y")
        rejected = await wait_for(
            pilot,
            lambda: [n for n in main.notices if n.startswith("振替が拒否されました")],
            "transfer rejected",
        )
        assert rejected == ["振替が拒否されました: ERR-754: 振替可能額が不足しています。"]

        # the palette: Textual's placeholder and system commands, and ours, in Japanese
        main.action_focus_book()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "palette")
        assert app.screen.query_one(Input).placeholder == "コマンドを検索…"
        titles = {c.title for c in app.get_system_commands(main)}
        assert {"テーマ", "終了"} <= titles

"""The command palette: switch symbol, chart interval or theme, and every action by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.i18n import N_, _

if TYPE_CHECKING:
    from gmo_tui.app import GmoTuiApp

PALETTE_ACTIONS = (
    ("ticket('BUY')", N_("Buy: open the ticket (BUY LIMIT)"), N_("Ticket at the best bid")),
    ("ticket('SELL')", N_("Sell: open the ticket (SELL LIMIT)"), N_("Ticket at the best ask")),
    (
        "market('BUY')",
        N_("Market buy: MARKET BUY of the active size (B)"),
        N_("Slippage in the confirm"),
    ),
    (
        "market('SELL')",
        N_("Market sell: MARKET SELL of the active size (S)"),
        N_("Slippage in the confirm"),
    ),
    (
        "flatten",
        N_("Flatten: cancel every order, close every position (F)"),
        N_("Spot: cancels only"),
    ),
    ("reverse", N_("Reverse the margin position (R)"), N_("Close it, open the other side")),
    ("focus_book", N_("Ladder: b/s limit, t stop, c cancel, m move at the cursor (v)"), ""),
    ("size_preset(1)", N_("Size preset 1: active order size (1)"), N_("[sizes] in config")),
    ("size_preset(2)", N_("Size preset 2: active order size (2)"), N_("[sizes] in config")),
    ("size_preset(3)", N_("Size preset 3: active order size (3)"), N_("[sizes] in config")),
    ("size_preset(4)", N_("Size preset 4: active order size (4)"), N_("[sizes] in config")),
    ("size_preset(5)", N_("Size preset 5: active order size (5)"), N_("[sizes] in config")),
    ("focus_orders", N_("Orders: focus the orders table"), N_("c cancel, e change, C cancel all")),
    (
        "focus_positions",
        N_("Positions: focus the positions table"),
        N_("x close, l losscut, X all"),
    ),
    ("search", N_("Symbol search"), N_("Type to filter symbols")),
    (
        "all_symbols",
        N_("All symbols: orders, positions, executions (toggle)"),
        N_("* · every symbol or the current one; remembered"),
    ),
    ("pane('chart')", N_("Show chart"), ""),
    ("pane('tape')", N_("Show trades tape"), ""),
    ("pane('watchlist')", N_("Show watchlist"), ""),
    ("pane('account')", N_("Show account tabs"), ""),
    ("account_tab(1)", N_("Next account tab (>)"), N_("Positions … History; < the previous")),
    ("account_tab(-1)", N_("Previous account tab (<)"), N_("Positions … History; > the next")),
    (
        "export_csv",
        N_("Export executions to CSV (trading days)"),
        N_("As gmo-tui export; a private file in the data directory"),
    ),
    ("alerts", N_("Alerts: the list (dismiss, delete)"), N_("A; ! on a ladder level sets one")),
    (
        "new_alert('price_above')",
        N_("Alert: price crosses above"),
        N_("The current symbol's last price"),
    ),
    (
        "new_alert('price_below')",
        N_("Alert: price crosses below"),
        N_("The current symbol's last price"),
    ),
    (
        "new_alert('percent_move')",
        N_("Alert: percent move over a window"),
        N_("Either way, in seconds"),
    ),
    (
        "new_alert('losscut_near')",
        N_("Alert: losscut proximity"),
        N_("A position near its losscut"),
    ),
    ("new_alert('margin_below')", N_("Alert: margin ratio under %"), N_("GMO's margin ratio")),
    (
        "new_alert('stream_stale')",
        N_("Alert: stream stale or disconnected"),
        N_("For N seconds"),
    ),
    ("new_alert('fill')", N_("Alert: every fill"), N_("Any symbol")),
    ("new_alert('maintenance')", N_("Alert: exchange maintenance"), N_("When it begins")),
    (
        "record",
        N_("Record: the public feed to a file, on / off (ctrl+r)"),
        N_("recordings/ in the data directory"),
    ),
    ("replay_toggle", N_("Replay: pause / play (f6)"), N_("When the exchange replays")),
    ("replay_step", N_("Replay: one step (f7)"), N_("When the exchange replays")),
    ("replay_speed('1')", N_("Replay speed: x1 (f8: next speed)"), N_("When the exchange replays")),
    ("replay_speed('2')", N_("Replay speed: x2 (f8: next speed)"), N_("When the exchange replays")),
    (
        "replay_speed('10')",
        N_("Replay speed: x10 (f8: next speed)"),
        N_("When the exchange replays"),
    ),
    (
        "replay_speed('max')",
        N_("Replay speed: max (f8: next speed)"),
        N_("When the exchange replays"),
    ),
    ("app.help", N_("Help: every key"), ""),
    ("app.quit", N_("Quit"), N_("Close the streams, delete the private token")),
)
"""(action, title, help) of every action the palette offers (run on the main screen)."""

Command = tuple[str, Callable[[], object], str]


class GmoCommands(Provider):
    """Symbols, chart intervals and themes by name (search only), and every action."""

    def _app(self) -> GmoTuiApp:
        from gmo_tui.app import GmoTuiApp

        app = self.app
        assert isinstance(app, GmoTuiApp)
        return app

    def _searchable(self) -> list[Command]:
        app = self._app()
        main = app.main
        commands: list[Command] = [
            (
                _("Symbol: {symbol}").format(symbol=s),
                partial(main.switch_symbol, s),
                _("Switch the app to this symbol"),
            )
            for s in app.session.symbols()
        ]
        commands += [
            (
                _("Theme: {name}").format(name=name),
                partial(setattr, app, "theme", name),
                _("Switch theme"),
            )
            for name in sorted(app.available_themes)
        ]
        commands += [
            (
                _("Chart interval: {interval}").format(interval=i.value),
                partial(main.set_chart_interval, i),
                _("Candle length"),
            )
            for i in KlineInterval
        ]
        return commands + self._actions()

    def _actions(self) -> list[Command]:
        app = self._app()
        return [
            (_(title), partial(app.run_action, action, app.main), _(help_text) if help_text else "")
            for action, title, help_text in PALETTE_ACTIONS
        ]

    async def discover(self) -> Hits:
        for title, callback, help_text in self._actions():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._searchable():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)

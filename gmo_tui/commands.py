"""The command palette: switch symbol, chart interval or theme, and every action by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from gmo_tui.exchange.enums import KlineInterval

if TYPE_CHECKING:
    from gmo_tui.app import GmoTuiApp

PALETTE_ACTIONS = (
    ("ticket('BUY')", "Buy: open the ticket (BUY LIMIT)", "Ticket at the best bid"),
    ("ticket('SELL')", "Sell: open the ticket (SELL LIMIT)", "Ticket at the best ask"),
    ("market('BUY')", "Market buy: MARKET BUY of the active size (B)", "Slippage in the confirm"),
    ("market('SELL')", "Market sell: MARKET SELL of the active size (S)", "Slippage in the confirm"),
    ("flatten", "Flatten: cancel every order, close every position (F)", "Spot: cancels only"),
    ("reverse", "Reverse the margin position (R)", "Close it, open the other side"),
    ("focus_book", "Ladder: b/s limit, t stop, c cancel, m move at the cursor (v)", ""),
    *(
        (f"size_preset({n})", f"Size preset {n}: active order size ({n})", "[sizes] in config")
        for n in range(1, 6)
    ),
    ("focus_orders", "Orders: focus the orders table", "c cancel, e change, C cancel all"),
    ("focus_positions", "Positions: focus the positions table", "x close, l losscut, X all"),
    ("search", "Symbol search", "Type to filter symbols"),
    ("pane('chart')", "Show chart", ""),
    ("pane('tape')", "Show trades tape", ""),
    ("pane('watchlist')", "Show watchlist", ""),
    ("pane('account')", "Show account tabs", ""),
    ("app.help", "Help: every key", ""),
    ("app.quit", "Quit", "Close the streams, delete the private token"),
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
            (f"Symbol: {s}", partial(main.switch_symbol, s), "Switch the app to this symbol")
            for s in app.session.symbols()
        ]
        commands += [
            (f"Theme: {name}", partial(setattr, app, "theme", name), "Switch theme")
            for name in sorted(app.available_themes)
        ]
        commands += [
            (f"Chart interval: {i.value}", partial(main.set_chart_interval, i), "Candle length")
            for i in KlineInterval
        ]
        return commands + self._actions()

    def _actions(self) -> list[Command]:
        app = self._app()
        return [
            (title, partial(app.run_action, action, app.main), help_text)
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

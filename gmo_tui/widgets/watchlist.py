"""The watchlist: every symbol with last, 24h change and a sparkline; Enter switches the app's
symbol (the pane posts :class:`SymbolChosen`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from rich.text import Text

from gmo_tui.messages import SymbolChosen
from gmo_tui.widgets.formatting import fmt
from gmo_tui.widgets.keyed_table import KeyedTable

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Iterable[Decimal], width: int = 12) -> str:
    points = list(values)[-width:]
    if not points:
        return ""
    lo, hi = min(points), max(points)
    span = hi - lo
    if span == 0:
        return SPARKS[3] * len(points)
    return "".join(SPARKS[int((p - lo) / span * (len(SPARKS) - 1))] for p in points)


class Watchlist(KeyedTable):
    SymbolChosen = SymbolChosen

    def __init__(self, **kwargs):
        super().__init__(
            [("symbol", "Symbol"), ("last", "Last"), ("change", "24h"), ("spark", "Trend")],
            **kwargs,
        )
        self.up_style = "green"
        self.down_style = "red"

    def show(
        self,
        rows: Iterable[tuple[str, Decimal | None, Decimal | None, Iterable[Decimal], int]],
    ) -> None:
        """(symbol, last, 24h change as a fraction, recent prices, price decimals) per symbol."""
        variables = self.app.theme_variables if self.is_attached else {}
        up, down = (
            variables.get("pnl-up", self.up_style),
            variables.get("pnl-down", self.down_style),
        )
        out = []
        for symbol, last, change, history, places in rows:
            change_text = (
                Text("")
                if change is None
                else Text(f"{fmt(change * 100, 2, sign=True)}%", style=up if change >= 0 else down)
            )
            out.append(
                (
                    symbol,
                    (
                        symbol,
                        Text(fmt(last, places), justify="right"),
                        change_text,
                        sparkline(history),
                    ),
                )
            )
        self.sync(out)

    def on_data_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(SymbolChosen(event.row_key.value))

"""The watchlist pane: renders the rows of the app's :class:`gmo_tui.market.watchlist.Watchlist`
model (last, 24h change, sparkline); Enter switches the app's symbol (the pane posts
:class:`SymbolChosen`). Tickers arrive ten times a second and more; the table follows at most
every :data:`~gmo_tui.widgets.repaint_rate.WATCHLIST_PAINT_S` (coalesced, the latest shown)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from rich.text import Text

from gmo_tui.i18n import _
from gmo_tui.market.formatting import fmt
from gmo_tui.market.watchlist import WatchRow
from gmo_tui.messages import SymbolChosen
from gmo_tui.widgets.keyed_table import KeyedTable
from gmo_tui.widgets.render_memo import RenderMemo
from gmo_tui.widgets.repaint_rate import WATCHLIST_PAINT_S, Coalesced

SPARKS = "▁▂▃▄▅▆▇█"


SPARK_WIDTH = 12
"""Samples shown in the trend column (its fixed width)."""


def sparkline(values: Iterable[Decimal], width: int = SPARK_WIDTH) -> str:
    points = list(values)[-width:]
    if not points:
        return ""
    lo, hi = min(points), max(points)
    span = hi - lo
    if span == 0:
        return SPARKS[3] * len(points)
    return "".join(SPARKS[int((p - lo) / span * (len(SPARKS) - 1))] for p in points)


class Watchlist(RenderMemo, KeyedTable):
    """(``RenderMemo``: Textual asks every pane whose clip overlaps a frame's dirty box for
    all its lines; an unchanged watchlist hands back the same lines instead of re-rendering
    its table every frame.)"""

    SymbolChosen = SymbolChosen

    def __init__(self, **kwargs):
        super().__init__(
            # fixed widths: a changed cell never makes the table re-measure a whole column
            [
                ("symbol", _("Symbol"), 8),
                ("last", _("Last"), 11),
                ("change", _("24h"), 7),
                ("spark", _("Trend"), SPARK_WIDTH),
            ],
            **kwargs,
        )
        self.up_style = "green"
        self.down_style = "red"
        self._colours: tuple[str, str] | None = None
        self._cells: dict[str, tuple[tuple[int, int], tuple[str | Text, ...]]] = {}
        self._latest: tuple[list[WatchRow], Mapping[str, int]] = ([], {})
        self._show_latest = Coalesced(self, WATCHLIST_PAINT_S, self._render_latest)

    def show(self, rows: Iterable[WatchRow], places: Mapping[str, int]) -> None:
        """Render rows of the app's :class:`~gmo_tui.market.watchlist.Watchlist` model, in
        order; a row whose model version is unchanged is not rebuilt, and only changed cells
        are updated (by row key). ``places``: price decimals per symbol. At once after a
        quiet spell, else with the latest rows at the end of the repaint interval."""
        self._latest = (list(rows), places)
        self._show_latest()

    def _render_latest(self) -> None:
        rows, places = self._latest
        variables = self.app.theme_variables if self.is_attached else {}
        up, down = (
            variables.get("pnl-up", self.up_style),
            variables.get("pnl-down", self.down_style),
        )
        colours = (up, down)
        if colours != self._colours:
            self._colours = colours
            self._cells.clear()
        out = []
        for row in rows:
            key = (row.version, places.get(row.symbol, 0))
            cached = self._cells.get(row.symbol)
            if cached is None or cached[0] != key:
                cached = (key, self._cells_of(row, key[1], up, down))
                self._cells[row.symbol] = cached
            out.append((row.symbol, cached[1]))
        self.sync(out)

    @staticmethod
    def _cells_of(row: WatchRow, places: int, up: str, down: str) -> tuple[str | Text, ...]:
        # a provisional reference (first price seen, the day's open not loaded yet) is no 24h
        # change: leave the cell empty rather than show a made-up number
        pct = None if row.provisional else row.change_pct
        change = (
            Text("")
            if pct is None
            else Text(f"{fmt(pct, 2, sign=True)}%", style=up if pct >= 0 else down)
        )
        return (
            row.symbol,
            Text(fmt(row.last, places), justify="right"),
            change,
            sparkline(row.sparkline),
        )

    def on_data_table_row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(SymbolChosen(event.row_key.value))

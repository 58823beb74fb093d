"""Open margin positions of the service's :class:`gmo_tui.market.positions.Positions` (no copy
kept) with the live P&L marked against a sane book, or the ticker's bid / ask for a symbol whose
book is not streamed (the ``at`` column says which; ``-`` with no price at all): ``x`` close, ``l`` change losscut, ``X``
close all of the symbol (of the selected row's symbol when every symbol is listed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from rich.text import Text
from textual.binding import Binding

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import Position
from gmo_tui.i18n import N_, _
from gmo_tui.market.formatting import fmt
from gmo_tui.market.positions import Mark
from gmo_tui.messages import ChangeLosscut, CloseAll, ClosePosition
from gmo_tui.widgets.keyed_table import KeyedTable, Places

MARK_LABELS = {Mark.BOOK: N_("book"), Mark.TICKER: N_("ticker")}
"""Where the live P&L is marked: the book's touch, or the ticker's bid / ask (another symbol,
whose book is not streamed)."""


class PositionsTable(KeyedTable):
    BINDINGS = [
        Binding(
            "x",
            "close",
            "Close position",
            id="positions.close",
            tooltip="Close the selected position at market",
        ),
        Binding(
            "l",
            "losscut",
            "Losscut",
            id="positions.losscut",
            tooltip="Change the selected position's losscut price",
        ),
        Binding(
            "X",
            "close_all",
            "Close all",
            id="positions.close_all",
            tooltip="Close every position of the symbol (the selected row's)",
        ),
    ]

    def __init__(self, **kwargs):
        super().__init__(
            [
                # narrow panes (80 columns) keep the side, price and P&L in view first
                ("side", _("Side"), 4),
                ("price", _("Price"), 12),
                ("pnl", _("P&L (live)"), 11),
                ("at", _("at"), 6),
                ("size", _("Size"), 8),
                ("leverage", _("Lev"), 3),
                ("losscut", _("Losscut"), 12),
                ("id", _("Position"), 10),
            ],
            symbol_at=3,  # after side, price and P&L: those stay in view at 80 columns
            **kwargs,
        )

    def show(
        self,
        positions: Iterable[Position],
        pnl: Mapping[int, tuple[Decimal | None, Mark | None]],
        places: Places,
        colours: dict[str, str],
    ) -> None:
        rows = []
        for p in sorted(positions, key=lambda p: p.position_id):
            live, mark = pnl.get(p.position_id, (None, None))
            pnl_text = Text("-", justify="right")
            if live is not None:
                pnl_text = Text(
                    fmt(live, 0, sign=True),
                    style=colours.get("pnl-up" if live >= 0 else "pnl-down", ""),
                    justify="right",
                )
            tick_places, size_places = places(p.symbol)
            rows.append(
                (
                    str(p.position_id),
                    self.cells(
                        p.symbol,
                        (
                            Text(
                                p.side.value,
                                style=colours.get("bid" if p.side is Side.BUY else "ask", ""),
                            ),
                            Text(fmt(p.price, tick_places), justify="right"),
                            pnl_text,
                            Text(_(MARK_LABELS[mark]) if mark else "-", style="dim"),
                            Text(fmt(p.size, size_places), justify="right"),
                            f"{p.leverage:f}",
                            Text(
                                fmt(p.losscut_price, tick_places) if p.losscut_price else "-",
                                justify="right",
                            ),
                            str(p.position_id),
                        ),
                    ),
                )
            )
        self.sync(rows)

    def _selected(self) -> int | None:
        key = self.selected_key
        if not key:
            self.notify(_("No position selected"), severity="warning")
            return None
        return int(key)

    def action_close(self) -> None:
        position_id = self._selected()
        if position_id is not None:
            self.post_message(ClosePosition(position_id))

    def action_losscut(self) -> None:
        position_id = self._selected()
        if position_id is not None:
            self.post_message(ChangeLosscut(position_id))

    def action_close_all(self) -> None:
        # every symbol listed: the selected row's symbol, never silently the current one
        self.post_message(CloseAll(self.selected_symbol))

"""Open margin positions of the app's :class:`gmo_tui.market.positions.Positions` with the live
P&L the app marks against a sane book: ``x`` close, ``l`` change losscut, ``X`` close all of
the symbol."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from rich.text import Text
from textual.binding import Binding

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import Position
from gmo_tui.messages import OrderAction
from gmo_tui.widgets.formatting import fmt
from gmo_tui.widgets.keyed_table import KeyedTable


class PositionsTable(KeyedTable):
    BINDINGS = [
        Binding(
            "x",
            "act('close')",
            "Close position",
            id="positions.close",
            tooltip="Close the selected position at market",
        ),
        Binding(
            "l",
            "act('losscut')",
            "Losscut",
            id="positions.losscut",
            tooltip="Change the selected position's losscut price",
        ),
        Binding(
            "X",
            "act('close_all')",
            "Close all",
            id="positions.close_all",
            tooltip="Close every position of the symbol",
        ),
    ]
    OrderAction = OrderAction

    def __init__(self, **kwargs):
        super().__init__(
            [
                ("id", "Position", 10),
                ("side", "Side", 4),
                ("size", "Size", 8),
                ("price", "Price", 12),
                ("pnl", "P&L (live)", 11),
                ("leverage", "Lev", 3),
                ("losscut", "Losscut", 12),
            ],
            **kwargs,
        )
        self.positions: dict[int, Position] = {}

    def show(
        self,
        positions: Iterable[Position],
        pnl: Mapping[int, Decimal | None],
        tick_places: int,
        size_places: int,
        colours: dict[str, str],
    ) -> None:
        self.positions = {p.position_id: p for p in positions}
        rows = []
        for p in sorted(self.positions.values(), key=lambda p: p.position_id):
            live = pnl.get(p.position_id)
            pnl_text = Text("-", justify="right")
            if live is not None:
                pnl_text = Text(
                    fmt(live, 0, sign=True),
                    style=colours.get("pnl-up" if live >= 0 else "pnl-down", ""),
                    justify="right",
                )
            rows.append(
                (
                    str(p.position_id),
                    (
                        str(p.position_id),
                        Text(
                            p.side.value,
                            style=colours.get("bid" if p.side is Side.BUY else "ask", ""),
                        ),
                        Text(fmt(p.size, size_places, commas=False), justify="right"),
                        Text(fmt(p.price, tick_places), justify="right"),
                        pnl_text,
                        f"{p.leverage:f}",
                        Text(
                            fmt(p.losscut_price, tick_places) if p.losscut_price else "-",
                            justify="right",
                        ),
                    ),
                )
            )
        self.sync(rows)

    def selected_position(self) -> Position | None:
        key = self.selected_key
        return self.positions.get(int(key)) if key else None

    def action_act(self, action: str) -> None:
        if action == "close_all":
            self.post_message(OrderAction("close_all"))
            return
        position = self.selected_position()
        if position is None:
            self.notify("No position selected", severity="warning")
            return
        self.post_message(OrderAction(action, position.position_id))

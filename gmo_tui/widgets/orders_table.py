"""Active orders of the symbol: ``c`` cancel, ``e`` change price, ``C`` cancel all."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.binding import Binding

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import Order
from gmo_tui.messages import OrderAction
from gmo_tui.widgets.formatting import JST, decimals_of, fmt
from gmo_tui.widgets.keyed_table import KeyedTable


class OrdersTable(KeyedTable):
    BINDINGS = [
        Binding(
            "c",
            "act('cancel')",
            "Cancel order",
            id="orders.cancel",
            tooltip="Cancel the selected order",
        ),
        Binding(
            "e",
            "act('change')",
            "Change price",
            id="orders.change",
            tooltip="Change the selected order's price",
        ),
        Binding(
            "C",
            "act('cancel_all')",
            "Cancel all",
            id="orders.cancel_all",
            tooltip="Cancel every order of the symbol",
        ),
    ]
    OrderAction = OrderAction

    def __init__(self, **kwargs):
        super().__init__(
            [
                ("id", "Order"),
                ("side", "Side"),
                ("type", "Type"),
                ("price", "Price"),
                ("size", "Size"),
                ("filled", "Filled"),
                ("status", "Status"),
                ("tif", "TIF"),
                ("time", "Time"),
            ],
            **kwargs,
        )
        self.orders: dict[int, Order] = {}

    def show(
        self, orders: Iterable[Order], tick_places: int, size_places: int, colours: dict[str, str]
    ) -> None:
        self.orders = {o.order_id: o for o in orders}
        rows = []
        for o in sorted(self.orders.values(), key=lambda o: o.order_id, reverse=True):
            colour = colours.get("bid" if o.side is Side.BUY else "ask", "")
            rows.append(
                (
                    str(o.order_id),
                    (
                        str(o.order_id),
                        Text(o.side.value, style=colour),
                        o.execution_type.value,
                        Text(fmt(o.price, tick_places), justify="right"),
                        Text(fmt(o.size, size_places, commas=False), justify="right"),
                        Text(fmt(o.executed_size, size_places, commas=False), justify="right"),
                        o.status.value,
                        o.time_in_force.value,
                        o.timestamp.astimezone(JST).strftime("%H:%M:%S"),
                    ),
                )
            )
        self.sync(rows)

    def selected_order(self) -> Order | None:
        key = self.selected_key
        return self.orders.get(int(key)) if key else None

    def action_act(self, action: str) -> None:
        if action == "cancel_all":
            self.post_message(OrderAction("cancel_all"))
            return
        order = self.selected_order()
        if order is None:
            self.notify("No order selected", severity="warning")
            return
        self.post_message(OrderAction(action, order.order_id))


__all__ = ["OrdersTable", "decimals_of"]

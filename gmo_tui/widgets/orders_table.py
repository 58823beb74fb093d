"""Active orders of the symbol, rendered from the service's order tracker (no copy kept):
``c`` cancel, ``e`` change price, ``C`` cancel all. A bracket's orders carry its tag, and the
exits the app holds (emulated take-profits) are rows of their own; ``c`` on either cancels the
whole bracket. The order the trader last put the cursor on here is :attr:`picked_order_id`
(``m`` on the ladder moves it rather than the nearest)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from gmo_tui.exchange.enums import Side
from gmo_tui.i18n import _
from gmo_tui.market.formatting import fmt, jst_time
from gmo_tui.market.orders import TrackedOrder
from gmo_tui.messages import CancelAll, CancelBracket, CancelOrder, ChangeOrder
from gmo_tui.widgets.keyed_table import KeyedTable, Places

ON_ITS_WAY = "sending-"
"""The row key prefix of an order sent but not answered yet (then its intent's id)."""


@dataclass(frozen=True, slots=True)
class EmulatedRow:
    """An exit the app holds for a bracket (no order at the exchange)."""

    bracket_id: int
    side: Side
    price: Decimal
    size: Decimal
    tag: str
    symbol: str = ""


class OrdersTable(KeyedTable):
    BINDINGS = [
        Binding(
            "c",
            "cancel",
            "Cancel order",
            id="orders.cancel",
            tooltip="Cancel the selected order",
        ),
        Binding(
            "e",
            "change",
            "Change price",
            id="orders.change",
            tooltip="Change the selected order's price",
        ),
        Binding(
            "C",
            "cancel_all",
            "Cancel all",
            id="orders.cancel_all",
            tooltip="Cancel every order of the symbol (the selected row's)",
        ),
    ]

    def __init__(self, **kwargs):
        super().__init__(
            [
                ("id", _("Order")),
                ("side", _("Side")),
                ("type", _("Type")),
                ("price", _("Price")),
                ("size", _("Size")),
                ("filled", _("Filled")),
                ("status", _("Status")),
                ("tif", _("TIF")),
                ("time", _("Time")),
            ],
            **kwargs,
        )
        self.picked_order_id: int | None = None
        """The order the trader selected here (cursor moved onto it, or Enter / click while
        focused); never set by rows coming and going while the table is not focused."""

    @on(DataTable.RowHighlighted)
    @on(DataTable.RowSelected)
    def _picked(self, event: DataTable.RowHighlighted | DataTable.RowSelected) -> None:
        key = event.row_key.value
        if self.has_focus and key is not None and key.isdigit():
            self.picked_order_id = int(key)

    def show(
        self,
        orders: Iterable[TrackedOrder],
        places: Places,
        colours: dict[str, str],
        notes: Mapping[int, str] | None = None,
        emulated: Sequence[EmulatedRow] = (),
    ) -> None:
        """The tracker's active orders (``OrderTracker.active``), newest order id first.
        ``notes``: order id -> a bracket's tag after the type (``SL B1``); ``emulated``: exits
        the app holds (take-profits), no order at the exchange, listed after the orders."""
        notes = notes or {}
        rows = []
        for o in sorted(orders, key=lambda o: o.order_id or 0, reverse=True):
            colour = colours.get("bid" if o.side is Side.BUY else "ask", "")
            # an order on its way has no order id yet: its row is keyed apart (its intent id is
            # a number too, and is no order id)
            key = str(o.order_id) if o.order_id is not None else ON_ITS_WAY + o.key
            tick_places, size_places = places(o.symbol)
            rows.append(
                (
                    key,
                    self.cells(
                        o.symbol,
                        (
                            "-" if o.order_id is None else str(o.order_id),
                            Text(o.side.value, style=colour),
                            o.execution_type.value
                            + (
                                f" {notes[o.order_id]}"
                                if o.order_id is not None and o.order_id in notes
                                else ""
                            ),
                            Text(fmt(o.price, tick_places), justify="right"),
                            Text(fmt(o.size, size_places), justify="right"),
                            Text(fmt(o.filled, size_places), justify="right"),
                            o.state.value,
                            "-" if o.time_in_force is None else o.time_in_force.value,
                            "-" if o.ordered_at is None else jst_time(o.ordered_at),
                        ),
                    ),
                )
            )
        for row in emulated:
            colour = colours.get("bid" if row.side is Side.BUY else "ask", "")
            tick_places, size_places = places(row.symbol)
            rows.append(
                (
                    f"bracket-{row.bracket_id}-{row.price}",
                    self.cells(
                        row.symbol,
                        (
                            "-",
                            Text(row.side.value, style=colour),
                            row.tag,
                            Text(fmt(row.price, tick_places), justify="right"),
                            Text(fmt(row.size, size_places), justify="right"),
                            Text(fmt(Decimal(0), size_places), justify="right"),
                            _("EMULATED"),
                            "-",
                            "-",
                        ),
                    ),
                )
            )
        self.sync(rows)

    def selected_order_id(self) -> int | None:
        key = self.selected_key
        return int(key) if key and key.isdigit() else None

    def _selected(self) -> int | None:
        order_id = self.selected_order_id()
        if order_id is None and (self.selected_key or "").startswith(ON_ITS_WAY):
            self.notify(
                _("That order is on its way to the exchange: it has no order id yet"),
                severity="warning",
            )
        elif order_id is None:
            self.notify(_("No order selected"), severity="warning")
        return order_id

    def action_cancel(self) -> None:
        key = self.selected_key or ""
        if key.startswith("bracket-"):  # an emulated exit: its bracket goes as one unit
            self.post_message(CancelBracket(int(key.split("-")[1])))
            return
        order_id = self._selected()
        if order_id is not None:
            self.post_message(CancelOrder(order_id))

    def action_change(self) -> None:
        order_id = self._selected()
        if order_id is not None:
            self.post_message(ChangeOrder(order_id))

    def action_cancel_all(self) -> None:
        # every symbol listed: the selected row's symbol, never silently the current one
        self.post_message(CancelAll(self.selected_symbol))

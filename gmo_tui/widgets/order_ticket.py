"""The order ticket: side, type, time in force, price, size, losscut price, cancelBefore.

Validates as you type against the symbol's rules (tick, size step, min/max, decimals) with the
reason inline, shows the estimated notional and fee, and on Enter posts
``OrderTicket.Submitted`` carrying an :class:`~gmo_tui.market.intent.OrderIntent`. The app
opens the confirm dialog; nothing is sent from here.
"""

from __future__ import annotations

from decimal import Decimal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Checkbox, Input, Label, Static

from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.exchange.models import SymbolRule
from gmo_tui.i18n import N_, _
from gmo_tui.i18n.cells import cell_len
from gmo_tui.market import rules
from gmo_tui.market.formatting import fmt
from gmo_tui.market.intent import OrderIntent
from gmo_tui.messages import TicketSubmitted
from gmo_tui.widgets.cycler import Cycler
from gmo_tui.widgets.render_memo import RenderMemo

TIF_CHOICES = {
    ExecutionType.LIMIT: ("FAS", "FAK", "FOK", "SOK"),
    ExecutionType.MARKET: ("FAK", "FOK"),
    ExecutionType.STOP: ("FAK", "FOK"),
}


def allowed_cancel_before(
    rule: SymbolRule | None, side: Side, kind: ExecutionType, tif: str
) -> bool:
    """The seed: only spot, MARKET, FAK, SELL orders take cancelBefore."""
    return (
        rule is not None
        and not rule.is_margin
        and side is Side.SELL
        and kind is ExecutionType.MARKET
        and tif == "FAK"
    )


class OrderTicket(RenderMemo, Vertical, can_focus=False):
    DEFAULT_CSS = """
    OrderTicket { height: auto; border: round $primary; padding: 0 1; border-title-style: bold; }
    OrderTicket.-buy { border: round $bid; }
    OrderTicket.-sell { border: round $ask; }
    OrderTicket Horizontal { height: 1; width: 1fr; }
    OrderTicket .label { width: 9; color: $text-muted; }
    OrderTicket Input { width: 1fr; background: $boost; }
    OrderTicket Input:focus { background: $cursor; }
    OrderTicket Input.-invalid { color: $error; }
    OrderTicket Cycler { margin-right: 1; }
    OrderTicket Checkbox { height: 1; border: none; padding: 0; background: transparent; }
    OrderTicket #ticket-error { color: $error; height: auto; }
    OrderTicket #ticket-estimate { color: $text-muted; height: 1; }
    OrderTicket .-hidden { display: none; }
    """
    BINDINGS = [
        Binding("enter", "review", "Review order", id="ticket.review", tooltip="Check and confirm"),
        Binding("escape", "leave", "Leave ticket", show=False, id="ticket.leave"),
        Binding("f2", "flip_side", "Flip side", id="ticket.flip", tooltip="BUY <-> SELL"),
    ]

    Submitted = TicketSubmitted
    side: reactive[Side] = reactive(Side.BUY, init=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rule: SymbolRule | None = None
        self.symbol = ""
        self.best_bid: Decimal | None = None
        self.best_ask: Decimal | None = None
        self.private = True
        self.entry_reason: str | None = None
        """Why order entry is disabled (``EntryGates.reason``); None while it is enabled."""
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Cycler([N_("BUY"), N_("SELL")], id="ticket-side", classes="-buy")
            yield Cycler([N_("LIMIT"), N_("MARKET"), N_("STOP")], id="ticket-type")
            yield Cycler(TIF_CHOICES[ExecutionType.LIMIT], id="ticket-tif")
        with Horizontal(id="row-price"):
            yield Label(_("Price"), classes="label")
            yield Input(
                id="ticket-price", placeholder=_("limit price"), restrict=r"[0-9.]*", compact=True
            )
        with Horizontal():
            yield Label(_("Size"), classes="label")
            yield Input(id="ticket-size", placeholder=_("size"), restrict=r"[0-9.]*", compact=True)
        with Horizontal(id="row-losscut"):
            yield Label(_("Losscut"), classes="label")
            yield Input(
                id="ticket-losscut", placeholder=_("optional"), restrict=r"[0-9.]*", compact=True
            )
        with Horizontal(id="row-cancel-before", classes="-hidden"):
            yield Checkbox("cancelBefore", id="ticket-cancel-before")
        yield Static("", id="ticket-error")
        yield Static("", id="ticket-estimate")

    def on_mount(self) -> None:
        self.border_title = _("Order")
        self.border_subtitle = _("Enter review · F2 side")
        # the labels' column fits the longest in this language (Japanese is double-width)
        width = max(9, *(cell_len(_(text)) + 1 for text in ("Price", "Size", "Losscut")))
        for label in self.query(".label"):
            label.styles.width = width
        self._refresh_fields()

    # ------------------------------------------------------------------ state from the app
    def set_symbol(self, symbol: str, rule: SymbolRule | None) -> None:
        self.symbol, self.rule = symbol, rule
        kind = ExecutionType(self.query_one("#ticket-type", Cycler).value)
        self.query_one("#ticket-tif", Cycler).set_options(self.tif_choices(kind))
        self._refresh_fields()

    def tif_choices(self, kind: ExecutionType) -> tuple[str, ...]:
        """Time-in-force choices of ``kind`` for the current symbol (SOK only where allowed)."""
        choices = TIF_CHOICES[kind]
        if "SOK" in choices and self.symbol and not rules.allows_sok(self.symbol):
            choices = tuple(c for c in choices if c != "SOK")
        return choices

    def set_entry_reason(self, reason: str | None) -> None:
        """Order entry disabled for ``reason`` (None: enabled); shown in the ticket."""
        if reason != self.entry_reason:
            self.entry_reason = reason
            self._validate()

    def set_touch(self, bid: Decimal | None, ask: Decimal | None) -> None:
        self.best_bid, self.best_ask = bid, ask
        if self.query_one("#ticket-type", Cycler).value == "MARKET":
            self._validate()

    def prepare(
        self, side: Side, price: Decimal | None, kind: ExecutionType = ExecutionType.LIMIT
    ) -> None:
        """Open for ``side`` ``kind`` at ``price`` and focus the size (the `b`/`s` keys)."""
        self.side = side
        self.query_one("#ticket-side", Cycler).value = side.value
        self.query_one("#ticket-type", Cycler).value = kind.value
        if price is not None:
            self.set_price(price)
        self.query_one("#ticket-size", Input).focus()
        self._refresh_fields()

    def set_price(self, price: Decimal) -> None:
        places = rules.price_decimals(self.rule) if self.rule else 0
        self.query_one("#ticket-price", Input).value = format(
            price.quantize(Decimal(1).scaleb(-places)) if places else price.to_integral_value(), "f"
        )

    # ------------------------------------------------------------------ events
    def on_cycler_changed(self, event: Cycler.Changed) -> None:
        event.stop()
        if event.cycler.id == "ticket-side":
            self.side = Side(event.value)
        elif event.cycler.id == "ticket-type":
            kind = ExecutionType(event.value)
            self.query_one("#ticket-tif", Cycler).set_options(self.tif_choices(kind))
        self._refresh_fields()

    def watch_side(self, side: Side) -> None:
        cycler = self.query_one("#ticket-side", Cycler)
        cycler.set_class(side is Side.BUY, "-buy")
        cycler.set_class(side is Side.SELL, "-sell")
        self.set_class(side is Side.BUY, "-buy")
        self.set_class(side is Side.SELL, "-sell")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._validate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_review()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self._validate()

    def action_flip_side(self) -> None:
        self.query_one("#ticket-side", Cycler).action_cycle(1)

    def action_leave(self) -> None:
        focus_book = getattr(self.app, "action_focus_book", None)
        if focus_book is not None:
            focus_book()

    # ------------------------------------------------------------------ validation
    @property
    def kind(self) -> ExecutionType:
        return ExecutionType(self.query_one("#ticket-type", Cycler).value)

    def _refresh_fields(self) -> None:
        if not self.is_mounted:
            return
        kind = self.kind
        margin = self.rule is not None and self.rule.is_margin
        self.query_one("#row-price").set_class(kind is ExecutionType.MARKET, "-hidden")
        self.query_one("#row-losscut").set_class(
            not margin or kind is ExecutionType.MARKET, "-hidden"
        )
        tif = self.query_one("#ticket-tif", Cycler).value
        self.query_one("#row-cancel-before").set_class(
            not allowed_cancel_before(self.rule, self.side, kind, tif), "-hidden"
        )
        self.border_title = f"{_(self.side.value)} {_(kind.value)} {self.symbol}"
        self._validate()

    def _validate(self) -> OrderIntent | None:
        """Check every field; show the first reason inline and the estimate. The intent or None."""
        if not self.is_mounted:
            return None
        errors: dict[str, str] = {}
        if not self.private:
            errors["key"] = _("no API key: order entry needs credentials (see ? help)")
        elif self.entry_reason is not None:
            errors["entry"] = _("order entry disabled: {reason}").format(
                reason=_(self.entry_reason)
            )
        rule = self.rule
        kind = self.kind
        price = size = losscut = None
        price_input = self.query_one("#ticket-price", Input)
        size_input = self.query_one("#ticket-size", Input)
        losscut_input = self.query_one("#ticket-losscut", Input)
        if rule is None:
            errors["symbol"] = _("waiting for the symbol's trading rules…")
        else:
            if kind is not ExecutionType.MARKET:
                price, err = rules.validate_price(rule, price_input.value)
                if err:
                    errors["price"] = err
            size, err = rules.validate_size(rule, size_input.value)
            if err:
                errors["size"] = err
            if rule.is_margin and kind is not ExecutionType.MARKET and losscut_input.value.strip():
                losscut, err = rules.validate_price(rule, losscut_input.value)
                if err:
                    errors["losscut"] = _("losscut {problem}").format(problem=err)
        price_input.set_class("price" in errors, "-invalid")
        size_input.set_class("size" in errors, "-invalid")
        losscut_input.set_class("losscut" in errors, "-invalid")
        self.errors = errors
        first = next(iter(errors.values()), "")
        self.query_one("#ticket-error", Static).update(first)
        self.query_one("#ticket-estimate", Static).update(self._estimate(price, size))
        if errors or size is None or rule is None:
            return None
        tif = self.query_one("#ticket-tif", Cycler).value
        cancel_before = (
            allowed_cancel_before(rule, self.side, kind, tif)
            and self.query_one("#ticket-cancel-before", Checkbox).value
        )
        return OrderIntent(
            symbol=self.symbol,
            side=self.side,
            execution_type=kind,
            size=size,
            price=price if kind is not ExecutionType.MARKET else None,
            time_in_force=TimeInForce(tif),
            losscut_price=losscut,
            cancel_before=cancel_before,
        )

    def reference_price(self, price: Decimal | None) -> Decimal | None:
        if price is not None:
            return price
        return self.best_ask if self.side is Side.BUY else self.best_bid

    def _estimate(self, price: Decimal | None, size: Decimal | None) -> str:
        rule = self.rule
        ref = self.reference_price(price)
        if rule is None or size is None or ref is None:
            return ""
        notional = ref * size
        maker = self.kind is ExecutionType.LIMIT and not self._crosses(price)
        rate = rule.maker_fee if maker else rule.taker_fee
        fee = notional * rate
        approx = "≈ " if price is None else ""
        return _("{approx}{notional} JPY · fee {fee} ({role} {rate}%)").format(
            approx=approx,
            notional=fmt(notional, 0),
            fee=fmt(fee, 0),
            role=_("maker") if maker else _("taker"),
            rate=fmt(rate * 100, 3),
        )

    def _crosses(self, price: Decimal | None) -> bool:
        if price is None:
            return True
        if self.side is Side.BUY:
            return self.best_ask is not None and price >= self.best_ask
        return self.best_bid is not None and price <= self.best_bid

    def action_review(self) -> None:
        intent = self._validate()
        if intent is None:
            if not self.errors:
                return
            self.app.bell()
            return
        self.post_message(TicketSubmitted(intent))

"""The order ticket: side, type, time in force, price, size, losscut price, cancelBefore.

Validates as you type against the symbol's rules (tick, size step, min/max, decimals) with the
reason inline, shows the estimated notional and fee, and on Enter posts
``OrderTicket.Submitted`` carrying an :class:`~gmo_tui.market.intent.OrderIntent`. The app
opens the confirm dialog; nothing is sent from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from gmo_tui.market.formatting import fmt, fmt_fine
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.sizing import RiskSize, risk_size
from gmo_tui.messages import BracketSubmitted, TicketSubmitted
from gmo_tui.trading.bracket_model import BracketSpec, ExitOffset
from gmo_tui.widgets.cycler import Cycler
from gmo_tui.widgets.ordered_input import OrderedInput
from gmo_tui.widgets.render_memo import RenderMemo
from gmo_tui.widgets.ticket_exits import parse_amount, parse_offset

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


EXIT_CHARS = r"[0-9.,t%]*"
_GROUPED = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?")


def _price(rule: SymbolRule, text: str) -> tuple[Decimal | None, str | None]:
    """A price as typed or as shown (grouped thousands: ``10,000,000``)."""
    t = text.strip()
    if "," in t:
        if not _GROUPED.fullmatch(t):
            return None, _("commas only between groups of three digits (10,000,000)")
        t = t.replace(",", "")
    return rules.validate_price(rule, t)


EXIT_NAMES = {
    "tp": N_("take-profit"),
    "sl": N_("stop-loss"),
    "trail": N_("trail"),
    "risk": N_("risk"),
}


@dataclass(frozen=True, slots=True)
class Exits:
    """The ticket's bracket fields, parsed."""

    take_profit: ExitOffset | None = None
    stop_loss: ExitOffset | None = None
    trail: Decimal | None = None
    risk: RiskSize | None = None


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
    OrderTicket #ticket-estimate.-risk { height: 2; }
    OrderTicket .-hidden { display: none; }
    OrderTicket.-short #row-exits, OrderTicket.-short #row-risk { display: none; }
    """
    BINDINGS = [
        Binding("enter", "review", "Review order", id="ticket.review", tooltip="Check and confirm"),
        Binding("escape", "leave", "Leave ticket", show=False, id="ticket.leave"),
        Binding(
            "f2",
            "flip_side",
            "Flip side",
            id="ticket.flip",
            tooltip="BUY <-> SELL, the price to the other side's touch",
        ),
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
        self.no_key_reason: str | None = None
        """Why there is no key when it is not a missing key (a read-only served app)."""
        """Why order entry is disabled (``EntryGates.reason``); None while it is enabled."""
        self.errors: dict[str, str] = {}
        self.exits = Exits()
        self.reviewed = False
        """Enter was pressed: empty required fields now show their error too."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Cycler([N_("BUY"), N_("SELL")], id="ticket-side", classes="-buy")
            yield Cycler([N_("LIMIT"), N_("MARKET"), N_("STOP")], id="ticket-type")
            yield Cycler(TIF_CHOICES[ExecutionType.LIMIT], id="ticket-tif")
        with Horizontal(id="row-price"):
            yield Label(_("Price"), classes="label")
            yield OrderedInput(
                id="ticket-price", placeholder=_("limit price"), restrict=r"[0-9.,]*", compact=True
            )
        with Horizontal():
            yield Label(_("Size"), classes="label")
            yield OrderedInput(
                id="ticket-size", placeholder=_("size"), restrict=r"[0-9.]*", compact=True
            )
        with Horizontal(id="row-losscut"):
            yield Label(_("Losscut"), classes="label")
            yield OrderedInput(
                id="ticket-losscut", placeholder=_("optional"), restrict=r"[0-9.]*", compact=True
            )
        with Horizontal(id="row-exits"):
            yield Label(_("TP / SL"), classes="label")
            yield OrderedInput(
                id="ticket-tp", placeholder=_("take-profit"), restrict=EXIT_CHARS, compact=True
            )
            yield OrderedInput(
                id="ticket-sl", placeholder=_("stop-loss"), restrict=EXIT_CHARS, compact=True
            )
        with Horizontal(id="row-risk"):
            yield Label(_("Trl/Risk"), classes="label")
            yield OrderedInput(
                id="ticket-trail", placeholder=_("trail"), restrict=r"[0-9.,]*", compact=True
            )
            yield OrderedInput(
                id="ticket-risk", placeholder=_("JPY at risk"), restrict=r"[0-9.,]*", compact=True
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
        """Open for ``side`` ``kind`` at ``price`` and focus the size (the `b`/`s` keys); the
        time in force starts from the kind's default (FAS for a LIMIT), never a MARKET's."""
        self.side = side
        self.reviewed = False
        self.query_one("#ticket-side", Cycler).value = side.value
        self.query_one("#ticket-type", Cycler).value = kind.value
        tif = self.tif_choices(kind)
        self.query_one("#ticket-tif", Cycler).set_options(tif, tif[0])
        if price is not None:
            self.set_price(price)
        self.query_one("#ticket-size", Input).focus()
        self._refresh_fields()

    def set_price(self, price: Decimal) -> None:
        """The price field, in the symbol's decimals with grouped thousands."""
        places = rules.price_decimals(self.rule) if self.rule else 0
        self.query_one("#ticket-price", Input).value = fmt(price, places)

    def set_size(self, size: Decimal) -> None:
        """The active size (keys ``1`` ... ``5``) into the size field."""
        self.query_one("#ticket-size", Input).value = format(size, "f")

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
        """BUY <-> SELL; a LIMIT's price moves to the new side's touch (a BUY at the bid
        becomes a SELL at the ask, never a SELL that crosses)."""
        side = self.side.opposite  # the cycler tells the side by a message, after this
        self.query_one("#ticket-side", Cycler).action_cycle(1)
        touch = self.best_bid if side is Side.BUY else self.best_ask
        if self.kind is ExecutionType.LIMIT and touch is not None:
            self.set_price(touch)

    def action_leave(self) -> None:
        """Esc: back to the book ladder (``#book`` on the screen), where the keys trade."""
        books = self.screen.query("#book")
        if books:
            books.first().focus()

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
        quiet: set[str] = set()
        """Fields still empty: not shown as errors until the user asks for a review."""
        if not self.private:
            errors["key"] = self.no_key_reason or _(
                "no API key: order entry needs credentials (see ? help)"
            )
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
            # an empty field is not an error yet: nothing red before the user typed
            if kind is not ExecutionType.MARKET:
                price, err = _price(rule, price_input.value)
                if err:
                    errors["price"] = err
                    if not price_input.value.strip():
                        quiet.add("price")
            size, err = rules.validate_size(rule, size_input.value)
            if err:
                errors["size"] = err
                if not size_input.value.strip():
                    quiet.add("size")
            if rule.is_margin and kind is not ExecutionType.MARKET and losscut_input.value.strip():
                losscut, err = _price(rule, losscut_input.value)
                if err:
                    errors["losscut"] = _("losscut {problem}").format(problem=err)
            exits = self._exits(rule, price, errors)
            if exits.risk is not None:
                # the amount at risk and the stop give the size: the size field is not used
                errors.pop("size", None)
                size = exits.risk.size
        if self.reviewed:
            quiet.clear()
        price_input.set_class("price" in errors and "price" not in quiet, "-invalid")
        size_input.set_class("size" in errors and "size" not in quiet, "-invalid")
        losscut_input.set_class("losscut" in errors, "-invalid")
        self.errors = errors
        first = next((e for k, e in errors.items() if k not in quiet), "")
        self.query_one("#ticket-error", Static).update(first)
        estimate = self._estimate(price, size)
        if self.exits.risk is not None and self.exits.risk.size is not None:
            risk = self.exits.risk
            margin = (
                "" if risk.margin is None else _(" · margin {jpy}").format(jpy=fmt(risk.margin, 0))
            )
            estimate = _("risk {jpy} JPY → size {size}").format(
                jpy=fmt(risk.risk, 0), size=f"{risk.size:f}"
            )
            estimate = f"{estimate}{margin}\n{self._estimate(price, size)}"
        estimate_line = self.query_one("#ticket-estimate", Static)
        estimate_line.set_class(self.exits.risk is not None, "-risk")
        estimate_line.update(estimate)
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

    def _exits(self, rule: SymbolRule, price: Decimal | None, errors: dict[str, str]) -> Exits:
        """The take-profit, stop-loss, trailing and risk fields (errors added to ``errors``)."""
        tp, tp_err = parse_offset(self.query_one("#ticket-tp", Input).value)
        sl, sl_err = parse_offset(self.query_one("#ticket-sl", Input).value)
        trail, trail_err = parse_amount(self.query_one("#ticket-trail", Input).value)
        amount, risk_err = parse_amount(self.query_one("#ticket-risk", Input).value)
        for key, err in (("tp", tp_err), ("sl", sl_err), ("trail", trail_err), ("risk", risk_err)):
            if err:
                errors[key] = _("{field}: {problem}").format(field=_(EXIT_NAMES[key]), problem=err)
        if trail is not None and sl is None:
            errors["trail"] = _("a trailing distance needs a stop-loss")
        risk = None
        if amount is not None:
            entry = self.reference_price(price)
            if sl is None or entry is None:
                errors["risk"] = _("risk sizing needs a stop-loss (and a price)")
            else:
                stop = sl.price(rule, self.side, entry, profit=False)
                resting = self.kind is ExecutionType.LIMIT and not self._crosses(price)
                risk = risk_size(
                    rule,
                    self.side,
                    entry,
                    stop,
                    amount,
                    entry_fee_rate=rule.maker_fee if resting else None,
                )
                if risk.size is None:
                    errors["risk"] = _("risk: {reason}").format(reason=_(risk.reason or ""))
        self.exits = Exits(tp, sl, trail, risk)
        return self.exits

    def bracket(self, intent: OrderIntent) -> BracketSpec | None:
        """The ticket's order as a bracket when it has a take-profit or a stop-loss."""
        exits = self.exits
        if exits.take_profit is None and exits.stop_loss is None:
            return None
        return BracketSpec(
            symbol=intent.symbol,
            side=intent.side,
            size=intent.size,
            execution_type=intent.execution_type,
            price=intent.price,
            stop_loss=exits.stop_loss,
            take_profit=exits.take_profit,
            trail=exits.trail,
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
            rate=fmt_fine(rate * 100, 0, 3),
        )

    def _crosses(self, price: Decimal | None) -> bool:
        if price is None:
            return True
        if self.side is Side.BUY:
            return self.best_ask is not None and price >= self.best_ask
        return self.best_bid is not None and price <= self.best_bid

    def action_review(self) -> None:
        self.reviewed = True
        intent = self._validate()
        if intent is None:
            if not self.errors:
                return
            self.app.bell()
            return
        spec = self.bracket(intent)
        if spec is not None:
            self.post_message(BracketSubmitted(spec))
        else:
            self.post_message(TicketSubmitted(intent))

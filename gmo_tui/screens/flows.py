"""Order flows: each user action from its dialog to the outcome on screen.

Pre-trade findings come from the service's pure checks (``check`` / ``check_change`` /
``check_close`` / ``check_close_all``) before any dialog, so a soft finding is in the one
confirm the user answers, and ``y`` sends with ``confirmed=True``. Every confirmed action is
sent, or refused with its reason on screen; outcomes are matched on :class:`Outcome`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Protocol, TypeVar

from textual.screen import ModalScreen

from gmo_tui import config as cfg
from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.exchange.errors import ApiError
from gmo_tui.i18n import _
from gmo_tui.i18n.exchange_errors import describe
from gmo_tui.market import rules as market_rules
from gmo_tui.market.formatting import decimals_of, fmt, fmt_fine, group_price
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import TrackedOrder
from gmo_tui.market.safety import walk_book
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.serve import read_only_reason
from gmo_tui.session.listener import Severity
from gmo_tui.session.session import Session
from gmo_tui.trading.bracket_model import BracketSpec, OffsetKind
from gmo_tui.trading.brackets import BracketManager
from gmo_tui.trading.results import Outcome, SubmitResult
from gmo_tui.trading.service import TradingService

T = TypeVar("T")
BOOK_WAIT_S = 10.0
"""How long a close on another symbol waits for that symbol's live book after the switch."""
BOOK_POLL_S = 0.05
Lines = list[tuple[str, str]]
Send = Callable[[bool], Awaitable[SubmitResult]]
"""An action, given ``confirmed``."""


class FlowHost(Protocol):
    """What the flows need from the screen: dialogs, a worker, a message line."""

    def ask(self, dialog: ModalScreen[T], then: Callable[[T | None], None]) -> None: ...
    def run_flow(self, work: Callable[[], Awaitable[None]], what: str) -> None: ...
    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None: ...
    def action_focus_book(self) -> None: ...
    def switch_symbol(self, symbol: str) -> None: ...


def finding_texts(result: SubmitResult) -> list[str]:
    return [str(getattr(f, "message", f)) for f in result.findings]


class OrderFlows:
    """The actions of the ticket, the Orders and the Positions tables."""

    def __init__(self, session: Session, host: FlowHost) -> None:
        self.session = session
        self.host = host

    # ------------------------------------------------------------------ helpers
    def _service(self, *, entry: bool) -> TradingService | None:
        """The service, or None with the reason said (no key; entry disabled and why)."""
        service = self.session.service
        if service is None:
            read_only = read_only_reason()  # served read-only: that, not "add a key"
            self.host.say(_(read_only) if read_only else cfg.how_to_add_key(), Severity.ERROR)
            return None
        if entry and not service.gates.enabled:
            self.host.say(
                _("Order entry disabled: {reason}").format(
                    reason=_(service.gates.reason) if service.gates.reason else _("not ready")
                ),
                Severity.ERROR,
                12,
            )
            return None
        return service

    def _skip(self, kind: str, notional: Decimal) -> bool:
        """True when ``[confirm]`` sends ``kind`` without a dialog at ``notional`` JPY."""
        below = self.session.settings.confirm_below(kind)
        return below > 0 and notional < below

    def _active_size(self, symbol: str) -> Decimal | None:
        size = self.session.sizes.active(symbol)
        if size is None:
            self.host.say(
                _("No size for {symbol} yet (waiting for its rules)").format(symbol=symbol),
                Severity.WARNING,
            )
        return size

    def _sz(self, size: Decimal, symbol: str) -> str:
        """A size at the symbol's decimals (``fmt``), as every table shows it."""
        return _size(size, symbol, self.session)

    def _places(self, symbol: str) -> int:
        rule = self.session.rules.get(symbol)
        return decimals_of(rule.tick_size) if rule else 0

    def _confirm(
        self,
        title: str,
        lines: Lines,
        what: str,
        send: Send,
        check: SubmitResult | None,
        *,
        danger: bool = False,
        then: Callable[[], None] | None = None,
        buttons: tuple[str, str] | None = None,
        skip: bool = False,
    ) -> None:
        """One confirm (with the soft findings when ``check`` says NEEDS_CONFIRM), then send
        (and ``then()``, e.g. back to the book after a ticket's order). ``skip``: the user's
        ``[confirm]`` lets this go without a dialog, which holds only while the checks found
        nothing (a warning always shows its dialog)."""
        if check is not None and check.outcome is not Outcome.NEEDS_CONFIRM:
            self._report(check, what, send)
            return
        if skip and check is None:
            self.host.run_flow(partial(self._send, send, what, False), what)
            return
        findings = finding_texts(check) if check is not None else []
        confirmed = check is not None

        def answered(ok: bool | None) -> None:
            if ok:
                self.host.run_flow(partial(self._send, send, what, confirmed), what)
                if then is not None:
                    then()

        self.host.ask(
            ConfirmScreen(
                _("Check these numbers") if findings else title,
                lines,
                findings=findings,
                warning=bool(findings),
                danger=danger,
                yes=None if buttons is None or findings else buttons[0],
                no=None if buttons is None or findings else buttons[1],
            ),
            answered,
        )

    async def _send(self, send: Send, what: str, confirmed: bool) -> None:
        self._report(await send(confirmed), what, send)

    def _report(self, result: SubmitResult, what: str, send: Send) -> None:
        match result.outcome:
            case Outcome.ACCEPTED:
                order = _(" (order {id})").format(id=result.order_id) if result.order_id else ""
                self.host.say(_("Accepted: {what}{order}").format(what=what, order=order))
            case Outcome.NEEDS_CONFIRM:
                # the market moved between the check and the send: ask again, with the findings
                self._confirm(what, [(_("Action"), what)], what, send, result)
            case Outcome.REJECTED:
                error = result.error
                if isinstance(error, ApiError):
                    text = describe(error)
                else:
                    text = str(error or result.reason)
                self.host.say(
                    _("Rejected: {what}: {text}").format(what=what, text=text), Severity.ERROR, 12
                )
            case Outcome.UNKNOWN:
                self.host.say(
                    _(
                        "UNKNOWN outcome: {what}: the reply was lost; checking the exchange"
                        " (never re-sent)"
                    ).format(what=what),
                    Severity.WARNING,
                    15,
                )
            case Outcome.REFUSED | Outcome.BLOCKED:
                reasons = finding_texts(result) or [str(result.reason or result.outcome.value)]
                self.host.say(
                    f"{_(result.outcome.value.title())}: {what}: {'; '.join(reasons)}",
                    Severity.ERROR,
                    12,
                )

    # ------------------------------------------------------------------ the ticket
    def describe_intent(self, intent: OrderIntent) -> Lines:
        session = self.session
        rule = session.rules.get(intent.symbol)
        pd = self._places(intent.symbol)
        book = session.books[intent.symbol]
        touch = book.best_ask if intent.side is Side.BUY else book.best_bid
        touch_name = _("best ask") if intent.side is Side.BUY else _("best bid")
        lines = [
            (_("Symbol"), intent.symbol),
            (_("Side"), _(intent.side.value)),
            (_("Type"), _(intent.execution_type.value)),
            (
                _("Time in force"),
                intent.time_in_force.value if intent.time_in_force else _("default"),
            ),
            (_("Size"), self._sz(intent.size, intent.symbol)),
        ]
        if intent.price is not None:
            lines.append((_("Price"), fmt(intent.price, pd)))
        if intent.losscut_price is not None:
            lines.append((_("Losscut"), fmt(intent.losscut_price, pd)))
        if intent.cancel_before:
            lines.append(("cancelBefore", "true"))
        ref = intent.price if intent.price is not None else touch
        if touch is not None:
            lines.append((_("Touch ({touch})").format(touch=touch_name), fmt(touch, pd)))
            if intent.price is not None:
                diff = intent.price - touch
                pct = diff / touch * 100 if touch else Decimal(0)
                lines.append(
                    (_("Distance"), f"{fmt(diff, pd, sign=True)} ({fmt(pct, 2, sign=True)}%)")
                )
        if ref is not None:
            notional = ref * intent.size
            approx = "≈ " if intent.price is None else ""
            lines.append((_("Notional"), f"{approx}{fmt(notional, 0)} JPY"))
            # the account's own rate (tier) when the trading volume is loaded, else the symbol's
            fees = session.account.fees(intent.symbol)
            taker = fees[0] if fees is not None else rule.taker_fee if rule is not None else None
            if taker is not None:
                lines.append((_("Fee (taker)"), f"≤ {fmt(notional * taker, 0)} JPY"))
        return lines

    def submit(self, intent: OrderIntent) -> None:
        service = self._service(entry=True)
        if service is None:
            return
        self._confirm(
            _("Send {side} {type}?").format(
                side=_(intent.side.value), type=_(intent.execution_type.value)
            ),
            self.describe_intent(intent),
            f"{_(intent.side.value)} {self._sz(intent.size, intent.symbol)} {intent.symbol}",
            partial(_submit, service, intent),
            service.check(intent),
            then=self.host.action_focus_book,
        )

    # ------------------------------------------------------------------ the ladder
    def ladder_limit(self, side: Side, price: Decimal) -> None:
        """``b`` / ``s`` on the ladder: a FAS LIMIT of the active size at ``price``."""
        service = self._service(entry=True)
        symbol = self.session.symbol
        size = None if service is None else self._active_size(symbol)
        if service is None or size is None:
            return
        intent = OrderIntent(
            symbol, side, ExecutionType.LIMIT, size, price, time_in_force=TimeInForce.FAS
        )
        self._confirm(
            _("Send {side} LIMIT at {price}?").format(
                side=_(side.value), price=fmt(price, self._places(symbol))
            ),
            self.describe_intent(intent),
            _("{side} LIMIT {size} {symbol} @ {price}").format(
                side=_(side.value),
                size=self._sz(size, symbol),
                symbol=symbol,
                price=fmt(price, self._places(symbol)),
            ),
            partial(_submit, service, intent),
            service.check(intent),
            skip=self._skip("ladder_limit", price * size),
        )

    def ladder_stop(self, price: Decimal) -> None:
        """``t`` on the ladder: a STOP of the active size triggered at ``price``; above the
        ask a BUY stop, below the bid a SELL stop, refused in between."""
        service = self._service(entry=True)
        symbol = self.session.symbol
        book = self.session.books[symbol]
        bid, ask = book.best_bid, book.best_ask
        pd = self._places(symbol)
        if ask is not None and price > ask:
            side = Side.BUY
        elif bid is not None and price < bid:
            side = Side.SELL
        else:
            self.host.say(
                _(
                    "No STOP at {price}: a BUY stop goes above the best ask, a SELL stop"
                    " below the best bid; move the cursor past the touch"
                ).format(price=fmt(price, pd)),
                Severity.WARNING,
            )
            return
        size = None if service is None else self._active_size(symbol)
        if service is None or size is None:
            return
        intent = OrderIntent(symbol, side, ExecutionType.STOP, size, price)
        self._confirm(
            _("Send {side} STOP at {price}?").format(side=_(side.value), price=fmt(price, pd)),
            self.describe_intent(intent),
            _("{side} STOP {size} {symbol} @ {price}").format(
                side=_(side.value), size=self._sz(size, symbol), symbol=symbol, price=fmt(price, pd)
            ),
            partial(_submit, service, intent),
            service.check(intent),
        )

    def cancel_level(self, price: Decimal, step: Decimal) -> None:
        """``c`` on the ladder: cancel my orders at the level ``price`` (``step`` wide)."""
        service = self._service(entry=False)
        if service is None:
            return
        symbol = self.session.symbol
        pd = self._places(symbol)
        orders = [
            o
            for o in service.tracker.active(symbol, include_in_flight=False)
            if o.price is not None and _at_level(price, step, o.price)
        ]
        at_level = partial(_at_level, price, step)
        brackets = self.session.brackets
        if brackets is not None:
            # an exit of a bracket here: the bracket goes as one unit (never half of it)
            owners = {b.id for o in orders if o.order_id and (b := brackets.by_order(o.order_id))}
            owners |= {e.bracket_id for e in brackets.exit_levels(symbol) if at_level(e.price)}
            if owners:
                self.cancel_bracket(min(owners))
                return
        if not orders:
            self.host.say(
                _("No order of mine at {price}").format(price=fmt(price, pd)), Severity.WARNING
            )
            return
        ids = [o.order_id for o in orders if o.order_id is not None]
        lines: Lines = [(_("Level"), fmt(price, pd))]
        lines += [
            (
                _("Order {id}").format(id=o.order_id),
                f"{_(o.side.value)} {_(o.execution_type.value)} {self._sz(o.remaining, o.symbol)}",
            )
            for o in orders
        ]
        count = _("1 order") if len(ids) == 1 else _("{count} orders").format(count=len(ids))
        notional = sum((o.price * o.remaining for o in orders if o.price is not None), Decimal(0))
        self._confirm(
            _("Cancel {count} at {price}?").format(count=count, price=fmt(price, pd)),
            lines,
            _("cancel {count} at {price}").format(count=count, price=fmt(price, pd)),
            partial(_cancel_each, service, ids),
            None,
            skip=self._skip("cancel", notional),
        )

    def move_to(self, price: Decimal, selected: int | None = None) -> None:
        """``m`` on the ladder: move the order ``selected`` in the Orders table there when it is
        an active order of this symbol, else my order nearest ``price`` (changeOrder); the
        confirm says which and why."""
        service = self._service(entry=True)
        if service is None:
            return
        symbol = self.session.symbol
        pd = self._places(symbol)
        orders = [
            o
            for o in service.tracker.active(symbol, include_in_flight=False)
            if o.price is not None and o.execution_type is not ExecutionType.MARKET
        ]
        if not orders:
            self.host.say(
                _("No order of mine on {symbol} to move").format(symbol=symbol), Severity.WARNING
            )
            return
        picked = [o for o in orders if selected is not None and o.order_id == selected]
        order = picked[0] if picked else min(orders, key=partial(_distance, price))
        why = _("selected in Orders") if picked else _("nearest the cursor")
        order_id = order.order_id
        if order_id is None:
            return
        if order.price == price:
            self.host.say(
                _("Order {id} is already at {price}").format(id=order_id, price=fmt(price, pd))
            )
            return
        old = order.price or Decimal(0)
        self._confirm(
            _("Move order {id}?").format(id=order_id),
            [
                (_("Order"), f"{order_id} {_(order.side.value)} {_(order.execution_type.value)}"),
                (_("Chosen"), why),
                (_("Remaining"), self._sz(order.remaining, order.symbol)),
                (_("Old price"), fmt(old, pd)),
                (_("New price"), fmt(price, pd)),
            ],
            _("move order {id} to {price}").format(id=order_id, price=fmt(price, pd)),
            lambda confirmed: service.change(order_id, price, confirmed=confirmed),
            service.check_change(order_id, price),
        )

    # ------------------------------------------------------------------ market hotkeys
    def market(self, side: Side) -> None:
        """``B`` / ``S``: a MARKET order of the active size, the slippage estimate in the
        confirm."""
        service = self._service(entry=True)
        symbol = self.session.symbol
        size = None if service is None else self._active_size(symbol)
        if service is None or size is None:
            return
        intent = OrderIntent(symbol, side, ExecutionType.MARKET, size)
        lines = self.describe_intent(intent) + self._slippage(intent)
        self._confirm(
            _("Send {side} MARKET {size}?").format(side=_(side.value), size=self._sz(size, symbol)),
            lines,
            _("{side} MARKET {size} {symbol}").format(
                side=_(side.value), size=self._sz(size, symbol), symbol=symbol
            ),
            partial(_submit, service, intent),
            service.check(intent),
        )

    def _slippage(self, intent: OrderIntent) -> Lines:
        book = self.session.books[intent.symbol]
        touch = book.best_ask if intent.side is Side.BUY else book.best_bid
        filled, vwap = walk_book(book, intent.side, intent.size)
        if touch is None or filled <= 0:
            return [(_("Slippage"), _("unknown (no book)"))]
        pd = self._places(intent.symbol)
        slip = abs(vwap - touch)
        lines = [
            (_("Est. average"), fmt_fine(vwap, pd)),
            (_("Slippage"), f"{fmt_fine(slip, pd)} ({fmt_fine(slip / touch * 100, 0, 3)}%)"),
        ]
        if filled < intent.size:
            lines.append(
                (
                    _("Book depth"),
                    _("only {size} shown: the rest fills further away").format(
                        size=self._sz(filled, intent.symbol)
                    ),
                )
            )
        return lines

    def flatten(self) -> None:
        """``F``: cancel every order of the symbol, then close every position (spot: only
        the cancel, and says so)."""
        service = self._service(entry=False)
        if service is None:
            return
        symbol = self.session.symbol
        rule = self.session.rules.get(symbol)
        margin = rule is not None and rule.is_margin
        orders = len(service.tracker.active(symbol, include_in_flight=False))
        positions = service.positions.all(symbol) if margin else []
        if not orders and not positions:
            self.host.say(
                _("Nothing to flatten on {symbol}: no orders, no positions").format(symbol=symbol)
            )
            return
        lines: Lines = [
            (_("Symbol"), symbol),
            (_("Cancel"), _("{count} orders (cancelBulkOrder)").format(count=orders)),
        ]
        for side in sorted({p.side for p in positions}):
            size = sum((p.size for p in positions if p.side is side), Decimal(0))
            lines.append(
                (
                    _("Close {side}").format(side=_(side.value)),
                    _("{size} MARKET {side}").format(
                        size=self._sz(size, symbol), side=_(side.opposite.value)
                    ),
                )
            )
        if not margin:
            lines.append((_("Spot"), _("orders only: spot holdings are not positions, none sold")))
        close_check = service.check_close_all(symbol) if positions else None
        closing_refused = close_check is not None and close_check.outcome is Outcome.REFUSED
        self._confirm(
            _("Flatten {symbol}?").format(symbol=symbol),
            lines,
            _("flatten {symbol}").format(symbol=symbol),
            partial(_flatten, service, symbol, bool(orders), bool(positions)),
            # the close's soft findings join the one dialog; a refused close (say, the kill
            # switch) still lets the cancels go, and its refusal is said after them
            _merge(service.check_close_all(symbol)) if positions and not closing_refused else None,
            danger=True,
        )

    def reverse(self) -> None:
        """``R``: close the margin position of the symbol and open the opposite side of the
        same size (one MARKET close, then one MARKET open)."""
        service = self._service(entry=True)
        if service is None:
            return
        symbol = self.session.symbol
        rule = self.session.rules.get(symbol)
        if rule is None or not rule.is_margin:
            self.host.say(
                _("{symbol} is spot: only margin positions reverse").format(symbol=symbol),
                Severity.WARNING,
            )
            return
        positions = service.positions.all(symbol)
        sides = {p.side for p in positions}
        if len(sides) != 1:
            self.host.say(
                _("Reverse needs one open side on {symbol} ({why})").format(
                    symbol=symbol,
                    why=_("none") if not sides else _("both BUY and SELL are open"),
                ),
                Severity.WARNING,
            )
            return
        side = sides.pop()
        size = sum((p.size for p in positions), Decimal(0))
        closing = side.opposite
        opening = OrderIntent(symbol, closing, ExecutionType.MARKET, size)
        self._confirm(
            _("Reverse {side} {size} {symbol}?").format(
                side=_(side.value), size=self._sz(size, symbol), symbol=symbol
            ),
            [
                (_("Symbol"), symbol),
                (
                    _("Closing"),
                    _("{side} {size}: MARKET {closing} (closeBulkOrder)").format(
                        side=_(side.value), size=self._sz(size, symbol), closing=_(closing.value)
                    ),
                ),
                (
                    _("Then open"),
                    _("{side} {size} MARKET").format(
                        side=_(closing.value), size=self._sz(size, symbol)
                    ),
                ),
                *self._slippage(OrderIntent(symbol, closing, ExecutionType.MARKET, size * 2)),
            ],
            _("reverse {side} {size} {symbol}").format(
                side=_(side.value), size=self._sz(size, symbol), symbol=symbol
            ),
            partial(_reverse, service, symbol, closing, opening),
            _merge(service.check_close_all(symbol, closing), service.check(opening)),
            danger=True,
        )

    # ------------------------------------------------------------------ brackets
    def bracket(self, spec: BracketSpec) -> None:
        """The ticket's entry with a take-profit / stop-loss: one confirm with the entry and
        its exits (the stop at the exchange, the take-profit held by the app), then place."""
        service = self._service(entry=True)
        brackets = self.session.brackets
        if service is None or brackets is None:
            return
        intent = spec.entry_intent()
        lines = self.describe_intent(intent)
        rule = self.session.rules.get(spec.symbol)
        book = self.session.books[spec.symbol]
        entry = spec.price or (book.best_ask if spec.side is Side.BUY else book.best_bid)
        pd = self._places(spec.symbol)
        for name, offset, profit, how in (
            (_("Stop-loss"), spec.stop_loss, False, _("STOP at the exchange")),
            (
                _("Take-profit"),
                spec.take_profit,
                True,
                _("emulated by the app: MARKET at the touch"),
            ),
        ):
            if offset is None:
                continue
            at = (
                ""
                if rule is None or entry is None
                else fmt(offset.price(rule, spec.side, entry, profit=profit), pd)
            )
            given = {
                OffsetKind.PRICE: _("price {value}"),
                OffsetKind.TICKS: _("{value} ticks"),
                OffsetKind.PERCENT: _("{value}%"),
            }[offset.kind].format(value=offset.value)
            lines.append((name, f"{at} ({given}), {how}"))
        if spec.trail is not None:
            lines.append(
                (
                    _("Trailing"),
                    _("stop follows the touch at {distance}").format(distance=fmt(spec.trail, pd)),
                )
            )
        lines.append(
            (_("Exits"), _("per fill of the entry, sized to it; one fills, the other goes"))
        )
        self._confirm(
            _("Send {side} {type} with a bracket?").format(
                side=_(spec.side.value), type=_(spec.execution_type.value)
            ),
            lines,
            _("bracket {side} {size} {symbol}").format(
                side=_(spec.side.value), size=self._sz(spec.size, spec.symbol), symbol=spec.symbol
            ),
            partial(_place_bracket, brackets, spec),
            brackets.check(spec),
            then=self.host.action_focus_book,
        )

    def cancel_bracket(self, bracket_id: int) -> None:
        """Cancel a bracket as one unit; its open lots stay the trader's (said so)."""
        brackets = self.session.brackets
        bracket = None if brackets is None else brackets.get(bracket_id)
        if brackets is None or bracket is None:
            self.host.say(_("No bracket {id}").format(id=bracket_id), Severity.WARNING)
            return
        self._confirm(
            _("Cancel bracket {id}?").format(id=bracket_id),
            [
                (
                    _("Bracket"),
                    f"{bracket_id}: {_(bracket.spec.side.value)} {self._sz(bracket.spec.size, bracket.spec.symbol)}",
                ),
                (_("Cancels"), _("its working entry and stops; the take-profit is disarmed")),
                (
                    _("Keeps"),
                    _("what filled ({size} open): close it yourself").format(
                        size=self._sz(bracket.open_size, bracket.spec.symbol)
                    ),
                ),
            ],
            _("cancel bracket {id}").format(id=bracket_id),
            partial(_cancel_bracket, brackets, bracket_id),
            None,
            danger=True,
        )

    # ------------------------------------------------------------------ orders
    def cancel(self, order_id: int) -> None:
        service = self._service(entry=False)
        if service is None:
            return
        brackets = self.session.brackets
        bracket = None if brackets is None else brackets.by_order(order_id)
        if bracket is not None and not bracket.state.is_final:
            self.cancel_bracket(bracket.id)  # never half a bracket: it goes as one unit
            return
        order = service.tracker.get(order_id)
        lines = [(_("Order"), str(order_id))]
        if order is not None:
            pd = self._places(order.symbol)
            lines += [
                (_("Side"), _(order.side.value)),
                (_("Price"), fmt(order.price, pd)),
                (_("Remaining"), _size(order.remaining, order.symbol, self.session)),
            ]
        self._confirm(
            _("Cancel order {id}?").format(id=order_id),
            lines,
            _("cancel order {id}").format(id=order_id),
            lambda _confirmed: service.cancel(order_id),
            None,
            buttons=(_("Cancel order (y)"), _("Keep (n)")),
        )

    def cancel_all(self, symbol: str | None = None) -> None:
        """``C``: every order of ``symbol`` (the selected row's in the all-symbols view; the
        current symbol otherwise); the dialog says what other symbols' orders stay."""
        service = self._service(entry=False)
        if service is None:
            return
        symbol = symbol or self.session.symbol
        count = len(service.tracker.active(symbol, include_in_flight=False))
        others = len(service.tracker.active(None, include_in_flight=False)) - count
        if not count:
            self.host.say(_("No open orders of {symbol}: nothing to cancel").format(symbol=symbol))
            return
        title = (
            _("Cancel the 1 open order of {symbol}?").format(symbol=symbol)
            if count == 1
            else _("Cancel ALL {count} orders of {symbol}?").format(count=count, symbol=symbol)
        )
        lines = [(_("Symbol"), symbol), (_("Orders"), str(count))]
        if others:
            kept = (
                _("1 order of another symbol")
                if others == 1
                else _("{count} orders of other symbols").format(count=others)
            )
            lines.append((_("Kept"), kept))
        self._confirm(
            title,
            lines,
            _("cancel all {symbol}").format(symbol=symbol),
            lambda _confirmed: service.cancel_all(symbol),
            None,
            danger=True,
            buttons=(
                _("Cancel order (y)") if count == 1 else _("Cancel orders (y)"),
                _("Keep (n)"),
            ),
        )

    def change(self, order_id: int) -> None:
        service = self._service(entry=True)
        if service is None:
            return
        order = service.tracker.get(order_id)
        rule = None if order is None else self.session.rules.get(order.symbol)
        if order is None or rule is None or order.price is None:
            self.host.say(
                _("Order {id} cannot be changed here").format(id=order_id), Severity.WARNING
            )
            return
        old = order.price
        pd = self._places(order.symbol)

        def chosen(price: Decimal | None) -> None:
            if price is None:
                return
            what = _("change order {id} to {price}").format(id=order_id, price=fmt(price, pd))
            self._confirm(
                _("Change order {id}?").format(id=order_id),
                [
                    (_("Order"), str(order_id)),
                    (_("Remaining"), remaining),
                    (_("Old price"), fmt(old, pd)),
                    (_("New price"), fmt(price, pd)),
                ],
                what,
                lambda confirmed: service.change(order_id, price, confirmed=confirmed),
                service.check_change(order_id, price),
                buttons=(_("Change order (y)"), _("Keep (n)")),
            )

        remaining = _size(order.remaining, order.symbol, self.session)
        self.host.ask(
            ValueDialog(
                _("New price for order {id} ({side} {size} remaining)").format(
                    id=order_id, side=_(order.side.value), size=remaining
                ),
                format(old, "f"),
                partial(market_rules.validate_price, rule),
            ),
            chosen,
        )

    # ------------------------------------------------------------------ positions
    def _book_ready(self, service: TradingService, symbol: str, retry: Callable[[], None]) -> bool:
        """Whether ``symbol``'s book can price a MARKET close. Only the current symbol's book is
        streamed: for a row of another symbol (the all-symbols view) offer to switch to it, and
        ``retry`` (the same action, with its own dialog) once its book is live."""
        book = self.session.books.get(symbol)
        if symbol == self.session.symbol or (
            book is not None
            and book.reference(service.clock(), service.limits.max_book_age) is not None
        ):
            return True
        snapshots = 0 if book is None else book.snapshots

        def answered(ok: bool | None) -> None:
            if ok:
                self.host.switch_symbol(symbol)
                what = _("switch to {symbol}").format(symbol=symbol)
                self.host.run_flow(partial(self._when_book_live, symbol, snapshots, retry), what)

        self.host.ask(
            ConfirmScreen(
                _("Switch to {symbol} to close at market?").format(symbol=symbol),
                [
                    (_("Symbol"), symbol),
                    (_("Why"), _("a MARKET close is checked against the symbol's live book")),
                    (_("Then"), _("the close dialog, once {symbol}'s book is live")),
                ],
                yes=_("Switch (y)"),
                no=_("Keep (n)"),
            ),
            answered,
        )
        return False

    async def _when_book_live(self, symbol: str, snapshots: int, retry: Callable[[], None]) -> None:
        service = self.session.service
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BOOK_WAIT_S
        while service is not None and self.session.symbol == symbol:
            book = self.session.books.get(symbol)
            if (
                book is not None
                and book.snapshots > snapshots
                and book.reference(service.clock(), service.limits.max_book_age) is not None
            ):
                retry()
                return
            if loop.time() > deadline:
                break
            await asyncio.sleep(BOOK_POLL_S)
        self.host.say(
            _("No live book for {symbol} yet: nothing sent").format(symbol=symbol),
            Severity.WARNING,
        )

    def close(self, position_id: int) -> None:
        service = self._service(entry=True)
        if service is None:
            return
        position = service.positions.get(position_id)
        if position is None:
            self.host.say(_("Position {id} is not open").format(id=position_id), Severity.WARNING)
            return
        if not self._book_ready(service, position.symbol, partial(self.close, position_id)):
            return
        pd = self._places(position.symbol)
        size = position.size
        self._confirm(
            _("Close position {id}?").format(id=position_id),
            [
                (_("Position"), str(position_id)),
                (_("Side"), _(position.side.value)),
                (_("Size"), self._sz(size, position.symbol)),
                (_("Open price"), fmt(position.price, pd)),
                (_("Close"), f"{_('MARKET')} {_(position.side.opposite.value)}"),
            ],
            _("close position {id}").format(id=position_id),
            lambda confirmed: service.close(position_id, size, confirmed=confirmed),
            service.check_close(position_id, size),
            buttons=(_("Close position (y)"), _("Keep (n)")),
        )

    def close_all(self, symbol: str | None = None) -> None:
        """``X``: every position of ``symbol`` (the selected row's in the all-symbols view; the
        current symbol otherwise), one dialog a side; it says what other symbols' positions
        stay."""
        service = self._service(entry=True)
        if service is None:
            return
        symbol = symbol or self.session.symbol
        open_positions = service.positions.all(symbol)
        others = len(service.positions.all(None)) - len(open_positions)
        if open_positions and not self._book_ready(
            service, symbol, partial(self.close_all, symbol)
        ):
            return
        if not open_positions:
            self.host.say(
                _("No open positions on {symbol}").format(symbol=symbol), Severity.WARNING
            )
            return
        kept = (
            _("1 position of another symbol")
            if others == 1
            else _("{count} positions of other symbols").format(count=others)
        )
        for side in sorted({p.side for p in open_positions}):
            size = sum((p.size for p in open_positions if p.side is side), Decimal(0))
            closing = side.opposite
            self._confirm(
                _("Close ALL {side} positions of {symbol}?").format(
                    side=_(side.value), symbol=symbol
                ),
                [
                    (_("Symbol"), symbol),
                    (_("Positions"), _(side.value)),
                    (_("Total size"), self._sz(size, symbol)),
                    (_("Order"), f"{_('MARKET')} {_(closing.value)} (closeBulkOrder)"),
                    *([(_("Kept"), kept)] if others else []),
                ],
                _("close all {side} {symbol}").format(side=_(side.value), symbol=symbol),
                partial(_close_all, service, symbol, closing),
                service.check_close_all(symbol, closing),
                danger=True,
                buttons=(_("Close positions (y)"), _("Keep (n)")),
            )

    def losscut(self, position_id: int) -> None:
        service = self._service(entry=False)
        if service is None:
            return
        position = service.positions.get(position_id)
        rule = None if position is None else self.session.rules.get(position.symbol)
        if position is None or rule is None:
            self.host.say(_("Position {id} is not open").format(id=position_id), Severity.WARNING)
            return
        pd = self._places(position.symbol)
        old = position.losscut_price

        def chosen(price: Decimal | None) -> None:
            if price is None:
                return
            self._confirm(
                _("Change losscut of position {id}?").format(id=position_id),
                [
                    (_("Position"), str(position_id)),
                    (_("Old losscut"), fmt(old, pd)),
                    (_("New losscut"), fmt(price, pd)),
                ],
                _("losscut of position {id}").format(id=position_id),
                lambda _confirmed: service.change_losscut(position_id, price),
                None,
                buttons=(_("Change losscut (y)"), _("Keep (n)")),
            )

        book = self.session.books[position.symbol]
        long = position.side is Side.BUY

        def validate(text: str) -> tuple[Decimal | None, str | None]:
            """On the tick, and on the losing side of the touch the exchange marks the position
            at (a long's losscut below the best bid, a short's above the best ask): anything
            else comes back ERR-5106, so it is never sent."""
            value, error = market_rules.validate_price(rule, text)
            if value is None:
                return value, error
            touch = book.best_bid if long else book.best_ask
            if touch is None:
                return None, _("no price to check the losscut against: wait for the book")
            if long and value >= touch:
                return None, _("a long's losscut must be below the best bid {touch}").format(
                    touch=fmt(touch, pd)
                )
            if not long and value <= touch:
                return None, _("a short's losscut must be above the best ask {touch}").format(
                    touch=fmt(touch, pd)
                )
            return value, None

        touch = book.best_bid if long else book.best_ask
        valid = (
            _("valid: below {touch} (best bid)") if long else _("valid: above {touch} (best ask)")
        ).format(touch=fmt(touch, pd))
        self.host.ask(
            ValueDialog(
                _("Losscut price for position {id} ({side} {size} @ {price})").format(
                    id=position_id,
                    side=_(position.side.value),
                    size=_size(position.size, position.symbol, self.session),
                    price=fmt(position.price, pd),
                ),
                format(old, "f"),
                validate,
                hint=valid + " · " + _("Enter to accept · Escape to cancel"),
            ),
            chosen,
        )


def _size(size: Decimal, symbol: str, session: Session) -> str:
    """A size with the symbol's size decimals."""
    rule = session.rules.get(symbol)
    return fmt(size, decimals_of(rule.size_step)) if rule else f"{size:f}"


async def _submit(service: TradingService, intent: OrderIntent, confirmed: bool) -> SubmitResult:
    return await service.submit(intent, confirmed=confirmed)


async def _place_bracket(
    brackets: BracketManager, spec: BracketSpec, confirmed: bool
) -> SubmitResult:
    return (await brackets.place(spec, confirmed=confirmed)).entry


async def _cancel_bracket(
    brackets: BracketManager, bracket_id: int, confirmed: bool
) -> SubmitResult:
    bracket = await brackets.cancel(bracket_id)
    if bracket is None:
        return SubmitResult(Outcome.REFUSED, reason=f"no bracket {bracket_id}")
    return SubmitResult(Outcome.ACCEPTED)


def _merge(*checks: SubmitResult | None) -> SubmitResult | None:
    """The checks of a two-step action as one: the first refusal, else every soft finding in
    one NEEDS_CONFIRM, else None."""
    for check in checks:
        if check is not None and check.outcome is not Outcome.NEEDS_CONFIRM:
            return check
    findings = [f for check in checks if check is not None for f in check.findings]
    if not findings:
        return None
    return SubmitResult(Outcome.NEEDS_CONFIRM, findings=tuple(findings), reason="confirm to send")


def _at_level(level: Decimal, step: Decimal, price: Decimal) -> bool:
    """``price`` is shown at the ladder level ``level`` (rows ``step`` wide)."""
    return level in (group_price(price, step, up=True), group_price(price, step, up=False))


def _distance(price: Decimal, order: TrackedOrder) -> Decimal:
    return abs((order.price or Decimal(0)) - price)


async def _cancel_each(service: TradingService, ids: list[int], confirmed: bool) -> SubmitResult:
    """Cancel each order; the first result that is not ACCEPTED, else the last."""
    result = SubmitResult(Outcome.REFUSED, reason="no orders")
    for order_id in ids:
        result = await service.cancel(order_id)
        if result.outcome is not Outcome.ACCEPTED:
            return result
    return result


async def _flatten(
    service: TradingService, symbol: str, orders: bool, positions: bool, confirmed: bool
) -> SubmitResult:
    """Cancel every order of ``symbol``, then close every position (each step only when
    there is something to do); the first result that is not ACCEPTED, else the last."""
    result = SubmitResult(Outcome.ACCEPTED)
    if orders:
        result = await service.cancel_all(symbol)
        if result.outcome is not Outcome.ACCEPTED:
            return result
    if positions:
        result = await service.close_all(symbol, None, confirmed=confirmed)
    return result


async def _reverse(
    service: TradingService, symbol: str, closing: Side, opening: OrderIntent, confirmed: bool
) -> SubmitResult:
    """Close the positions (closeBulkOrder), then open the opposite side; the open is sent
    only when the close was accepted."""
    result = await service.close_all(symbol, closing, confirmed=confirmed)
    if result.outcome is not Outcome.ACCEPTED:
        return result
    return await service.submit(opening, confirmed=confirmed)


async def _close_all(
    service: TradingService, symbol: str, closing: Side, confirmed: bool
) -> SubmitResult:
    return await service.close_all(symbol, closing, confirmed=confirmed)


__all__ = ["ExecutionType", "FlowHost", "OrderFlows"]

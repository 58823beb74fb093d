"""Order flows: each user action from its dialog to the outcome on screen.

Pre-trade findings come from the service's pure checks (``check`` / ``check_change`` /
``check_close`` / ``check_close_all``) before any dialog, so a soft finding is in the one
confirm the user answers, and ``y`` sends with ``confirmed=True``. Every confirmed action is
sent, or refused with its reason on screen; outcomes are matched on :class:`Outcome`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Protocol, TypeVar

from textual.screen import ModalScreen

from gmo_tui import config as cfg
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.errors import ApiError
from gmo_tui.i18n import _
from gmo_tui.i18n.exchange_errors import describe
from gmo_tui.market import rules as market_rules
from gmo_tui.market.formatting import decimals_of, fmt
from gmo_tui.market.intent import OrderIntent
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.session.listener import Severity
from gmo_tui.session.session import Session
from gmo_tui.trading.results import Outcome, SubmitResult
from gmo_tui.trading.service import TradingService

T = TypeVar("T")
Lines = list[tuple[str, str]]
Send = Callable[[bool], Awaitable[SubmitResult]]
"""An action, given ``confirmed``."""


class FlowHost(Protocol):
    """What the flows need from the screen: dialogs, a worker, a message line."""

    def ask(self, dialog: ModalScreen[T], then: Callable[[T | None], None]) -> None: ...
    def run_flow(self, work: Callable[[], Awaitable[None]], what: str) -> None: ...
    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None: ...
    def action_focus_book(self) -> None: ...


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
            self.host.say(cfg.how_to_add_key(), Severity.ERROR)
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
    ) -> None:
        """One confirm (with the soft findings when ``check`` says NEEDS_CONFIRM), then send
        (and ``then()``, e.g. back to the book after a ticket's order)."""
        if check is not None and check.outcome is not Outcome.NEEDS_CONFIRM:
            self._report(check, what, send)
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
            (_("Size"), f"{intent.size:f}"),
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
            f"{_(intent.side.value)} {intent.size:f} {intent.symbol}",
            partial(_submit, service, intent),
            service.check(intent),
            then=self.host.action_focus_book,
        )

    # ------------------------------------------------------------------ orders
    def cancel(self, order_id: int) -> None:
        service = self._service(entry=False)
        if service is None:
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

    def cancel_all(self) -> None:
        service = self._service(entry=False)
        if service is None:
            return
        symbol = self.session.symbol
        count = len(service.tracker.active(symbol, include_in_flight=False))
        if not count:
            self.host.say(_("No open orders of {symbol}: nothing to cancel").format(symbol=symbol))
            return
        title = (
            _("Cancel the 1 open order of {symbol}?").format(symbol=symbol)
            if count == 1
            else _("Cancel ALL {count} orders of {symbol}?").format(count=count, symbol=symbol)
        )
        self._confirm(
            title,
            [(_("Symbol"), symbol), (_("Orders"), str(count))],
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
    def close(self, position_id: int) -> None:
        service = self._service(entry=True)
        if service is None:
            return
        position = service.positions.get(position_id)
        if position is None:
            self.host.say(_("Position {id} is not open").format(id=position_id), Severity.WARNING)
            return
        pd = self._places(position.symbol)
        size = position.size
        self._confirm(
            _("Close position {id}?").format(id=position_id),
            [
                (_("Position"), str(position_id)),
                (_("Side"), _(position.side.value)),
                (_("Size"), f"{size:f}"),
                (_("Open price"), fmt(position.price, pd)),
                (_("Close"), f"{_('MARKET')} {_(position.side.opposite.value)}"),
            ],
            _("close position {id}").format(id=position_id),
            lambda confirmed: service.close(position_id, size, confirmed=confirmed),
            service.check_close(position_id, size),
            buttons=(_("Close position (y)"), _("Keep (n)")),
        )

    def close_all(self) -> None:
        service = self._service(entry=True)
        if service is None:
            return
        symbol = self.session.symbol
        open_positions = service.positions.all(symbol)
        if not open_positions:
            self.host.say(
                _("No open positions on {symbol}").format(symbol=symbol), Severity.WARNING
            )
            return
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
                    (_("Total size"), f"{size:f}"),
                    (_("Order"), f"{_('MARKET')} {_(closing.value)} (closeBulkOrder)"),
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


async def _close_all(
    service: TradingService, symbol: str, closing: Side, confirmed: bool
) -> SubmitResult:
    return await service.close_all(symbol, closing, confirmed=confirmed)


__all__ = ["ExecutionType", "FlowHost", "OrderFlows"]

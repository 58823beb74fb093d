"""``OrderFlows``: the app's order entry and account requests, as a mixin of ``GmoTuiApp``.

Ticket submits (review, confirm, send through the trading service, report the outcome), the
order and position actions from the tables and keys (change, cancel, cancel all, close, close
all, losscut change), transfers and history requests. The handlers reach the app's state
(``self.service``, ``self.rules``, ``self.books`` ...) through ``self``; Textual finds the
``on_*`` handlers along the class's MRO.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from textual import work

from gmo_tui import config as cfg
from gmo_tui import messages as msg
from gmo_tui.exchange.enums import Side, TransferType
from gmo_tui.exchange.errors import ApiError
from gmo_tui.market import rules as market_rules
from gmo_tui.market.intent import OrderIntent
from gmo_tui.screens.confirm import ConfirmScreen
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.when_mounted import when_mounted as _when_mounted
from gmo_tui.widgets.formatting import decimals_of, fmt


class OrderFlows:
    def _no_service(self) -> bool:
        if self.service is None:
            self._notice(
                cfg.HOW_TO_ADD_KEY if not self.has_credentials else "Order entry unavailable",
                "error",
            )
            return True
        return False

    def describe_intent(self, intent: OrderIntent) -> list[tuple[str, str]]:
        rule = self.rules.get(intent.symbol)
        pd = decimals_of(rule.tick_size) if rule else 0
        book = self.books[intent.symbol]
        touch = book.best_ask if intent.side is Side.BUY else book.best_bid
        touch_name = "best ask" if intent.side is Side.BUY else "best bid"
        lines = [
            ("Symbol", intent.symbol),
            ("Side", intent.side.value),
            ("Type", intent.execution_type.value),
            ("Time in force", (intent.time_in_force.value if intent.time_in_force else "default")),
            ("Size", f"{intent.size:f}"),
        ]
        if intent.price is not None:
            lines.append(("Price", fmt(intent.price, pd)))
        if intent.losscut_price is not None:
            lines.append(("Losscut", fmt(intent.losscut_price, pd)))
        if intent.cancel_before:
            lines.append(("cancelBefore", "true"))
        ref = intent.price if intent.price is not None else touch
        if touch is not None:
            lines.append((f"Touch ({touch_name})", fmt(touch, pd)))
            if intent.price is not None:
                diff = intent.price - touch
                pct = diff / touch * 100 if touch else Decimal(0)
                lines.append(
                    ("Distance", f"{fmt(diff, pd, sign=True)} ({fmt(pct, 2, sign=True)}%)")
                )
        if ref is not None:
            notional = ref * intent.size
            lines.append(
                ("Notional", f"{'≈ ' if intent.price is None else ''}{fmt(notional, 0)} JPY")
            )
            # the account's own rate (tier) when the trading volume is loaded, else the symbol's
            fees = self.account.fees(intent.symbol)
            taker = fees[0] if fees is not None else rule.taker_fee if rule is not None else None
            if taker is not None:
                lines.append(("Fee (taker)", f"≤ {fmt(notional * taker, 0)} JPY"))
        return lines

    @_when_mounted
    def on_ticket_submitted(self, message: msg.TicketSubmitted) -> None:
        intent = message.intent
        if self._no_service():
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self.submit_intent(intent)
                self.action_focus_book()

        self.push_screen(
            ConfirmScreen(
                f"Send {intent.side.value} {intent.execution_type.value}?",
                self.describe_intent(intent),
            ),
            answered,
        )

    @work(group="orders", exit_on_error=False)
    async def submit_intent(self, intent: OrderIntent, confirmed: bool = False) -> None:
        result = await self.service.submit(intent, confirmed=confirmed)
        self._report(result, f"{intent.side.value} {intent.size:f} {intent.symbol}", intent=intent)

    def _report(
        self, result: Any, what: str, *, intent: OrderIntent | None = None, retry: Any = None
    ) -> None:
        outcome = str(result.outcome)
        if outcome == "ACCEPTED":
            order = f" (order {result.order_id})" if result.order_id else ""
            self._notice(f"Accepted: {what}{order}")
            self.refresh_account()
        elif outcome == "NEEDS_CONFIRM":
            findings = [str(getattr(f, "message", f)) for f in result.findings]

            def answered(ok: bool | None) -> None:
                if not ok:
                    return
                if intent is not None:
                    self.submit_intent(intent, confirmed=True)
                elif retry is not None:
                    retry()

            lines = self.describe_intent(intent) if intent is not None else [("Action", what)]
            self.push_screen(
                ConfirmScreen("Check these numbers", lines, findings=findings, warning=True),
                answered,
            )
        elif outcome == "REJECTED":
            error = result.error
            if isinstance(error, ApiError):
                text = "; ".join(f"{m.code}: {m.text}" for m in error.messages) or str(error)
            else:
                text = str(error or result.reason)
            self._notice(f"Rejected: {what}: {text}", "error", timeout=12)
        elif outcome == "UNKNOWN":
            self._notice(
                f"UNKNOWN outcome: {what}: the reply was lost; checking the exchange (never re-sent)",
                "warning",
                15,
            )
        else:  # REFUSED / BLOCKED
            reasons = [str(getattr(f, "message", f)) for f in result.findings] or [
                str(result.reason or outcome)
            ]
            self._notice(f"{outcome.title()}: {what}: {'; '.join(reasons)}", "error", timeout=12)

    def on_order_action(self, message: msg.OrderAction) -> None:
        message.stop()
        if self._no_service():
            return
        action, target = message.action, message.target_id
        rule = self.rules.get(self.symbol)
        pd = decimals_of(rule.tick_size) if rule else 0
        if action == "cancel" and target is not None:
            order = self.orders.get(target)
            lines = [("Order", str(target))]
            if order is not None:
                lines += [
                    ("Side", order.side.value),
                    ("Price", fmt(order.price, pd)),
                    ("Size", f"{order.size:f}"),
                ]
            self._confirm_then(
                f"Cancel order {target}?",
                lines,
                lambda: self.run_service("cancel", f"cancel order {target}", target),
            )
        elif action == "cancel_all":
            count = len(self.orders)
            self._confirm_then(
                f"Cancel ALL {count} orders of {self.symbol}?",
                [("Symbol", self.symbol), ("Orders", str(count))],
                lambda: self.run_service("cancel_all", f"cancel all {self.symbol}", self.symbol),
                danger=True,
            )
        elif action == "change" and target is not None:
            order = self.orders.get(target)
            if order is None or rule is None:
                return

            def changed(price: Decimal | None) -> None:
                if price is None:
                    return
                self._confirm_then(
                    f"Change order {target}?",
                    [
                        ("Order", str(target)),
                        ("Old price", fmt(order.price, pd)),
                        ("New price", fmt(price, pd)),
                    ],
                    lambda: self.run_service(
                        "change", f"change order {target} to {fmt(price, pd)}", target, price
                    ),
                )

            self.push_screen(
                ValueDialog(
                    f"New price for order {target} ({order.side.value} {order.size:f})",
                    format(order.price, "f"),
                    partial(market_rules.validate_price, rule),
                ),
                changed,
            )
        elif action == "close" and target is not None:
            position = self.positions.get(target)
            if position is None:
                return
            lines = [
                ("Position", str(target)),
                ("Side", position.side.value),
                ("Size", f"{position.size:f}"),
                ("Open price", fmt(position.price, pd)),
                ("Close", f"MARKET {position.side.opposite.value}"),
            ]
            self._confirm_then(
                f"Close position {target}?",
                lines,
                lambda: self.run_service(
                    "close", f"close position {target}", target, position.size
                ),
            )
        elif action == "close_all":
            open_positions = self.positions.all(self.symbol)
            if not open_positions:
                self._notice(f"No open positions on {self.symbol}", "warning")
                return
            sides = {p.side for p in open_positions}
            for side in sorted(sides):
                size = sum((p.size for p in open_positions if p.side is side), Decimal(0))
                closing = side.opposite
                self._confirm_then(
                    f"Close ALL {side.value} positions of {self.symbol}?",
                    [
                        ("Symbol", self.symbol),
                        ("Positions", side.value),
                        ("Total size", f"{size:f}"),
                        ("Order", f"MARKET {closing.value} (closeBulkOrder)"),
                    ],
                    partial(
                        self.run_service,
                        "close_all",
                        f"close all {side.value} {self.symbol}",
                        self.symbol,
                        closing,
                    ),
                    danger=True,
                )
        elif action == "losscut" and target is not None:
            position = self.positions.get(target)
            if position is None or rule is None:
                return

            def chosen(price: Decimal | None) -> None:
                if price is None:
                    return
                self._confirm_then(
                    f"Change losscut of position {target}?",
                    [
                        ("Position", str(target)),
                        ("Old losscut", fmt(position.losscut_price, pd)),
                        ("New losscut", fmt(price, pd)),
                    ],
                    lambda: self.run_service(
                        "change_losscut", f"losscut of position {target}", target, price
                    ),
                )

            self.push_screen(
                ValueDialog(
                    f"Losscut price for position {target}",
                    format(position.losscut_price, "f"),
                    partial(market_rules.validate_price, rule),
                ),
                chosen,
            )

    def _confirm_then(
        self, title: str, lines: list[tuple[str, str]], then: Any, danger: bool = False
    ) -> None:
        def answered(ok: bool | None) -> None:
            if ok:
                then()

        self.push_screen(ConfirmScreen(title, lines, danger=danger), answered)

    @work(group="orders", exit_on_error=False)
    async def run_service(self, method: str, what: str, *args: Any) -> None:
        result = await getattr(self.service, method)(*args)
        self._report(result, what)
        self.refresh_account()

    @_when_mounted
    def on_transfer_requested(self, message: msg.TransferRequested) -> None:
        if not self.has_credentials:
            self._notice(cfg.HOW_TO_ADD_KEY, "error")
            return
        self._confirm_then(
            f"Transfer {fmt(message.amount, 0)} JPY?",
            [("Amount", f"{fmt(message.amount, 0)} JPY"), ("Type", message.transfer_type)],
            lambda: self.do_transfer(message.amount, TransferType(message.transfer_type)),
        )

    @work(group="transfer", exclusive=True, exit_on_error=False)
    async def do_transfer(self, amount: Decimal, kind: TransferType) -> None:
        assert self.rest is not None
        try:
            result = await self.rest.transfer(amount, kind)
        except ApiError as exc:
            self._notice(f"Transfer rejected: {exc}", "error", 12)
            return
        self._notice(f"Transferred {fmt(result.transferred_amount, 0)} JPY ({kind.value})")
        self.refresh_account()

    @_when_mounted
    def on_history_requested(self, message: msg.HistoryRequested) -> None:
        if self.has_credentials:
            self.load_history(message.start, message.end)

"""Alert flows: making an alert (the ladder's ``a``, the palette's commands, a dialog for each
number it needs), and a fired alert reaching the trader (the notice that stays, the bell and
desktop notification through the terminal, the command hook).

A price alert set at a level is *above* when the level is above the last price and *below*
otherwise; with no price known yet (no trade, no sane book) none is set and the trader is told.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Protocol, TypeVar

from textual.screen import ModalScreen

from gmo_tui.alerts import Alert, AlertKind, Delivery, Fired
from gmo_tui.market.formatting import decimals_of, fmt
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.session.listener import Severity
from gmo_tui.session.session import Session

T = TypeVar("T")

MARGIN_DEFAULT = Decimal(150)
"""The margin ratio (%) a new margin alert proposes."""
PERCENT_DEFAULT = Decimal(2)
WINDOW_DEFAULT = Decimal(300)


class AlertHost(Protocol):
    """What the alert flows need from the screen."""

    def ask(self, dialog: ModalScreen[T], then: Callable[[T | None], None]) -> None: ...
    def run_flow(self, work: Callable[[], Awaitable[None]], what: str) -> None: ...
    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None: ...
    def show_alert_notices(self) -> None: ...


def positive(text: str) -> tuple[Decimal | None, str | None]:
    """A number above 0, or why not."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None, "a number above 0"
    if not value.is_finite() or value <= 0:
        return None, "a number above 0"
    return value, None


def describe(alert: Alert, places: int | None = None) -> str:
    """One line saying what ``alert`` watches."""
    level = alert.level
    where = alert.symbol or "any symbol"
    match alert.kind:
        case AlertKind.PRICE_ABOVE | AlertKind.PRICE_BELOW:
            word = "above" if alert.kind is AlertKind.PRICE_ABOVE else "below"
            shown = fmt(level, places) if places is not None else str(level)
            return f"{where} crosses {word} {shown}"
        case AlertKind.PERCENT_MOVE:
            return f"{where} moves {level}% within {alert.window_s:g} s"
        case AlertKind.FILL:
            return f"a fill on {where}"
        case AlertKind.LOSSCUT_NEAR:
            return f"a position on {where} within {level}% of its losscut price"
        case AlertKind.MARGIN_BELOW:
            return f"margin ratio under {level}%"
        case AlertKind.STREAM_STALE:
            return f"a stream not live for {level} s"
        case AlertKind.MAINTENANCE:
            return "exchange maintenance"


class AlertFlows:
    """Every alert action of the screen."""

    def __init__(self, session: Session, host: AlertHost, delivery: Delivery | None) -> None:
        self.session = session
        self.host = host
        self.delivery = delivery

    def _places(self, symbol: str | None) -> int | None:
        rule = self.session.rules.get(symbol or "")
        return decimals_of(rule.tick_size) if rule else None

    def add(self, alert: Alert) -> Alert | None:
        try:
            self.session.alerts.add(alert)
        except ValueError as exc:
            self.host.say(f"Alert not set: {exc}", Severity.ERROR)
            return None
        self.host.say(f"Alert set: {describe(alert, self._places(alert.symbol))}")
        return alert

    # ------------------------------------------------------------------ making alerts
    def last_price(self, symbol: str) -> Decimal | None:
        """The last trade of ``symbol``, else the middle of a sane book; None if unknown."""
        last = self.session.tapes[symbol].last
        if last is not None:
            return last.price
        ref = self.session.books[symbol].reference()
        return None if ref is None else (ref.bid + ref.ask) / 2

    def at_price(self, price: Decimal) -> Alert | None:
        """``a`` on the ladder: a crossing alert at ``price`` on the current symbol."""
        symbol = self.session.symbol
        last = self.last_price(symbol)
        if last is None:
            self.host.say(
                f"Alert not set: no price of {symbol} known yet to tell above from below",
                Severity.WARNING,
            )
            return None
        kind = AlertKind.PRICE_ABOVE if price > last else AlertKind.PRICE_BELOW
        return self.add(Alert(kind, price, symbol))

    def _ask_number(
        self, title: str, value: Decimal, hint: str, then: Callable[[Decimal], object]
    ) -> None:
        def answered(number: Decimal | None) -> None:
            if number is not None:
                then(number)

        self.host.ask(ValueDialog(title, f"{value}", positive, hint), answered)

    def new(self, kind: AlertKind) -> None:
        """The palette's "Alert: …" commands: ask what the kind needs, then add it."""
        session = self.session
        symbol = session.symbol
        defaults = session.settings.alerts
        match kind:
            case AlertKind.PRICE_ABOVE | AlertKind.PRICE_BELOW:
                word = "above" if kind is AlertKind.PRICE_ABOVE else "below"
                last = self.last_price(symbol)
                self._ask_number(
                    f"Alert when {symbol} crosses {word}",
                    last if last is not None else Decimal(0),
                    "a price · Enter to set · Escape to cancel",
                    lambda level: self.add(Alert(kind, level, symbol)),
                )
            case AlertKind.PERCENT_MOVE:

                def with_percent(percent: Decimal) -> None:
                    self._ask_number(
                        f"… within how many seconds ({symbol} {percent}%)",
                        WINDOW_DEFAULT,
                        "seconds · Enter to set · Escape to cancel",
                        lambda window: self.add(Alert(kind, percent, symbol, float(window))),
                    )

                self._ask_number(
                    f"Alert when {symbol} moves by %",
                    PERCENT_DEFAULT,
                    "percent, either way · Enter for the window",
                    with_percent,
                )
            case AlertKind.LOSSCUT_NEAR:
                self._ask_number(
                    "Alert when a position is within % of its losscut price",
                    defaults.losscut_pct,
                    "percent of the mark · Enter to set · Escape to cancel",
                    lambda level: self.add(Alert(kind, level)),
                )
            case AlertKind.MARGIN_BELOW:
                self._ask_number(
                    "Alert when the margin ratio is under %",
                    MARGIN_DEFAULT,
                    "percent · Enter to set · Escape to cancel",
                    lambda level: self.add(Alert(kind, level)),
                )
            case AlertKind.STREAM_STALE:
                self._ask_number(
                    "Alert when a stream is stale or disconnected for seconds",
                    defaults.stale_after,
                    "seconds · Enter to set · Escape to cancel",
                    lambda level: self.add(Alert(kind, level)),
                )
            case AlertKind.FILL | AlertKind.MAINTENANCE:
                self.add(Alert(kind))

    # ------------------------------------------------------------------ a fired alert
    def fired(self, fired: Fired) -> None:
        """The notice that stays (and a toast), then the terminal and the hook."""
        self.host.show_alert_notices()
        self.host.say(f"ALERT {fired.title}: {fired.body}", Severity.WARNING, 10)
        delivery = self.delivery
        if delivery is not None:
            self.host.run_flow(partial(self._deliver, delivery, fired), "alert delivery")

    async def _deliver(self, delivery: Delivery, fired: Fired) -> None:
        result = await delivery.deliver(fired)
        if result is None or result.returncode == 0:
            return
        command = delivery.settings.command[0]
        if result.timed_out:
            why = f"killed after {delivery.settings.command_timeout:g} s"
        elif result.returncode is None:
            why = f"could not start ({result.error})"
        else:
            why = f"exited with status {result.returncode}"
        self.host.say(f"Alert command {command} {why}", Severity.WARNING, 10)

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
from gmo_tui.i18n import _
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
        return None, _("a number above 0")
    if not value.is_finite() or value <= 0:
        return None, _("a number above 0")
    return value, None


def describe(alert: Alert, places: int | None = None) -> str:
    """One line saying what ``alert`` watches."""
    level = alert.level
    where = alert.symbol or _("any symbol")
    match alert.kind:
        case AlertKind.PRICE_ABOVE:
            shown = fmt(level, places) if places is not None else str(level)
            return _("{symbol} crosses above {price}").format(symbol=where, price=shown)
        case AlertKind.PRICE_BELOW:
            shown = fmt(level, places) if places is not None else str(level)
            return _("{symbol} crosses below {price}").format(symbol=where, price=shown)
        case AlertKind.PERCENT_MOVE:
            return _("{symbol} moves {percent}% within {seconds} s").format(
                symbol=where, percent=level, seconds=f"{alert.window_s:g}"
            )
        case AlertKind.FILL:
            return _("a fill on {symbol}").format(symbol=where)
        case AlertKind.LOSSCUT_NEAR:
            return _("a position on {symbol} within {percent}% of its losscut price").format(
                symbol=where, percent=level
            )
        case AlertKind.MARGIN_BELOW:
            return _("margin ratio under {percent}%").format(percent=level)
        case AlertKind.STREAM_STALE:
            return _("a stream not live for {seconds} s").format(seconds=level)
        case AlertKind.MAINTENANCE:
            return _("exchange maintenance")


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
            self.host.say(_("Alert not set: {problem}").format(problem=exc), Severity.ERROR)
            return None
        shown = describe(alert, self._places(alert.symbol))
        self.host.say(_("Alert set: {alert}").format(alert=shown))
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
                _("Alert not set: no price of {symbol} known yet to tell above from below").format(
                    symbol=symbol
                ),
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
                above = kind is AlertKind.PRICE_ABOVE
                title = (
                    _("Alert when {symbol} crosses above")
                    if above
                    else _("Alert when {symbol} crosses below")
                )
                last = self.last_price(symbol)
                self._ask_number(
                    title.format(symbol=symbol),
                    last if last is not None else Decimal(0),
                    _("a price · Enter to set · Escape to cancel"),
                    lambda level: self.add(Alert(kind, level, symbol)),
                )
            case AlertKind.PERCENT_MOVE:

                def with_percent(percent: Decimal) -> None:
                    self._ask_number(
                        _("… within how many seconds ({symbol} {percent}%)").format(
                            symbol=symbol, percent=percent
                        ),
                        WINDOW_DEFAULT,
                        _("seconds · Enter to set · Escape to cancel"),
                        lambda window: self.add(Alert(kind, percent, symbol, float(window))),
                    )

                self._ask_number(
                    _("Alert when {symbol} moves by %").format(symbol=symbol),
                    PERCENT_DEFAULT,
                    _("percent, either way · Enter for the window"),
                    with_percent,
                )
            case AlertKind.LOSSCUT_NEAR:
                self._ask_number(
                    _("Alert when a position is within % of its losscut price"),
                    defaults.losscut_pct,
                    _("percent of the mark · Enter to set · Escape to cancel"),
                    lambda level: self.add(Alert(kind, level)),
                )
            case AlertKind.MARGIN_BELOW:
                self._ask_number(
                    _("Alert when the margin ratio is under %"),
                    MARGIN_DEFAULT,
                    _("percent · Enter to set · Escape to cancel"),
                    lambda level: self.add(Alert(kind, level)),
                )
            case AlertKind.STREAM_STALE:
                self._ask_number(
                    _("Alert when a stream is stale or disconnected for seconds"),
                    defaults.stale_after,
                    _("seconds · Enter to set · Escape to cancel"),
                    lambda level: self.add(Alert(kind, level)),
                )
            case AlertKind.FILL | AlertKind.MAINTENANCE:
                self.add(Alert(kind))

    # ------------------------------------------------------------------ a fired alert
    def fired(self, fired: Fired) -> None:
        """The notice that stays (and a toast), then the terminal and the hook."""
        self.host.show_alert_notices()
        text = _("ALERT {title}: {body}").format(title=fired.title, body=fired.body)
        self.host.say(text, Severity.WARNING, 10)
        delivery = self.delivery
        if delivery is not None:
            self.host.run_flow(partial(self._deliver, delivery, fired), "alert delivery")

    async def _deliver(self, delivery: Delivery, fired: Fired) -> None:
        result = await delivery.deliver(fired)
        if result is None or result.returncode == 0:
            return
        command = delivery.settings.command[0]
        if result.timed_out:
            text = _("Alert command {command} killed after {seconds} s").format(
                command=command, seconds=f"{delivery.settings.command_timeout:g}"
            )
        elif result.returncode is None:
            text = _("Alert command {command} could not start ({error})").format(
                command=command, error=result.error
            )
        else:
            text = _("Alert command {command} exited with status {code}").format(
                command=command, code=result.returncode
            )
        self.host.say(text, Severity.WARNING, 10)

"""Maintenance and pre-open halts of the trading service (:class:`Halts`).

A status other than OPEN, or ERR-5201/5202/5203 from any call, closes the EXCHANGE_OPEN gate
(``reason`` set, a HALTED notice for the banner) and starts polling ``/v1/status`` every
``poll_interval`` seconds. When the exchange is OPEN again: a REOPENED notice and the
``reopened`` event set (the app gets a new WS token and reconnects its streams; it opens BOOK
again only once the book stream is live), then the account is reconciled
(:attr:`ReconcileReason.MAINTENANCE_END`), and only then does EXCHANGE_OPEN open. Entry is
enabled again when every gate is open.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExchangeStatus
from gmo_tui.exchange.errors import ApiError, GmoError
from gmo_tui.i18n import N_, _
from gmo_tui.trading.gates import Gate
from gmo_tui.trading.reconcile import ReconcileReason
from gmo_tui.trading.results import NoticeKind, NoticeLevel

if TYPE_CHECKING:
    from gmo_tui.trading.service import TradingService

log = logging.getLogger(__name__)

HALT_CODES = {
    "ERR-5201": N_("maintenance"),
    "ERR-5202": N_("emergency maintenance"),
    "ERR-5203": N_("pre-open"),
}
"""What each halting code means (English; shown through ``_()``)."""


def halt_reason(code: str) -> str:
    """``ERR-5201 maintenance``, in the current language."""
    return f"{code} {_(HALT_CODES[code])}"


def status_reason(status: ExchangeStatus) -> str:
    return _("exchange status {status}").format(status=_(status.value))


def halt_code(exc: BaseException) -> str | None:
    """The first maintenance/pre-open code of an API error (``None`` for anything else)."""
    if isinstance(exc, ApiError):
        for code in exc.all_codes:
            if code in HALT_CODES:
                return code
    return None


class Halts:
    """The EXCHANGE_OPEN gate of one :class:`TradingService`."""

    def __init__(self, service: TradingService, *, poll_interval: float = 15.0) -> None:
        self.service = service
        self.poll_interval = poll_interval
        self.reason: str | None = None
        self.reopened = asyncio.Event()
        self._reopening = False
        self._poll_task: asyncio.Task[None] | None = None

    def maybe_halt(self, exc: BaseException) -> bool:
        """Halt on a maintenance/pre-open error; True if it was one."""
        code = halt_code(exc)
        if code is None:
            return False
        self.halt(halt_reason(code))
        return True

    def halt(self, reason: str) -> None:
        first = self.reason is None
        self.reason = reason
        self.reopened.clear()
        self.service.set_gate(
            Gate.EXCHANGE_OPEN, False, _("order entry halted: {reason}").format(reason=reason)
        )
        if first:
            self.service.notify(
                NoticeKind.HALTED,
                _("Order entry halted: {reason}").format(reason=reason),
                NoticeLevel.ERROR,
            )
        if self._poll_task is None or self._poll_task.done():
            self._poll_task = asyncio.get_running_loop().create_task(self._poll_status())

    def halt_on_status(self, status: ExchangeStatus) -> None:
        """Halt because the exchange's status is not OPEN."""
        self.halt(status_reason(status))

    def opened(self) -> None:
        """The exchange is known OPEN with nothing to catch up on (start-up)."""
        self.reason = None
        self.service.set_gate(Gate.EXCHANGE_OPEN, True)

    async def on_exchange_status(self, status: models.Status | ExchangeStatus | str) -> None:
        """Feed an exchange status (models.Status, ExchangeStatus or its text)."""
        value = status.status if isinstance(status, models.Status) else ExchangeStatus(status)
        if value is not ExchangeStatus.OPEN:
            self.halt_on_status(value)
        elif self.reason is not None:
            await self.reopen()

    async def _poll_status(self) -> None:
        while self.reason is not None:
            await asyncio.sleep(self.poll_interval)
            if self._reopening:
                continue
            if self.reason is None:
                return
            try:
                status = await self.service.rest.get_status()
            except GmoError as exc:
                log.info("status poll while halted: %s", exc)
                continue
            if status.status is ExchangeStatus.OPEN:
                await self.reopen()
                if self.reason is None:
                    return
            else:
                self.reason = status_reason(status.status)

    async def reopen(self) -> None:
        """OPEN again: reconcile, then open EXCHANGE_OPEN (unless it halted again meanwhile)."""
        if self._reopening or self.reason is None:
            return
        self._reopening = True
        try:
            self.service.notify(
                NoticeKind.REOPENED,
                _("The exchange is OPEN again: reconnecting and reconciling before order entry"),
            )
            self.reopened.set()
            try:
                await self.service.reconciler.start_up(ReconcileReason.MAINTENANCE_END)
            except GmoError as exc:
                code = halt_code(exc)
                if code is not None:
                    self.reason = halt_reason(code)
                    self.reopened.clear()
                    return
                log.warning("reconciliation after reopen: %s", exc)
            self.reason = None
            self.service.set_gate(Gate.EXCHANGE_OPEN, True)
        finally:
            self._reopening = False

    async def aclose(self) -> None:
        task, self._poll_task = self._poll_task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

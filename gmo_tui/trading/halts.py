"""Maintenance and pre-open halts (a mixin of :class:`gmo_tui.trading.service.TradingService`).

A status other than OPEN, or ERR-5201/5202/5203 from any call, halts order entry
(``entry_enabled`` False, ``halted_reason`` set, a HALTED notice for the banner) and starts
polling ``/v1/status`` every ``status_poll_interval`` seconds. When the exchange is OPEN again:
a REOPENED notice, the ``reopened`` event set and the ``on_reopen`` callback awaited (the app
gets a new WS token and reconnects its streams there), then the journal is reconciled and
orders/fills back-filled, and only then is order entry re-enabled.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

from gmo_tui.exchange.errors import ApiError, GmoError
from gmo_tui.trading.results import NoticeKind

log = logging.getLogger(__name__)

HALT_CODES = {
    "ERR-5201": "maintenance",
    "ERR-5202": "emergency maintenance",
    "ERR-5203": "pre-open",
}


class HaltsMixin:
    def maybe_halt(self: Any, exc: BaseException) -> bool:
        """Halt on a maintenance/pre-open error; True if it was one."""
        if isinstance(exc, ApiError):
            for code in exc.all_codes:
                if code in HALT_CODES:
                    self.halt(f"{code} {HALT_CODES[code]}")
                    return True
        return False

    def halt(self: Any, reason: str) -> None:
        first = self.halted_reason is None
        self.halted_reason = reason
        self.entry_enabled = False
        self.reopened.clear()
        if first:
            self.notify(NoticeKind.HALTED, f"Order entry halted: {reason}", "error")
        if self._poll_task is None or self._poll_task.done():
            self._poll_task = asyncio.get_running_loop().create_task(self._poll_status())

    async def on_exchange_status(self: Any, status: Any) -> None:
        """Feed an exchange status (models.Status, ExchangeStatus or its text)."""
        value = getattr(status, "status", status)
        value = str(getattr(value, "value", value))
        if value != "OPEN":
            self.halt(f"exchange status {value}")
        elif self.halted_reason is not None:
            await self._reopen()

    async def _poll_status(self: Any) -> None:
        while self.halted_reason is not None:
            await asyncio.sleep(self.status_poll_interval)
            if self._reopening:
                continue
            if self.halted_reason is None:
                return
            try:
                status = await self.rest.get_status()
            except GmoError as exc:
                log.info("status poll while halted: %s", exc)
                continue
            if status.status.value == "OPEN":
                await self._reopen()
                if self.halted_reason is None:
                    return
            else:
                self.halted_reason = f"exchange status {status.status.value}"

    async def _reopen(self: Any) -> None:
        if self._reopening or self.halted_reason is None:
            return
        self._reopening = True
        try:
            self.notify(
                NoticeKind.REOPENED,
                "The exchange is OPEN again: reconnecting and reconciling before order entry",
            )
            self.reopened.set()
            if self.on_reopen is not None:
                try:
                    result = self.on_reopen()
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    log.exception("on_reopen callback failed")
            try:
                await self.reconcile_journal()
                await self.backfill()
            except GmoError as exc:
                if isinstance(exc, ApiError) and any(c in HALT_CODES for c in exc.all_codes):
                    self.halted_reason = f"{exc.code} {HALT_CODES.get(exc.code, '')}".strip()
                    self.reopened.clear()
                    return
                log.warning("reconciliation after reopen: %s", exc)
            self.halted_reason = None
            self._started = True
            self.enable("the exchange reopened")
        finally:
            self._reopening = False

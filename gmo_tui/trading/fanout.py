"""One :class:`~gmo_tui.trading.listener.TradingListener` that passes everything to several
(the session's listener and the bracket manager share the service's one listener slot)."""

from __future__ import annotations

import logging

from gmo_tui.market.fills import Fill
from gmo_tui.trading.gates import EntryGates
from gmo_tui.trading.listener import AccountPart, FillSource, TradingListener
from gmo_tui.trading.results import TradingNotice

__all__ = ["FanOutListener"]

log = logging.getLogger(__name__)


class FanOutListener:
    """Calls each listener in order; one that raises does not stop the others."""

    def __init__(self, *listeners: TradingListener) -> None:
        self.listeners: tuple[TradingListener, ...] = listeners

    def on_notice(self, notice: TradingNotice) -> None:
        for listener in self.listeners:
            try:
                listener.on_notice(notice)
            except Exception:
                log.exception("listener.on_notice failed")

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        for listener in self.listeners:
            try:
                listener.on_fill(fill, source)
            except Exception:
                log.exception("listener.on_fill failed")

    def on_account_changed(self, part: AccountPart) -> None:
        for listener in self.listeners:
            try:
                listener.on_account_changed(part)
            except Exception:
                log.exception("listener.on_account_changed failed")

    def on_entry_changed(self, gates: EntryGates) -> None:
        for listener in self.listeners:
            try:
                listener.on_entry_changed(gates)
            except Exception:
                log.exception("listener.on_entry_changed failed")

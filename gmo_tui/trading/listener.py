"""What the trading service tells its owner (the app's session): notices, fills, model changes
and the order-entry gates, through one typed :class:`TradingListener`."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from gmo_tui.market.fills import Fill
from gmo_tui.trading.results import TradingNotice

if TYPE_CHECKING:
    from gmo_tui.trading.gates import EntryGates

__all__ = ["AccountPart", "FillSource", "NullListener", "TradingListener"]


class FillSource(StrEnum):
    """How a fill reached the ledger first."""

    STREAM = "STREAM"  # a private executionEvents frame
    RECONCILE = "RECONCILE"  # a REST read (reconciliation, back-fill, lost-reply lookup)
    HISTORY = "HISTORY"  # a REST read of a fill executed before this session started


class AccountPart(StrEnum):
    """Which of the service's models changed."""

    ORDERS = "ORDERS"
    POSITIONS = "POSITIONS"
    FILLS = "FILLS"


class TradingListener(Protocol):
    def on_notice(self, notice: TradingNotice) -> None:
        """A notice for the trader (lost replies, resolutions, halts, kill switch ...)."""

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        """Once per executionId newly added to the fill ledger, whatever the source."""

    def on_account_changed(self, part: AccountPart) -> None:
        """A model (orders, positions, fills) changed: re-render from it."""

    def on_entry_changed(self, gates: EntryGates) -> None:
        """Order entry was enabled or disabled; ``gates.reason`` says why."""


class NullListener:
    """A listener that ignores everything (the service's default)."""

    def on_notice(self, notice: TradingNotice) -> None:
        pass

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        pass

    def on_account_changed(self, part: AccountPart) -> None:
        pass

    def on_entry_changed(self, gates: EntryGates) -> None:
        pass

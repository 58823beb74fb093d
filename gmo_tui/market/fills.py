"""The fills ledger: the user's executions, de-duplicated by ``executionId`` across sources.

A fill arrives on the private WebSocket (:class:`~gmo_tui.exchange.models.ExecutionEvent`), from
REST back-fills (:class:`~gmo_tui.exchange.models.Execution` rows of ``/v1/executions`` and
``/v1/latestExecutions``), often both. The first copy seen is kept; every later copy of the same
``executionId`` changes nothing. Totals (count, notional, fees, realised P&L, net size per
symbol) cover every fill ever added; :meth:`FillLedger.latest` returns the newest ``maxlen``
fills for the Executions pane ordered by (execution time, executionId), newest first, so the
same set of fills gives the same list whatever order and duplication they arrived in.

Fees are JPY: positive for taker, negative for maker (a rebate).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.exchange.models import Execution, ExecutionEvent

__all__ = ["Fill", "FillLedger"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Fill:
    execution_id: int
    order_id: int
    symbol: str
    side: Side
    settle_type: SettleType
    price: Decimal
    size: Decimal
    fee: Decimal
    loss_gain: Decimal
    timestamp: datetime
    position_id: int | None = None
    source: str = "ws"
    """``"ws"`` or ``"rest"``: where the first copy came from (informational)."""

    @property
    def notional(self) -> Decimal:
        return self.price * self.size

    @property
    def is_maker(self) -> bool:
        return self.fee < 0

    @property
    def signed_size(self) -> Decimal:
        return self.size if self.side is Side.BUY else -self.size

    @classmethod
    def from_event(cls, ev: ExecutionEvent) -> Fill:
        return cls(
            ev.execution_id,
            ev.order_id,
            ev.symbol,
            ev.side,
            ev.settle_type,
            ev.execution_price,
            ev.execution_size,
            ev.fee,
            ev.loss_gain,
            ev.execution_timestamp,
            ev.position_id,
            "ws",
        )

    @classmethod
    def from_rest(cls, ex: Execution) -> Fill:
        return cls(
            ex.execution_id,
            ex.order_id,
            ex.symbol,
            ex.side,
            ex.settle_type,
            ex.price,
            ex.size,
            ex.fee,
            ex.loss_gain,
            ex.timestamp,
            ex.position_id,
            "rest",
        )

    def sort_key(self) -> tuple[datetime, int]:
        return (self.timestamp, self.execution_id)


class FillLedger:
    """Every fill once; the newest ``maxlen`` kept for display."""

    def __init__(self, maxlen: int = 200) -> None:
        if maxlen < 1:
            raise ValueError("maxlen must be positive")
        self.maxlen = maxlen
        self._ids: set[int] = set()
        self._recent: list[tuple[tuple[datetime, int], Fill]] = []  # ascending by sort key
        self.count = 0
        self.duplicates = 0
        self.notional_total = _ZERO
        self.fee_total = _ZERO
        self.loss_gain_total = _ZERO
        self._net: dict[str, Decimal] = {}
        self._by_symbol_fee: dict[str, Decimal] = {}
        self.version = 0

    def __contains__(self, execution_id: object) -> bool:
        return execution_id in self._ids

    def __len__(self) -> int:
        return self.count

    def add(self, item: ExecutionEvent | Execution | Fill) -> Fill | None:
        """Record a fill; ``None`` if this executionId was already recorded."""
        if isinstance(item, ExecutionEvent):
            eid = item.execution_id
            if eid in self._ids:
                self.duplicates += 1
                return None
            fill = Fill.from_event(item)
        elif isinstance(item, Execution):
            eid = item.execution_id
            if eid in self._ids:
                self.duplicates += 1
                return None
            fill = Fill.from_rest(item)
        else:
            if item.execution_id in self._ids:
                self.duplicates += 1
                return None
            fill = item
        self._ids.add(fill.execution_id)
        self.count += 1
        self.notional_total += fill.notional
        self.fee_total += fill.fee
        self.loss_gain_total += fill.loss_gain
        self._net[fill.symbol] = self._net.get(fill.symbol, _ZERO) + fill.signed_size
        self._by_symbol_fee[fill.symbol] = self._by_symbol_fee.get(fill.symbol, _ZERO) + fill.fee
        key = fill.sort_key()
        recent = self._recent
        if len(recent) < self.maxlen or key > recent[0][0]:
            insort(recent, (key, fill))
            if len(recent) > self.maxlen:
                del recent[0]
        self.version += 1
        return fill

    def extend(self, items: Iterable[ExecutionEvent | Execution | Fill]) -> list[Fill]:
        """Add many (e.g. a REST back-fill page); return the fills that were new."""
        out: list[Fill] = []
        for item in items:
            fill = self.add(item)
            if fill is not None:
                out.append(fill)
        return out

    def latest(self, limit: int | None = None, symbol: str | None = None) -> list[Fill]:
        """The newest fills first (at most ``limit``), optionally for one symbol."""
        out = [f for _, f in reversed(self._recent) if symbol is None or f.symbol == symbol]
        return out if limit is None else out[:limit]

    def net_size(self, symbol: str) -> Decimal:
        """Bought minus sold over every recorded fill of ``symbol``."""
        return self._net.get(symbol, _ZERO)

    def fees(self, symbol: str) -> Decimal:
        return self._by_symbol_fee.get(symbol, _ZERO)

    def for_order(self, order_id: int) -> list[Fill]:
        """Recorded fills of one order that are still among the recent ones, oldest first."""
        return [f for _, f in self._recent if f.order_id == order_id]

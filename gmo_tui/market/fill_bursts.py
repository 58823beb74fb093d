"""One notice per order burst: fills of one order that arrive together become one :class:`Burst`
(total size, average price, fees, ``lossGain``), so a MARKET order that sweeps 22 levels rings
one bell, not 22.

:class:`BurstCollector` groups fills by ``orderId``. A burst is *due* when no fill of its order
has arrived for ``quiet`` seconds, when it has been open ``max_delay`` seconds (a long trickle
still gets told), or at once when the order is known to be done (its executed size reached its
size). Times are the caller's monotonic clock, passed in: the collector never sleeps. The app
adds each new fill, asks :meth:`BurstCollector.next_due` when to look again, and tells each
burst :meth:`BurstCollector.due` returns. Fills of other orders never wait for each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.market.fills import Fill

__all__ = ["Burst", "BurstCollector"]


@dataclass(frozen=True, slots=True)
class Burst:
    """Fills of one order told together."""

    order_id: int
    symbol: str
    side: Side
    settle_type: SettleType
    size: Decimal
    notional: Decimal
    fee: Decimal
    loss_gain: Decimal
    count: int
    first_at: datetime
    last_at: datetime
    execution_ids: tuple[int, ...] = field(default=())

    @classmethod
    def of(cls, fill: Fill) -> Burst:
        return cls(
            fill.order_id,
            fill.symbol,
            fill.side,
            fill.settle_type,
            fill.size,
            fill.notional,
            fill.fee,
            fill.loss_gain,
            1,
            fill.timestamp,
            fill.timestamp,
            (fill.execution_id,),
        )

    def plus(self, fill: Fill) -> Burst:
        return replace(
            self,
            size=self.size + fill.size,
            notional=self.notional + fill.notional,
            fee=self.fee + fill.fee,
            loss_gain=self.loss_gain + fill.loss_gain,
            count=self.count + 1,
            first_at=min(self.first_at, fill.timestamp),
            last_at=max(self.last_at, fill.timestamp),
            execution_ids=(*self.execution_ids, fill.execution_id),
        )

    @property
    def average_price(self) -> Decimal:
        """Size-weighted average price of the burst's fills."""
        return self.notional / self.size

    @property
    def is_close(self) -> bool:
        """Closing fills of a margin position (they carry ``lossGain``)."""
        return self.settle_type is not SettleType.OPEN

    @property
    def net(self) -> Decimal:
        """``lossGain - fee``: the burst's realised P&L after fees (margin; spot: ``-fee``)."""
        return self.loss_gain - self.fee


@dataclass(slots=True)
class _Open:
    burst: Burst
    opened: float
    last: float
    done: bool = False


class BurstCollector:
    """Groups fills by order; see the module docstring for when a burst is due."""

    def __init__(self, quiet: float = 0.25, max_delay: float = 1.5) -> None:
        if quiet <= 0 or max_delay < quiet:
            raise ValueError("need 0 < quiet <= max_delay")
        self.quiet = quiet
        self.max_delay = max_delay
        self._open: dict[int, _Open] = {}

    def __len__(self) -> int:
        """How many bursts are waiting."""
        return len(self._open)

    def add(self, fill: Fill, now: float, *, order_done: bool = False) -> None:
        """Take one fill received at ``now``; ``order_done``: its order has no size left."""
        current = self._open.get(fill.order_id)
        if current is None:
            self._open[fill.order_id] = _Open(Burst.of(fill), now, now, order_done)
            return
        if fill.execution_id in current.burst.execution_ids:
            return  # the same fill again (the ledger de-duplicates; this guards the burst)
        current.burst = current.burst.plus(fill)
        current.last = now
        current.done = current.done or order_done

    def _due_at(self, entry: _Open) -> float:
        if entry.done:
            return entry.last
        return min(entry.last + self.quiet, entry.opened + self.max_delay)

    def next_due(self) -> float | None:
        """When the earliest waiting burst is due (``None``: none waits)."""
        return min((self._due_at(e) for e in self._open.values()), default=None)

    def due(self, now: float) -> list[Burst]:
        """Remove and return the bursts due at ``now``, oldest first."""
        ready = [oid for oid, e in self._open.items() if self._due_at(e) <= now]
        out = [self._open.pop(oid) for oid in ready]
        out.sort(key=lambda e: e.opened)
        return [e.burst for e in out]

    def flush(self) -> list[Burst]:
        """Remove and return every waiting burst (e.g. on exit), oldest first."""
        out = sorted(self._open.values(), key=lambda e: e.opened)
        self._open.clear()
        return [e.burst for e in out]

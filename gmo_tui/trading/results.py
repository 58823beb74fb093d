"""What the trading service hands back: a :class:`SubmitResult` per user action and
:class:`TradingNotice` objects pushed to the UI through the ``notify`` callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gmo_tui.exchange.errors import ApiError
from gmo_tui.exchange.models import Order
from gmo_tui.market.safety import Finding


class Outcome(StrEnum):
    NEEDS_CONFIRM = "NEEDS_CONFIRM"  # soft findings: ask the user, then submit(confirmed=True)
    REFUSED = "REFUSED"  # hard findings or kill switch: nothing was sent
    ACCEPTED = "ACCEPTED"  # the exchange accepted it (order_id for new orders)
    REJECTED = "REJECTED"  # the exchange answered with an error (or the request never left)
    UNKNOWN = "UNKNOWN"  # sent, reply lost: being resolved, never re-sent
    BLOCKED = "BLOCKED"  # not attempted: entry disabled/halted, or an identical intent unresolved


@dataclass(frozen=True, slots=True)
class SubmitResult:
    outcome: Outcome
    order_id: int | None = None
    intent_id: int | None = None
    findings: tuple[Finding, ...] = ()
    error: BaseException | None = None
    reason: str | None = None
    order_ids: tuple[int, ...] = ()
    order: Order | None = None  # the exchange's row when the service looked it up (races)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.ACCEPTED

    @property
    def code(self) -> str | None:
        """The exchange's error code of a REJECTED result (e.g. ``ERR-5122``)."""
        return (self.error.code or None) if isinstance(self.error, ApiError) else None

    def __str__(self) -> str:
        parts = [self.outcome.value]
        if self.order_id is not None:
            parts.append(f"order {self.order_id}")
        if self.reason:
            parts.append(self.reason)
        if self.error is not None:
            parts.append(str(self.error))
        for finding in self.findings:
            parts.append(finding.message)
        return ": ".join(parts[:2]) + ("; " + "; ".join(parts[2:]) if len(parts) > 2 else "")


class NoticeKind(StrEnum):
    UNKNOWN = "UNKNOWN"  # an order/change reply was lost; outcome being resolved
    RESOLVED = "RESOLVED"  # an unknown intent was settled (found, or had no effect)
    AMBIGUOUS = "AMBIGUOUS"  # more than one exchange order matches an unknown intent
    REJECTED = "REJECTED"
    CANCEL_RACE = "CANCEL_RACE"  # a cancel lost to a fill (or the order was gone)
    HALTED = "HALTED"  # maintenance / pre-open: order entry disabled (show a banner)
    REOPENED = "REOPENED"  # the exchange is OPEN again: get a new token, reconnect streams
    ENABLED = "ENABLED"  # order entry enabled (after start-up or after a halt)
    RECONCILED = "RECONCILED"  # start-up/back-fill reconciliation summary
    KILL_SWITCH = "KILL_SWITCH"
    ABANDONED = "ABANDONED"  # a journaled intent found never sent after a crash
    AUTH = "AUTH"  # the exchange rejected the API key or signature: entry closed until restart


class NoticeLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class TradingNotice:
    kind: NoticeKind
    message: str
    level: NoticeLevel = NoticeLevel.INFO
    intent_id: int | None = None
    order_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

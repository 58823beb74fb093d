"""What an alert is (its kind, level and persisted state) and what a fired alert carries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

__all__ = ["Alert", "AlertKind", "AlertState", "Fired"]

FILL_IDS_KEPT = 500


class AlertKind(StrEnum):
    PRICE_ABOVE = "price_above"
    """The last price crosses up through ``level`` (a price)."""
    PRICE_BELOW = "price_below"
    """The last price crosses down through ``level``."""
    PERCENT_MOVE = "percent_move"
    """The price moves ``level`` % (either way) within ``window_s`` seconds."""
    FILL = "fill"
    """Every fill (of ``symbol``, or of any symbol)."""
    LOSSCUT_NEAR = "losscut_near"
    """An open position's mark is within ``level`` % of its losscut price."""
    MARGIN_BELOW = "margin_below"
    """The account's margin ratio (GMO's ``marginRatio``, in %) is under ``level``."""
    STREAM_STALE = "stream_stale"
    """A stream or channel has not been LIVE for ``level`` seconds."""
    MAINTENANCE = "maintenance"
    """Maintenance announced, or begun (the exchange status leaves OPEN)."""

    @property
    def one_shot(self) -> bool:
        """Price alerts fire once and are done; condition alerts fire once per episode."""
        return self in (AlertKind.PRICE_ABOVE, AlertKind.PRICE_BELOW, AlertKind.PERCENT_MOVE)


class AlertState(StrEnum):
    ARMED = "armed"
    FIRED = "fired"
    """A one-shot alert that has fired: it never fires again."""


@dataclass(slots=True)
class Alert:
    """One alert and the state that must survive a restart.

    ``primed`` (crossings): a price on the far side of ``level`` has been seen, so the next
    price at or past it is a cross. ``active``: the episodes (position ids, stream keys,
    ``margin``, ``maintenance``) whose condition holds and has already fired; an episode fires
    again only after its condition cleared. ``fills``: execution ids already reported.
    """

    kind: AlertKind
    level: Decimal | None = None
    symbol: str | None = None
    window_s: float | None = None
    note: str = ""
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    created_at: float = 0.0
    state: AlertState = AlertState.ARMED
    fired_at: float | None = None
    primed: bool = False
    active: list[str] = field(default_factory=list)
    fills: list[int] = field(default_factory=list)
    pending: Fired | None = None
    """The latest firing the trader has not dismissed yet (its notice stays, across restarts)."""

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ``ValueError`` (with a message for the user) if the alert cannot work."""
        match self.kind:
            case AlertKind.PRICE_ABOVE | AlertKind.PRICE_BELOW:
                if self.symbol is None or self.level is None or self.level <= 0:
                    raise ValueError("a price alert needs a symbol and a price above 0")
            case AlertKind.PERCENT_MOVE:
                if self.symbol is None or self.level is None or self.level <= 0:
                    raise ValueError("a percent-move alert needs a symbol and a percent above 0")
                if self.window_s is None or self.window_s <= 0:
                    raise ValueError("a percent-move alert needs a window in seconds above 0")
            case AlertKind.LOSSCUT_NEAR | AlertKind.MARGIN_BELOW | AlertKind.STREAM_STALE:
                if self.level is None or self.level <= 0:
                    raise ValueError(f"a {self.kind.value} alert needs a level above 0")
            case AlertKind.FILL | AlertKind.MAINTENANCE:
                pass

    def remember_fill(self, execution_id: int) -> bool:
        """True the first time ``execution_id`` is seen (bounded memory, persisted)."""
        if execution_id in self.fills:
            return False
        self.fills.append(execution_id)
        del self.fills[:-FILL_IDS_KEPT]
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind.value,
            "level": None if self.level is None else str(self.level),
            "symbol": self.symbol,
            "window_s": self.window_s,
            "note": self.note,
            "created_at": self.created_at,
            "state": self.state.value,
            "fired_at": self.fired_at,
            "primed": self.primed,
            "active": list(self.active),
            "fills": list(self.fills),
            "pending": None if self.pending is None else self.pending.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        """An alert from its JSON form; ``ValueError`` naming the problem if it is not one."""
        try:
            level = data.get("level")
            window = data.get("window_s")
            return cls(
                kind=AlertKind(data["kind"]),
                level=None if level is None else Decimal(str(level)),
                symbol=data.get("symbol"),
                window_s=None if window is None else float(window),
                note=str(data.get("note", "")),
                id=str(data["id"]),
                created_at=float(data.get("created_at", 0.0)),
                state=AlertState(data.get("state", AlertState.ARMED.value)),
                fired_at=data.get("fired_at"),
                primed=bool(data.get("primed", False)),
                active=[str(a) for a in data.get("active", [])],
                fills=[int(f) for f in data.get("fills", [])],
                pending=Fired.from_dict(pending) if (pending := data.get("pending")) else None,
            )
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise ValueError(f"not an alert ({type(exc).__name__}: {exc})") from None


@dataclass(frozen=True, slots=True)
class Fired:
    """One firing of an alert: what every delivery (screen, bell, OSC, hook) shows."""

    alert_id: str
    kind: AlertKind
    title: str
    body: str
    at: float
    symbol: str | None = None
    details: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As saved with its alert (``at`` as seconds)."""
        return {
            "alert_id": self.alert_id,
            "kind": self.kind.value,
            "title": self.title,
            "body": self.body,
            "at": self.at,
            "symbol": self.symbol,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fired:
        return cls(
            str(data["alert_id"]),
            AlertKind(data["kind"]),
            str(data["title"]),
            str(data["body"]),
            float(data["at"]),
            None if data.get("symbol") is None else str(data["symbol"]),
            {str(k): str(v) for k, v in dict(data.get("details", {})).items()},
        )

    def to_json(self) -> str:
        """The alert as the command hook gets it on stdin (no secrets: market facts only)."""
        return json.dumps(
            {
                "id": self.alert_id,
                "kind": self.kind.value,
                "symbol": self.symbol,
                "title": self.title,
                "body": self.body,
                "at": datetime.fromtimestamp(self.at, UTC).isoformat(),
                "details": self.details,
            },
            ensure_ascii=False,
        )

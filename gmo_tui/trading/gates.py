"""The order-entry gates: every condition that must hold before an order may be sent.

Each :class:`Gate` is open or closed with a reason. Order entry is enabled only while every
gate is open; :attr:`EntryGates.reason` is the first closed gate's reason (in the order of
:class:`Gate`), for the banner and the ticket. Who sets which gate:

* the app's session: RULES (trading rules loaded), BOOK (the current symbol's book LIVE and
  sane), PRIVATE_STREAM (the private stream LIVE);
* the trading service: RECONCILED (start-up reconciliation done), EXCHANGE_OPEN (status OPEN,
  no ERR-5201/5202/5203 since), AUTH (the exchange rejected the key or signature: closed until
  restart), CLOCK (the server clock too far from the local clock), KILL_SWITCH.

Every gate starts closed except KILL_SWITCH, AUTH and CLOCK (nothing known against them yet).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Gate", "EntryGates"]


class Gate(StrEnum):
    """In the order their reasons are told: root causes (a rejected key, a wrong clock, the
    exchange closed) before what they hold up (reconciliation, streams)."""

    AUTH = "AUTH"
    CLOCK = "CLOCK"
    EXCHANGE_OPEN = "EXCHANGE_OPEN"
    KILL_SWITCH = "KILL_SWITCH"
    RULES = "RULES"
    BOOK = "BOOK"
    PRIVATE_STREAM = "PRIVATE_STREAM"
    RECONCILED = "RECONCILED"


_INITIAL_REASON: dict[Gate, str] = {
    Gate.RULES: "trading rules not loaded yet",
    Gate.BOOK: "order book not live yet",
    Gate.PRIVATE_STREAM: "private stream not live yet",
    Gate.RECONCILED: "reconciling with the exchange",
    Gate.EXCHANGE_OPEN: "reconciling with the exchange (its status not known yet)",
}


class EntryGates:
    """The gates and their reasons; order entry is enabled when every one is open."""

    def __init__(self) -> None:
        self._closed: dict[Gate, str] = dict(_INITIAL_REASON)

    def set(self, gate: Gate, ok: bool, reason: str = "") -> bool:
        """Open (``ok``) or close ``gate``; True when the enabled state changed."""
        before = self.enabled
        if ok:
            self._closed.pop(gate, None)
        else:
            self._closed[gate] = reason or _INITIAL_REASON.get(gate, f"{gate.value} closed")
        return self.enabled != before

    def is_open(self, gate: Gate) -> bool:
        return gate not in self._closed

    def reason_of(self, gate: Gate) -> str | None:
        """Why ``gate`` is closed (``None`` when open)."""
        return self._closed.get(gate)

    @property
    def enabled(self) -> bool:
        """Every gate open."""
        return not self._closed

    @property
    def reason(self) -> str | None:
        """The first closed gate's reason (``None`` when entry is enabled)."""
        closed = self.closed()
        return closed[0][1] if closed else None

    def closed(self, ignore: frozenset[Gate] = frozenset()) -> list[tuple[Gate, str]]:
        """The closed gates with their reasons, in :class:`Gate` order."""
        return [(g, self._closed[g]) for g in Gate if g in self._closed and g not in ignore]

    def __repr__(self) -> str:
        return f"EntryGates(closed={self.closed()!r})"

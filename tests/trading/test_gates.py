"""EntryGates: entry is enabled only while every gate is open; the reason is the first closed
gate's; ``set`` says when the enabled state changed."""

from __future__ import annotations

from gmo_tui.trading.gates import EntryGates, Gate

APP_AND_SERVICE = (Gate.EXCHANGE_OPEN, Gate.RULES, Gate.BOOK, Gate.PRIVATE_STREAM, Gate.RECONCILED)


def test_every_gate_starts_closed_except_kill_switch_auth_and_clock() -> None:
    gates = EntryGates()
    assert not gates.enabled
    assert [g for g, _ in gates.closed()] == list(APP_AND_SERVICE)
    for gate in (Gate.KILL_SWITCH, Gate.AUTH, Gate.CLOCK):
        assert gates.is_open(gate) and gates.reason_of(gate) is None
    assert gates.reason == "reconciling with the exchange (its status not known yet)"
    gates.set(Gate.EXCHANGE_OPEN, True)
    assert gates.reason == "trading rules not loaded yet"


def test_enabled_only_when_all_open_and_set_reports_changes() -> None:
    gates = EntryGates()
    changes = [gates.set(g, True) for g in APP_AND_SERVICE]
    assert changes == [False, False, False, False, True]  # only the last one enabled entry
    assert gates.enabled and gates.reason is None and gates.closed() == []
    assert gates.set(Gate.BOOK, True) is False  # already open: no change
    assert gates.set(Gate.AUTH, False, "ERR-5012 invalid API key") is True
    assert not gates.enabled and gates.reason == "ERR-5012 invalid API key"
    assert gates.set(Gate.CLOCK, False, "clock 400 s off") is False  # still disabled
    assert gates.closed() == [
        (Gate.AUTH, "ERR-5012 invalid API key"),
        (Gate.CLOCK, "clock 400 s off"),
    ]
    assert gates.set(Gate.AUTH, True) is False
    assert gates.reason == "clock 400 s off"
    assert gates.set(Gate.CLOCK, True) is True and gates.enabled


def test_reason_follows_gate_order_not_closing_order() -> None:
    gates = EntryGates()
    for g in APP_AND_SERVICE:
        gates.set(g, True)
    gates.set(Gate.BOOK, False, "book of BTC is crossed")
    gates.set(Gate.AUTH, False, "ERR-5010 bad signature")
    assert gates.reason == "ERR-5010 bad signature"  # the root cause first
    assert gates.closed(ignore=frozenset({Gate.AUTH})) == [(Gate.BOOK, "book of BTC is crossed")]
    gates.set(Gate.BOOK, False)  # no reason given: a default one, never empty
    assert gates.reason_of(Gate.BOOK)

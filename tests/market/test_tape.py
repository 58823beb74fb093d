"""Tape: bounded newest-first ring, large prints, the appended counter."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import Side
from gmo_tui.market.tape import Tape, Tapes
from tests.market.factories import trade

D = Decimal


def test_newest_first_bounded_and_counter() -> None:
    tape = Tape("BTC", maxlen=3)
    for i in range(5):
        tape.append(trade(str(100 + i), "0.1", at=i))
    assert len(tape) == 3
    assert [p.price for p in tape.newest_first()] == [D(104), D(103), D(102)]
    assert tape.appended == 5
    assert tape.last is not None and tape.last.seq == 5


def test_since_returns_only_new_rows() -> None:
    tape = Tape("BTC", maxlen=10)
    for i in range(4):
        tape.append(trade("100", "1", at=i))
    seen = tape.appended
    tape.append(trade("101", "1", Side.SELL, at=5))
    tape.append(trade("102", "1", at=6))
    new = tape.since(seen)
    assert [p.price for p in new] == [D(102), D(101)]
    assert new[1].side is Side.SELL
    assert tape.since(tape.appended) == []
    # More new than the ring holds: what is still there.
    for i in range(30):
        tape.append(trade("1", "1", at=10 + i))
    assert len(tape.since(seen)) == 10


def test_large_print_against_rolling_median() -> None:
    tape = Tape("BTC", large_multiple=D(5), median_window=50, min_samples=5)
    for i in range(10):
        assert not tape.append(trade("100", "0.1", at=i)).large
    assert tape.median == D("0.1")
    assert not tape.append(trade("100", "0.4", at=11)).large
    assert tape.append(trade("100", "0.5", at=12)).large


def test_large_print_needs_samples_unless_fixed_size() -> None:
    tape = Tape("BTC", min_samples=5)
    assert not tape.append(trade("100", "100")).large
    fixed = Tape("BTC", large_size=D(1), min_samples=5)
    assert fixed.append(trade("100", "1")).large
    assert not fixed.append(trade("100", "0.9")).large


def test_median_window_slides() -> None:
    tape = Tape("BTC", median_window=3, min_samples=1)
    for size in ["1", "1", "1", "9", "9"]:
        tape.append(trade("100", size))
    assert tape.median == D(9)


def test_load_replaces_in_time_order() -> None:
    tape = Tape("BTC")
    tape.append(trade("1", "1", at=0))
    rest_page = [trade("30", "1", at=3), trade("20", "1", at=2), trade("10", "1", at=1)]
    tape.load(rest_page)
    assert [p.price for p in tape.newest_first()] == [D(30), D(20), D(10)]
    assert tape.appended == 4


def test_tapes_by_symbol() -> None:
    tapes = Tapes(maxlen=2)
    tapes.append(trade("1", "1", symbol="ETH"))
    assert len(tapes["ETH"]) == 1 and tapes["ETH"].maxlen == 2


def test_large_by_notional() -> None:
    tape = Tape("BTC", large_notional=D(5_000_000), min_samples=1000)
    assert tape.append(trade("15000000", "0.34")).large
    assert not tape.append(trade("15000000", "0.33")).large
    assert tape.is_large(D("0.34"), D(15000000)) and not tape.is_large(D("0.34"))

"""Bracket data (gmo_tui.trading.bracket_model): exit prices from offsets, spec validation,
the JSON round trip the bracket file relies on."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.sim.symbols import SYMBOL_RULES
from gmo_tui.trading.bracket_model import (
    Bracket,
    BracketSpec,
    ExitOffset,
    Lot,
    OffsetKind,
    TakeProfitState,
)

D = Decimal
BTC_JPY = SYMBOL_RULES["BTC_JPY"]  # tick 1
XRP_JPY = SYMBOL_RULES["XRP_JPY"]


def test_exit_prices_from_ticks_percent_and_price() -> None:
    ticks = ExitOffset(OffsetKind.TICKS, D(500))
    assert ticks.price(BTC_JPY, Side.BUY, D(15_000_000), profit=False) == D(14_999_500)
    assert ticks.price(BTC_JPY, Side.BUY, D(15_000_000), profit=True) == D(15_000_500)
    assert ticks.price(BTC_JPY, Side.SELL, D(15_000_000), profit=False) == D(15_000_500)
    assert ticks.price(BTC_JPY, Side.SELL, D(15_000_000), profit=True) == D(14_999_500)
    # 1.5 % of 15,000,001 = 225,000.015: away from the fill, on the tick
    pct = ExitOffset(OffsetKind.PERCENT, D("1.5"))
    assert pct.price(BTC_JPY, Side.BUY, D(15_000_001), profit=True) == D(15_225_002)
    assert pct.price(BTC_JPY, Side.BUY, D(15_000_001), profit=False) == D(14_775_000)
    tick = XRP_JPY.tick_size
    price = ExitOffset(OffsetKind.TICKS, D(3)).price(XRP_JPY, Side.BUY, D(100), profit=False)
    assert price == D(100) - 3 * tick
    assert ExitOffset(OffsetKind.PRICE, D(123)).price(BTC_JPY, Side.BUY, D(1), profit=True) == 123
    with pytest.raises(ValueError):
        ExitOffset(OffsetKind.TICKS, D(0))


def test_spec_validation() -> None:
    stop = ExitOffset(OffsetKind.TICKS, D(10))
    with pytest.raises(ValueError, match="stop-loss, a take-profit"):
        BracketSpec("BTC_JPY", Side.BUY, D("0.01"), ExecutionType.MARKET)
    with pytest.raises(ValueError, match="trailing"):
        BracketSpec(
            "BTC_JPY",
            Side.BUY,
            D("0.01"),
            ExecutionType.MARKET,
            take_profit=stop,
            trail=D(5),
        )
    with pytest.raises(ValueError, match="MARKET"):
        BracketSpec("BTC_JPY", Side.BUY, D("0.01"), ExecutionType.LIMIT, stop_loss=stop)


def test_json_round_trip_keeps_decimals_exact() -> None:
    spec = BracketSpec(
        "XRP_JPY",
        Side.SELL,
        D("10"),
        ExecutionType.LIMIT,
        D("100.123"),
        stop_loss=ExitOffset(OffsetKind.PERCENT, D("0.5")),
        take_profit=ExitOffset(OffsetKind.PRICE, D("99.001")),
        trail=D("0.010"),
    )
    lot = Lot(
        execution_id=7,
        size=D("4"),
        price=D("100.123"),
        position_id=9,
        closed=D("1.5"),
        stop_price=D("100.624"),
        stop_order_id=11,
        tp_price=D("99.001"),
        tp_state=TakeProfitState.ARMED,
        retired_stops=[10],
    )
    bracket = Bracket(id=3, spec=spec, entry_order_id=5, lots=[lot], note="x")
    again = Bracket.from_json(bracket.to_json())
    assert again == bracket
    assert again.lots[0].open_size == D("2.5") and again.order_ids() == {5, 10, 11}
    assert again.spec.trail == D("0.010")

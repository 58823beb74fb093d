"""Helpers of the bracket tests: a bracket manager on the trading rig, and a hand on the built-in
exchange's market (the synthetic market is stopped, then its mid moved and trades printed, so a
test decides where the touch and the last price are)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from gmo_tui.exchange.enums import ExecutionType, OrderStatus, Side, TimeInForce
from gmo_tui.sim.market import TAKER
from gmo_tui.sim.rules import MARKET_MAKER
from gmo_tui.trading.bracket_store import BracketStore
from gmo_tui.trading.brackets import BracketManager
from gmo_tui.trading.fanout import FanOutListener
from gmo_tui.trading.reconcile import ReconcileReason
from tests.trading.conftest import Rig

D = Decimal
STEP = 3000  # the market maker's level grid on BTC_JPY / BTC (ticks of 1 JPY)


def attach(rig: Rig, path: Path) -> BracketManager:
    manager = BracketManager(rig.service, BracketStore(path))
    rig.service.listener = FanOutListener(rig.listener, manager)
    return manager


async def still(sim: Any) -> None:
    """Stop the synthetic market's own moves and trades."""
    await sim.control("rates", {"books_per_s": 0, "trades_per_s": 0, "tickers_per_s": 0})


def move_mid(sim: Any, symbol: str, price: Decimal) -> None:
    """Re-quote the market maker around ``price`` (on the 3000-tick grid, spread 3000)."""
    market = sim.state.market
    market.mid[symbol] = int(price)
    market.requote(symbol)


def print_trade(sim: Any, symbol: str, side: Side, size: Decimal) -> None:
    """A house taker's MARKET order: the last price becomes the touch it hits."""
    sim.engine.place_order(
        TAKER, symbol=symbol, side=side, execution_type=ExecutionType.MARKET, size=size
    )


def trigger_sell_stop(
    sim: Any, symbol: str, stop: Decimal, size: Decimal, left: Decimal | None = None
) -> None:
    """Print a trade at ``stop`` with a bid of ``left`` (default: plenty) left there, so a SELL
    stop at ``stop`` triggers and fills (up to ``left``): the mid moves to the stop (off the
    grid: inside the spread), the house bids there, a taker sells ``size`` into that bid."""
    move_mid(sim, symbol, stop)
    sim.engine.place_order(
        MARKET_MAKER,
        symbol=symbol,
        side=Side.BUY,
        execution_type=ExecutionType.LIMIT,
        size=size * 10 if left is None else size + left,
        price=stop,
        time_in_force=TimeInForce.FAS,
    )
    print_trade(sim, symbol, Side.SELL, size)


async def settle(rig: Rig, manager: BracketManager) -> None:
    """What the session's reconcile timer does, then let the manager act."""
    await manager.wait_idle()
    await rig.service.reconcile(ReconcileReason.TIMER)
    await manager.wait_idle()


def exchange_active(rig: Rig, symbol: str) -> dict[int, Any]:
    return {
        o.id: o
        for o in rig.account.orders.values()
        if o.symbol == symbol and o.status in (OrderStatus.WAITING, OrderStatus.ORDERED)
    }


def exchange_positions(rig: Rig, symbol: str) -> dict[int, Decimal]:
    return {p.id: p.size for p in rig.account.positions.values() if p.symbol == symbol}


def assert_model_is_exchange(rig: Rig, manager: BracketManager, symbol: str) -> None:
    """The exchange's working orders and positions equal the service's and the brackets'."""
    active = exchange_active(rig, symbol)
    tracked = {o.order_id for o in rig.service.tracker.orders(symbol) if o.is_active}
    assert set(active) == tracked
    positions = exchange_positions(rig, symbol)
    model = {p.position_id: p.size for p in rig.service.positions.all(symbol)}
    if symbol.endswith("_JPY"):
        assert positions == model
    for bracket in manager.brackets(symbol):
        for lot in bracket.lots:
            if lot.stop_order_id is not None and lot.is_open:
                stop = active[lot.stop_order_id]
                assert stop.execution_type is ExecutionType.STOP
                assert stop.price == lot.stop_price and stop.size == lot.open_size
            if lot.position_id is not None:
                assert positions.get(lot.position_id, D(0)) == lot.open_size

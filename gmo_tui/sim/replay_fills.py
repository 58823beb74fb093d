"""Paper orders against a replayed (or live) market: :class:`PaperMatcher`.

* **The book**: the recorded book is mirrored into the engine as the market maker's orders, one
  (or, above the maximum order size, a few) per level, so a MARKET or a marketable LIMIT walks
  the recorded levels with the engine's own rules, fees and errors. A level the engine refuses
  (size below the minimum, off the size step) is left out. Levels that would cross a resting
  paper order are left out too: a paper order is filled by prints, never by the book moving.
  Liquidity a paper order takes stays taken until the recorded level changes.
* **Resting orders** fill only when recorded prints reach them. A paper order joins the queue
  behind the recorded size at its price when it rests (or changes price); the queue ahead
  shrinks when the recorded level shrinks below it and when prints trade at the price. A print
  at the order's price fills what is left of the print after the queue ahead; a print through
  the price (below a bid, above an ask) fills the order's whole remainder. Fills go through
  :meth:`Engine.fill_order` at the order's price (maker fee, the usual events).
* Stops trigger on recorded prints (:meth:`Engine.external_print`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, OrderStatus, Side, TimeInForce
from gmo_tui.sim.engine import Engine
from gmo_tui.sim.engine_events import AccountEvent
from gmo_tui.sim.replay_view import FeedView
from gmo_tui.sim.rules import MARKET_MAKER, ZERO, SimError


@dataclass
class QueueSpot:
    """A resting paper order and the recorded size ahead of it."""

    account_id: str
    symbol: str
    side: Side
    price: Decimal
    ahead: Decimal


class PaperMatcher:
    def __init__(self, engine: Engine, view: FeedView) -> None:
        self.engine = engine
        self.view = view
        self.mirror: dict[str, dict[tuple[Side, Decimal], tuple[Decimal, list[int]]]] = {}
        self.spots: dict[int, QueueSpot] = {}
        self.fills = 0
        if not engine.has_account(MARKET_MAKER):
            engine.open_account(MARKET_MAKER, jpy=Decimal("1e15"), unlimited=True)

    # ------------------------------------------------------------------ paper orders

    def on_engine_event(self, event: object) -> None:
        match event:
            case AccountEvent(account_id=account_id, event=models.OrderEvent() as order):
                self._on_order(account_id, order)

    def _on_order(self, account_id: str, order: models.OrderEvent) -> None:
        resting = (
            order.order_status is OrderStatus.ORDERED
            and order.execution_type is not ExecutionType.MARKET
            and order.order_size > order.order_executed_size
        )
        if not resting:
            self.spots.pop(order.order_id, None)
            return
        spot = self.spots.get(order.order_id)
        if spot is None or spot.price != order.order_price:
            ahead = self.view.level_size(order.symbol, order.side, order.order_price)
            self.spots[order.order_id] = QueueSpot(
                account_id, order.symbol, order.side, order.order_price, ahead
            )

    def _remaining(self, spot: QueueSpot, order_id: int) -> Decimal:
        found = self.engine.orders(spot.account_id, [order_id])
        if not found or found[0].status is not OrderStatus.ORDERED:
            return ZERO
        return found[0].size - found[0].executed_size

    # ------------------------------------------------------------------ recorded market

    def on_trade(self, symbol: str, trade: models.Trade) -> None:
        """A recorded print: fill the paper orders it reaches, then tell the engine."""
        reached = [
            (order_id, spot)
            for order_id, spot in self.spots.items()
            if spot.symbol == symbol
            and (
                (spot.side is Side.BUY and spot.price >= trade.price)
                or (spot.side is Side.SELL and spot.price <= trade.price)
            )
        ]
        left = trade.size  # what the print leaves for the orders at its price
        for order_id, spot in reached:
            remaining = self._remaining(spot, order_id)
            if remaining <= 0:
                continue
            if spot.price != trade.price:
                qty = remaining  # traded through: the whole level went
            else:
                queued = min(left, spot.ahead)
                spot.ahead -= queued
                left -= queued
                qty = min(left, remaining)
                left -= qty
            if qty > 0:
                self.engine.fill_order(spot.account_id, order_id, qty)
                self.fills += 1
        self.engine.external_print(symbol, trade)

    def on_book(self, symbol: str, book: models.OrderBook) -> None:
        """A recorded book: shrink the queues ahead, mirror the levels into the engine."""
        for spot in self.spots.values():
            if spot.symbol == symbol:
                spot.ahead = min(spot.ahead, self.view.level_size(symbol, spot.side, spot.price))
        self._mirror(symbol, book)

    def _mirror(self, symbol: str, book: models.OrderBook) -> None:
        bids = [s.price for s in self.spots.values() if s.symbol == symbol and s.side is Side.BUY]
        asks = [s.price for s in self.spots.values() if s.symbol == symbol and s.side is Side.SELL]
        top_bid, low_ask = max(bids, default=None), min(asks, default=None)
        want: dict[tuple[Side, Decimal], Decimal] = {}
        for level in book.asks:
            if top_bid is None or level.price > top_bid:
                want[(Side.SELL, level.price)] = level.size
        for level in book.bids:
            if low_ask is None or level.price < low_ask:
                want[(Side.BUY, level.price)] = level.size
        current = self.mirror.setdefault(symbol, {})
        for key, (size, order_ids) in list(current.items()):
            if want.get(key) != size:
                del current[key]
                for order_id in order_ids:
                    try:
                        self.engine.cancel_order(MARKET_MAKER, order_id)
                    except SimError:
                        pass  # taken by a paper order already
        for key, size in want.items():
            if key not in current:
                current[key] = (size, self._place(symbol, key[0], key[1], size))

    def _place(self, symbol: str, side: Side, price: Decimal, size: Decimal) -> list[int]:
        most = self.engine.rules[symbol].max_order_size
        order_ids: list[int] = []
        while size > 0:
            chunk = min(size, most)
            size -= chunk
            try:
                order_ids.append(
                    self.engine.place_order(
                        MARKET_MAKER,
                        symbol=symbol,
                        side=side,
                        execution_type=ExecutionType.LIMIT,
                        size=chunk,
                        price=price,
                        time_in_force=TimeInForce.FAS,
                    )
                )
            except SimError:
                break  # the engine refuses the level (size rules, price band): left out
        return order_ids

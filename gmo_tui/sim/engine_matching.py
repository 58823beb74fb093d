"""The engine's order life cycle: matching, fills, settlement, stops, losscuts and events.

A mixin of :class:`gmo_tui.sim.engine.Engine`.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import (
    ExecutionType,
    MarginCallStatus,
    OrderStatus,
    OrderType,
    SettleType,
    Side,
    TimeInForce,
)
from gmo_tui.sim.accounts import Account
from gmo_tui.sim.book import BookSide, SymbolBook
from gmo_tui.sim.engine_events import AccountEvent, BookChanged, PublicTrade
from gmo_tui.sim.engine_queries import QueriesMixin
from gmo_tui.sim.orders import (
    SimOrder,
    SimPosition,
    clean,
    order_event,
    position_event,
)
from gmo_tui.sim.rules import (
    JST,
    LEVERAGE,
    MAX_PENDING_ROUNDS,
    ZERO,
    crosses,
    fee_for,
)
from gmo_tui.sim.symbols import base_asset, is_margin

StopKey = tuple[Decimal, int, int]  # a waiting stop order: (price, seq, order id)


class MatchingMixin(QueriesMixin):
    """Price-time priority matching and everything a fill changes."""

    _stops: dict[str, tuple[list[StopKey], list[StopKey]]]
    _positions_by_symbol: dict[str, dict[int, SimPosition]]
    _events: list[object]
    _listeners: list[Callable[[object], None]]
    _dirty_books: dict[str, None]
    _dirty_summaries: dict[tuple[str, str, Side], None]
    _traded: dict[str, None]
    _touched: dict[str, None]
    _cut: set[int]
    _checked: dict[str, tuple[Decimal | None, Decimal | None]]
    _depth: int
    _seq: int
    _next_order_id: int
    _next_execution_id: int
    _next_position_id: int
    fee_income: Decimal

    def _liquidity(self, o: SimOrder, limit: Decimal | None) -> Decimal:
        raise NotImplementedError

    # ------------------------------------------------------------------ order life cycle

    def _new_order(
        self,
        acct: Account,
        symbol: str,
        side: Side,
        et: ExecutionType,
        settle: SettleType,
        order_type: OrderType,
        tif: TimeInForce,
        price: Decimal,
        size: Decimal,
        losscut: Decimal,
    ) -> SimOrder:
        order_id = self._next_order_id
        self._next_order_id += 1
        self._seq += 1
        o = SimOrder(
            id=order_id,
            account_id=acct.id,
            symbol=symbol,
            side=side,
            execution_type=et,
            settle_type=settle,
            order_type=order_type,
            tif=tif,
            price=price,
            size=size,
            losscut_price=losscut,
            timestamp=self._now(),
            is_margin=is_margin(symbol),
            seq=self._seq,
        )
        if acct.tracked:
            acct.orders[order_id] = o
        acct.active_in(symbol)[order_id] = o
        self._live[order_id] = o
        if not acct.unlimited and et is not ExecutionType.MARKET:
            if not o.is_margin:
                o.reserve_asset = "JPY" if side is Side.BUY else base_asset(symbol)
            elif settle is SettleType.OPEN:
                o.reserve_asset = "MARGIN"
            self._update_reserve(acct, o)
        elif not acct.unlimited and not o.is_margin and side is Side.SELL:
            o.reserve_asset = base_asset(symbol)  # a market sell holds its coin while it matches
            self._update_reserve(acct, o)
        return o

    def _allocate(self, o: SimOrder, plan: list[tuple[SimPosition, Decimal]]) -> None:
        for pos, size in plan:
            o.allocations.append([pos.id, size])
            pos.orderd_size += size
            self._dirty_summaries[(o.account_id, pos.symbol, pos.side)] = None

    def _activate(self, o: SimOrder) -> None:
        if o.execution_type is ExecutionType.STOP:
            o.status = OrderStatus.WAITING
            self._order_event(o, "NOR")
            self._add_stop(o)
            return
        self._order_event(o, "NOR")
        self._match(o)

    def _match(self, o: SimOrder) -> None:
        """Take liquidity for ``o`` (not on the book), then rest or expire what is left."""
        book = self._books[o.symbol]
        opposite = book.opposite_of(o)
        limit = None if o.execution_type is ExecutionType.MARKET else o.price
        if o.tif is TimeInForce.SOK:
            if crosses(o.side, opposite.best(), limit):
                self._expire(o, "EXPIRED_SOK")
            else:
                self._rest(o, book)
            return
        if o.tif is TimeInForce.FOK and self._liquidity(o, limit) < o.remaining:
            self._expire(o, "EXPIRED_FOK")
            return
        self_trade = False
        while o.remaining > 0:
            best = opposite.best()
            if best is None or not crosses(o.side, best, limit):
                break
            maker = opposite.first_order(best)
            if maker.account_id == o.account_id:
                self_trade = True
                break
            qty = min(o.remaining, maker.remaining)
            if o.allocations:
                qty = min(qty, o.allocations[0][1])
            if maker.allocations:
                qty = min(qty, maker.allocations[0][1])
            self._trade(o, maker, best, qty, opposite)
        if o.remaining <= 0:
            return
        if self_trade:
            self._expire(o, "EXPIRED_SELFTRADE")
        elif o.tif is TimeInForce.FAS and o.execution_type is not ExecutionType.MARKET:
            self._rest(o, book)
        else:
            self._expire(o, "EXPIRED_FOK" if o.tif is TimeInForce.FOK else "EXPIRED_FAK")

    def _rest(self, o: SimOrder, book: SymbolBook) -> None:
        book.side_of(o).add(o)
        self._dirty_books[o.symbol] = None
        self._touched[o.symbol] = None

    def _trade(
        self, taker: SimOrder, maker: SimOrder, price: Decimal, qty: Decimal, side: BookSide
    ) -> None:
        now = self._now()
        symbol = taker.symbol
        taker.executed += qty
        maker.executed += qty
        side.filled(maker, qty)
        trade = models.Trade(price=price, side=taker.side, size=qty, timestamp=now)
        self._tapes[symbol].add(trade)
        self._events.append(PublicTrade(symbol, trade))
        self._dirty_books[symbol] = None
        self._traded[symbol] = None
        self._touched[symbol] = None
        self._settle(taker, price, qty, True, now)
        self._settle(maker, price, qty, False, now)

    def _settle(
        self, o: SimOrder, price: Decimal, qty: Decimal, is_taker: bool, now: datetime
    ) -> None:
        acct = self._accounts[o.account_id]
        rule = self._rules[o.symbol]
        notional = price * qty
        fee = fee_for(notional, rule.taker_fee if is_taker else rule.maker_fee)
        acct.add("JPY", -fee)
        self.fee_income += fee
        loss_gain = ZERO
        pos: SimPosition | None = None
        pos_msg = ""
        if not o.is_margin:
            coin = base_asset(o.symbol)
            if o.side is Side.BUY:
                acct.add("JPY", -notional)
                acct.add(coin, qty)
            else:
                acct.add("JPY", notional)
                acct.add(coin, -qty)
        elif acct.tracked:
            if o.settle_type is SettleType.OPEN:
                pos = SimPosition(
                    id=self._next_position_id,
                    account_id=acct.id,
                    symbol=o.symbol,
                    side=o.side,
                    size=qty,
                    price=price,
                    leverage=LEVERAGE,
                    losscut_price=o.losscut_price or self._default_losscut(o.symbol, o.side, price),
                    timestamp=now,
                )
                self._next_position_id += 1
                acct.positions[pos.id] = pos
                self._positions_by_symbol[o.symbol][pos.id] = pos
                self._checked.pop(o.symbol, None)
                pos_msg = "OPR"
            else:
                alloc = o.allocations[0]
                pos = acct.positions[alloc[0]]
                diff = price - pos.price if pos.side is Side.BUY else pos.price - price
                loss_gain = diff * qty
                pos.size -= qty
                pos.orderd_size -= qty
                alloc[1] -= qty
                if alloc[1] <= 0:
                    o.allocations.pop(0)
                acct.add("JPY", loss_gain)
                self._checked.pop(o.symbol, None)
                if pos.size <= 0:
                    del acct.positions[pos.id]
                    del self._positions_by_symbol[o.symbol][pos.id]
                    pos_msg = "CPR"
                else:
                    pos_msg = "UPR"
            self._dirty_summaries[(acct.id, o.symbol, pos.side)] = None
        self._update_reserve(acct, o)
        if acct.tracked:
            self._record_execution(acct, o, price, qty, fee, loss_gain, pos, now)
            if pos is not None:
                self._position_event(pos, pos_msg)
        if o.remaining <= 0:
            o.status = OrderStatus.EXECUTED
            self._deactivate(acct, o)
            self._order_event(o, "ER")

    def _record_execution(
        self,
        acct: Account,
        o: SimOrder,
        price: Decimal,
        qty: Decimal,
        fee: Decimal,
        loss_gain: Decimal,
        pos: SimPosition | None,
        now: datetime,
    ) -> None:
        execution_id = self._next_execution_id
        self._next_execution_id += 1
        settle = SettleType.OPEN if o.settle_type is SettleType.OPEN else SettleType.CLOSE
        position_id = pos.id if pos is not None else None
        execution = models.Execution(
            execution_id=execution_id,
            order_id=o.id,
            symbol=o.symbol,
            side=o.side,
            settle_type=settle,
            size=qty,
            price=price,
            loss_gain=clean(loss_gain),
            fee=fee,
            timestamp=now,
            position_id=position_id,
        )
        acct.executions[execution_id] = execution
        acct.executions_by_order.setdefault(o.id, []).append(execution)
        acct.executions_by_symbol.setdefault(o.symbol, []).append(execution)
        notional = price * qty
        acct.volume.append((now, notional))
        acct.volume_sum += notional
        self._evict_volume(acct, now)
        kind = "OPEN" if o.is_margin else o.side.value
        if not o.is_margin or o.settle_type is SettleType.OPEN:
            key = ((now + JST).date().isoformat(), o.symbol, kind)
            acct.daily[key] = acct.daily.get(key, ZERO) + qty
        self._events.append(
            AccountEvent(
                acct.id,
                models.ExecutionEvent(
                    order_id=o.id,
                    execution_id=execution_id,
                    symbol=o.symbol,
                    settle_type=settle,
                    execution_type=o.execution_type,
                    side=o.side,
                    execution_price=price,
                    execution_size=qty,
                    order_timestamp=o.timestamp,
                    execution_timestamp=now,
                    loss_gain=clean(loss_gain),
                    fee=fee,
                    order_price=o.price,
                    order_size=o.size,
                    order_executed_size=o.executed,
                    time_in_force=o.tif,
                    position_id=position_id,
                ),
            )
        )

    def _deactivate(self, acct: Account, o: SimOrder) -> None:
        """``o`` just left the active states: release what it held."""
        self._update_reserve(acct, o)
        active = acct.active.get(o.symbol)
        if active is not None:
            active.pop(o.id, None)
        self._live.pop(o.id, None)
        for position_id, left in o.allocations:
            pos = acct.positions.get(position_id)
            if pos is not None:
                pos.orderd_size -= left
                self._dirty_summaries[(acct.id, pos.symbol, pos.side)] = None
        o.allocations.clear()

    def _expire(self, o: SimOrder, cancel_type: str) -> None:
        o.status = OrderStatus.EXPIRED
        o.cancel_type = cancel_type
        self._deactivate(self._accounts[o.account_id], o)
        self._order_event(o, "COR")

    def _cancel(self, o: SimOrder, cancel_type: str) -> None:
        if o.status is OrderStatus.WAITING:
            self._remove_stop(o)
        else:
            self._books[o.symbol].side_of(o).remove(o)
            self._dirty_books[o.symbol] = None
            self._touched[o.symbol] = None
        o.status = OrderStatus.CANCELED
        o.cancel_type = cancel_type
        self._deactivate(self._accounts[o.account_id], o)
        self._order_event(o, "COR")

    # ------------------------------------------------------------------ stops and losscuts

    def _add_stop(self, o: SimOrder) -> None:
        buys, sells = self._stops[o.symbol]
        insort(buys if o.side is Side.BUY else sells, (o.price, o.seq, o.id))

    def _remove_stop(self, o: SimOrder) -> None:
        buys, sells = self._stops[o.symbol]
        keys = buys if o.side is Side.BUY else sells
        key = (o.price, o.seq, o.id)
        index = bisect_left(keys, key)
        if index < len(keys) and keys[index] == key:
            del keys[index]

    def _trigger_stops(self, symbol: str) -> None:
        last = self._tapes[symbol].last
        if last is None:
            return
        buys, sells = self._stops[symbol]
        hit: list[StopKey] = []
        while buys and buys[0][0] <= last:
            hit.append(buys.pop(0))
        while sells and sells[-1][0] >= last:
            hit.append(sells.pop())
        hit.sort(key=lambda key: key[1])
        for _price, _seq, order_id in hit:
            o = self._live.get(order_id)
            if o is None or o.status is not OrderStatus.WAITING:
                continue
            o.status = OrderStatus.ORDERED
            self._order_event(o, "NOR")
            self._match(o)

    def _check_losscuts(self, symbol: str) -> None:
        positions = self._positions_by_symbol.get(symbol)
        if not positions:
            return
        book = self._books[symbol]
        bid, ask = book.bids.best(), book.asks.best()
        # nothing to do unless the touch moved or a position changed since the last check
        if self._checked.get(symbol) == (bid, ask):
            return
        self._checked[symbol] = (bid, ask)
        cuts: list[tuple[SimPosition, str]] = []
        owners: dict[str, None] = {}
        for pos in positions.values():
            owners[pos.account_id] = None
            if pos.id in self._cut or pos.losscut_price <= 0:
                continue
            if pos.side is Side.BUY:
                hit = bid is not None and bid <= pos.losscut_price
            else:
                hit = ask is not None and ask >= pos.losscut_price
            if hit:
                cuts.append((pos, "POSITION_LOSSCUT"))
        for account_id in owners:
            acct = self._accounts[account_id]
            if self._margin_status(acct) is MarginCallStatus.LOSSCUT:
                cuts.extend(
                    (p, "ACCOUNT_LOSSCUT") for p in acct.positions.values() if p.id not in self._cut
                )
        for pos, cancel_type in cuts:
            # only when there is a market to close into: else wait for the next change
            exit_side = book.bids if pos.side is Side.BUY else book.asks
            if pos.id not in self._cut and pos.size > 0 and exit_side.best() is not None:
                self._losscut(pos, cancel_type)

    def _losscut(self, pos: SimPosition, cancel_type: str) -> None:
        self._cut.add(pos.id)
        acct = self._accounts[pos.account_id]
        for o in list(acct.active_in(pos.symbol).values()):
            if any(a[0] == pos.id for a in o.allocations):
                self._cancel(o, cancel_type)
        o = self._new_order(
            acct,
            pos.symbol,
            pos.side.opposite,
            ExecutionType.MARKET,
            SettleType.LOSS_CUT,
            OrderType.LOSSCUT,
            TimeInForce.FAK,
            ZERO,
            pos.size,
            ZERO,
        )
        self._allocate(o, [(pos, pos.size)])
        self._activate(o)

    # ------------------------------------------------------------------ events

    def _order_event(self, o: SimOrder, msg_type: str, *, cancel_type: str | None = None) -> None:
        if self._accounts[o.account_id].tracked:
            self._events.append(
                AccountEvent(o.account_id, order_event(o, msg_type, cancel_type=cancel_type))
            )

    def _position_event(self, pos: SimPosition, msg_type: str) -> None:
        self._events.append(
            AccountEvent(
                pos.account_id, position_event(pos, self._mark(pos), msg_type, pos.timestamp)
            )
        )

    def _finish(self) -> None:
        """End of an operation: triggered work, summaries, then deliver the events in order."""
        self._depth += 1
        try:
            for _ in range(MAX_PENDING_ROUNDS):
                if not self._traded and not self._touched:
                    break
                traded, self._traded = self._traded, {}
                touched, self._touched = self._touched, {}
                for symbol in traded:
                    self._trigger_stops(symbol)
                for symbol in touched:
                    self._check_losscuts(symbol)
            now = self._now()
            for account_id, symbol, side in self._dirty_summaries:
                acct = self._accounts[account_id]
                figures = self._summary(acct, symbol, side) or {
                    "average_position_rate": ZERO,
                    "position_loss_gain": ZERO,
                    "sum_order_quantity": ZERO,
                    "sum_position_quantity": ZERO,
                }
                self._events.append(
                    AccountEvent(
                        account_id,
                        models.PositionSummaryEvent(
                            symbol=symbol, side=side, timestamp=now, msg_type="UPDATE", **figures
                        ),
                    )
                )
            self._dirty_summaries = {}
            self._cut.clear()
        finally:
            self._depth -= 1
        events, self._events = self._events, []
        books, self._dirty_books = self._dirty_books, {}
        listeners = tuple(self._listeners)
        for event in events:
            for listener in listeners:
                listener(event)
        for symbol in books:
            changed = BookChanged(symbol)
            for listener in listeners:
                listener(changed)

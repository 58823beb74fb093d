"""The built-in exchange's matching engine and account model: pure, synchronous, deterministic.

The server parses requests and calls :class:`Engine`; the engine checks every trading rule,
raises :class:`SimError` with GMO's error code, matches with price-time priority, settles
balances and positions, and tells listeners about every print, book change and private event.

Rules this engine picks where the seed is silent (documented for the app and the tests):

* Time in force: MARKET takes FAK (default) or FOK; STOP takes FAK (default), FAS or FOK; LIMIT
  takes FAS (default), FAK, FOK or SOK; SOK on margin only for ``SOK_MARGIN_SYMBOLS``; anything
  else is ERR-5111. A STOP waits (WAITING) until the last trade price reaches it (BUY: last >=
  price, SELL: last <= price) and then acts as a LIMIT at its price with its time in force; on
  triggering it sends orderEvents NOR again with status ORDERED. A stop that would trigger at
  once is ERR-5129.
* Self-trade: an incoming order never trades with its own account's resting order; when it
  reaches one, the incoming order's remainder expires with cancelType EXPIRED_SELFTRADE and the
  resting order stays.
* Fees: JPY per fill, ``notional * rate`` truncated toward zero to whole yen; the taker rate is
  positive, a negative maker rate is a rebate (negative fee). Fees collected are in
  :attr:`Engine.fee_income`. Spot notionals and realised profit/loss are exact (not rounded).
* Margin: leverage 2; one position per execution of an opening order; used margin = sum(entry
  price * size / 2); equity (actualProfitLoss) = JPY + unrealised P/L (longs valued at the best
  bid, shorts at the best ask, else the last price); marginRatio = equity / used margin * 100;
  MARGIN_CALL below 100 % (new opening orders then get ERR-682), LOSSCUT below 50 % (every
  position of the account is closed at market with cancelType ACCOUNT_LOSSCUT for its close
  orders). availableAmount = JPY - held for spot buys - used margin - margin of resting opening
  orders + min(unrealised, 0). A position's default losscutPrice loses half its margin:
  entry * (1 -/+ 0.5 / leverage), rounded to the tick away from the market.
* Limits: 100 active orders per account and symbol (ERR-635); 20 changes per order (the 21st is
  ERR-5206); a LIMIT/STOP price more than 50 % away from the last price is ERR-5121; one
  transfer per 3 minutes of engine time (ERR-5003, the seed's usage-limit code; only accepted
  transfers count). Unlimited accounts (the market maker, a synthetic taker) skip funds and
  count limits and are house accounts: no order history, executions, positions or events.
* Losscut: a long position is closed at market (orderType LOSSCUT, settleType LOSS_CUT in
  orderEvents, resting close orders of it cancelled with POSITION_LOSSCUT) when the best bid
  reaches its losscutPrice, a short when the best ask does; checked after every operation that
  moves the touch or changes a position, and on :meth:`Engine.tick`.
* tradingVolume: jpyVolume over the last 7 days of engine time; tier 2 from 1e9 JPY; today's
  limits (maxOrderSize * 100 per JST day, reported, not enforced); margin symbols spelled
  ``BTC/JPY`` in its ``limit`` list as in the seed's example.
* cancelBefore (spot MARKET FAK SELL only, else ERR-5106): when the size exceeds the available
  coin, the account's active SELL orders of that symbol are cancelled oldest first until it
  fits; if it still does not fit the order is cut to the available size (ERR-208 when that is
  below the minimum). On closeOrder the same applies to the position's close orders.
* Events per operation are delivered after the operation finishes, in order; BookChanged once
  per changed symbol at the end. changeOrder of an SOK order to a price that would take is not
  applied: orderEvents ROR with status ORDERED and cancelType SOK_TAKER.

Layout: :mod:`~gmo_tui.sim.rules` (limits, checks, SimError), :mod:`~gmo_tui.sim.engine_ledger`
(money), :mod:`~gmo_tui.sim.engine_queries` (private GETs), :mod:`~gmo_tui.sim.engine_matching`
(order life cycle), :mod:`~gmo_tui.sim.book`, :mod:`~gmo_tui.sim.tape`, :mod:`~gmo_tui.sim.orders`,
:mod:`~gmo_tui.sim.accounts`, :mod:`~gmo_tui.sim.symbols`; this module holds the operations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any, Concatenate, ParamSpec, TypeVar

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import (
    ExecutionType,
    MarginCallStatus,
    OrderStatus,
    OrderType,
    SettleType,
    Side,
    TimeInForce,
    TransferType,
)
from gmo_tui.sim.accounts import Account, seed_history
from gmo_tui.sim.book import SymbolBook
from gmo_tui.sim.engine_events import AccountEvent, BookChanged, PublicTrade
from gmo_tui.sim.engine_matching import MatchingMixin, StopKey
from gmo_tui.sim.orders import SimOrder, SimPosition, clean
from gmo_tui.sim.rules import (
    EXECUTION_ID_START,
    FX_START,
    LEVERAGE,
    MARKET_MAKER,
    MAX_ACTIVE_ORDERS,
    MAX_CHANGES,
    ORDER_ID_START,
    POSITION_ID_START,
    PRICE_BAND,
    TRANSFER_INTERVAL,
    TRANSFER_LIMIT_CODE,
    ZERO,
    SimError,
    check_page,
    check_price,
    check_size,
    crosses,
    enum_value,
    finite_positive,
    resolve_tif,
)
from gmo_tui.sim.symbols import REFERENCE_PRICES, base_asset, is_margin
from gmo_tui.sim.tape import Tape

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["MARKET_MAKER", "AccountEvent", "BookChanged", "Engine", "PublicTrade", "SimError"]


def _operation(method: Callable[Concatenate[Engine, P], R]) -> Callable[Concatenate[Engine, P], R]:
    """Run ``method`` as one operation: follow-up work and event delivery happen at its end."""

    @functools.wraps(method)
    def wrapper(self: Engine, /, *args: P.args, **kwargs: P.kwargs) -> R:
        self._depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._finish()

    return wrapper


class Engine(MatchingMixin):
    """One exchange: books, accounts and the rules. See the module docstring for the choices."""

    def __init__(
        self, rules: Mapping[str, models.SymbolRule], *, now: Callable[[], datetime], seed: int = 42
    ) -> None:
        self._rules = dict(rules)
        self._now = now
        self._seed = seed
        self._books = {s: SymbolBook(s) for s in self._rules}
        self._tapes = {s: Tape() for s in self._rules}
        self._stops: dict[str, tuple[list[StopKey], list[StopKey]]] = {
            s: ([], []) for s in self._rules
        }
        self._accounts: dict[str, Account] = {}
        self._live: dict[int, SimOrder] = {}
        self._positions_by_symbol: dict[str, dict[int, SimPosition]] = {
            s: {} for s in self._rules if is_margin(s)
        }
        self._next_order_id = ORDER_ID_START
        self._next_execution_id = EXECUTION_ID_START
        self._next_position_id = POSITION_ID_START
        self._seq = 0
        self._listeners: list[Callable[[object], None]] = []
        self._events: list[object] = []
        self._dirty_books: dict[str, None] = {}
        self._dirty_summaries: dict[tuple[str, str, Side], None] = {}
        self._traded: dict[str, None] = {}
        self._touched: dict[str, None] = {}
        self._cut: set[int] = set()
        self._checked: dict[str, tuple[Decimal | None, Decimal | None]] = {}
        self._depth = 0
        self.fee_income = ZERO

    # ------------------------------------------------------------------ setup

    def add_listener(self, listener: Callable[[object], None]) -> None:
        self._listeners.append(listener)

    def open_account(
        self,
        account_id: str,
        *,
        jpy: Decimal,
        crypto: Mapping[str, Decimal] = {},  # noqa: B006 - read only
        unlimited: bool = False,
        fx_jpy: Decimal = FX_START,
        history: bool = False,
    ) -> None:
        """Open an account. ``fx_jpy`` is its FX account (for transfers). An ``unlimited``
        account (the market maker's, or a synthetic taker) skips funds and count limits and is
        a house account: it keeps no order history, executions or positions and gets no events.
        ``history=True`` seeds its deposit/withdrawal histories (see :meth:`seed_history`)."""
        if account_id in self._accounts:
            raise ValueError(f"account {account_id!r} already exists")
        acct = Account(
            id=account_id,
            unlimited=unlimited,
            tracked=not unlimited and account_id != MARKET_MAKER,
            fx_jpy=Decimal(fx_jpy),
        )
        acct.amounts["JPY"] = Decimal(jpy)
        for asset, amount in crypto.items():
            acct.amounts[asset] = Decimal(amount)
        self._accounts[account_id] = acct
        if history:
            self.seed_history(account_id)

    def seed_history(self, account_id: str, at: datetime | None = None) -> None:
        """Replace the account's four deposit/withdrawal histories with deterministic entries
        over the 14 days before ``at`` (default now); the newest of each kind lies within the
        last half hour before ``at``."""
        acct = self._account(account_id)
        acct.fiat_deposits.clear()
        acct.fiat_withdrawals.clear()
        acct.crypto_deposits.clear()
        acct.crypto_withdrawals.clear()
        seed_history(acct, now=at if at is not None else self._now(), seed=self._seed)

    def has_account(self, account_id: str) -> bool:
        return account_id in self._accounts

    @property
    def rules(self) -> Mapping[str, models.SymbolRule]:
        return self._rules

    # ------------------------------------------------------------------ market data

    def orderbook(self, symbol: str, depth: int | None = None) -> models.OrderBook:
        book = self._book(symbol)
        return models.OrderBook(
            symbol=symbol,
            asks=book.asks.snapshot(depth),
            bids=book.bids.snapshot(depth),
            timestamp=self._now(),
        )

    def ticker(self, symbol: str) -> models.Ticker:
        book = self._book(symbol)
        now = self._now()
        last = self.last_price(symbol)
        high, low, volume = self._tapes[symbol].stats(now)
        bid = book.bids.best()
        ask = book.asks.best()
        return models.Ticker(
            symbol=symbol,
            ask=ask if ask is not None else last,
            bid=bid if bid is not None else last,
            high=high if high is not None else last,
            last=last,
            low=low if low is not None else last,
            volume=clean(volume),
            timestamp=now,
        )

    def trades(self, symbol: str, page: int = 1, count: int = 100) -> models.TradesPage:
        self._book(symbol)
        check_page(page, count)
        items = self._tapes[symbol].page(page, count)
        return models.TradesPage(
            list=tuple(items), pagination=models.Pagination(current_page=page, count=count)
        )

    def last_price(self, symbol: str) -> Decimal:
        """Last trade price; before any trade the book mid, else the reference price."""
        last = self._tapes[symbol].last
        if last is not None:
            return last
        book = self._books[symbol]
        bid, ask = book.bids.best(), book.asks.best()
        if bid is not None and ask is not None:
            tick = self._rules[symbol].tick_size
            return ((bid + ask) / 2).quantize(tick, rounding=ROUND_HALF_UP)
        return REFERENCE_PRICES.get(symbol, ZERO)

    def best_bid(self, symbol: str) -> Decimal | None:
        return self._book(symbol).bids.best()

    def best_ask(self, symbol: str) -> Decimal | None:
        return self._book(symbol).asks.best()

    # ------------------------------------------------------------------ orders

    @_operation
    def place_order(
        self,
        account_id: str,
        *,
        symbol: str,
        side: Side | str,
        execution_type: ExecutionType | str,
        size: Decimal,
        price: Decimal | None = None,
        time_in_force: TimeInForce | str | None = None,
        losscut_price: Decimal | None = None,
        cancel_before: bool = False,
    ) -> int:
        acct = self._account(account_id)
        rule = self._rule(symbol)
        side = enum_value(Side, side)
        et = enum_value(ExecutionType, execution_type)
        margin = is_margin(symbol)
        tif = resolve_tif(symbol, et, time_in_force)
        check_size(rule, size)
        price = self._order_price(rule, et, price)
        if losscut_price is not None and losscut_price != 0:
            if not margin or et is ExecutionType.MARKET:
                raise SimError("ERR-5118")
            self._check_losscut_for(rule, side, price, losscut_price)
        else:
            losscut_price = ZERO
        if cancel_before and (
            margin
            or et is not ExecutionType.MARKET
            or tif is not TimeInForce.FAK
            or side is not Side.SELL
        ):
            raise SimError("ERR-5106")
        if et is ExecutionType.STOP:
            self._check_stop(symbol, side, price)
        if et is not ExecutionType.MARKET:
            self._check_band(symbol, price)
        self._check_active_count(acct, symbol)
        if not acct.unlimited:
            if margin:
                if self._margin_status(acct) is not MarginCallStatus.NORMAL:
                    raise SimError("ERR-682")
                estimate = (
                    price * size if price else self._estimate_cost(symbol, side, size, account_id)
                )
                if estimate / LEVERAGE > self._available_jpy(acct):
                    raise SimError("ERR-201")
            elif side is Side.BUY:
                cost = (
                    price * size if price else self._estimate_cost(symbol, side, size, account_id)
                )
                if cost * (1 + max(rule.taker_fee, ZERO)) > self._available_jpy(acct):
                    raise SimError("ERR-208")
            else:
                coin = base_asset(symbol)
                if size > acct.amount(coin) - acct.held(coin):
                    if not cancel_before:
                        raise SimError("ERR-208")
                    size = self._free_coin(acct, symbol, rule, size)
        o = self._new_order(
            acct,
            symbol,
            side,
            et,
            SettleType.OPEN,
            OrderType.NORMAL,
            tif,
            price,
            size,
            losscut_price,
        )
        self._activate(o)
        return o.id

    @_operation
    def close_order(
        self,
        account_id: str,
        *,
        symbol: str,
        side: Side | str,
        execution_type: ExecutionType | str,
        position_id: int,
        size: Decimal,
        price: Decimal | None = None,
        time_in_force: TimeInForce | str | None = None,
        cancel_before: bool = False,
    ) -> int:
        acct = self._account(account_id)
        rule = self._margin_rule(symbol)
        side = enum_value(Side, side)
        et = enum_value(ExecutionType, execution_type)
        tif = resolve_tif(symbol, et, time_in_force)
        check_size(rule, size)
        price = self._order_price(rule, et, price)
        if cancel_before and (
            et is not ExecutionType.MARKET or tif is not TimeInForce.FAK or side is not Side.SELL
        ):
            raise SimError("ERR-5106")
        pos = acct.positions.get(position_id)
        if pos is None or pos.symbol != symbol:
            raise SimError("ERR-254")
        if side is pos.side:
            raise SimError("ERR-70")
        if et is ExecutionType.STOP:
            self._check_stop(symbol, side, price)
        if et is not ExecutionType.MARKET:
            self._check_band(symbol, price)
        self._check_active_count(acct, symbol)
        if size > pos.closable and cancel_before:
            for o in list(acct.active_in(symbol).values()):
                if size <= pos.closable:
                    break
                # never an order that closes several positions (the seed's rule)
                if len(o.allocations) == 1 and o.allocations[0][0] == pos.id:
                    self._cancel(o, "USER")
        if size > pos.closable:
            raise SimError("ERR-189")
        o = self._new_order(
            acct, symbol, side, et, SettleType.CLOSE, OrderType.NORMAL, tif, price, size, ZERO
        )
        self._allocate(o, [(pos, size)])
        self._activate(o)
        return o.id

    @_operation
    def close_bulk_order(
        self,
        account_id: str,
        *,
        symbol: str,
        side: Side | str,
        execution_type: ExecutionType | str,
        size: Decimal,
        price: Decimal | None = None,
        time_in_force: TimeInForce | str | None = None,
    ) -> int:
        acct = self._account(account_id)
        rule = self._margin_rule(symbol)
        side = enum_value(Side, side)
        et = enum_value(ExecutionType, execution_type)
        tif = resolve_tif(symbol, et, time_in_force)
        check_size(rule, size)
        price = self._order_price(rule, et, price)
        targets = [
            p for p in acct.positions.values() if p.symbol == symbol and p.side is side.opposite
        ]
        if not targets:
            raise SimError("ERR-422")
        if et is ExecutionType.STOP:
            self._check_stop(symbol, side, price)
        if et is not ExecutionType.MARKET:
            self._check_band(symbol, price)
        self._check_active_count(acct, symbol)
        if size > sum((p.closable for p in targets), ZERO):
            raise SimError("ERR-189")
        plan: list[tuple[SimPosition, Decimal]] = []
        left = size
        for p in targets:
            take = min(left, p.closable)
            if take > 0:
                plan.append((p, take))
                left -= take
            if left == 0:
                break
        o = self._new_order(
            acct, symbol, side, et, SettleType.CLOSE, OrderType.NORMAL, tif, price, size, ZERO
        )
        self._allocate(o, plan)
        self._activate(o)
        return o.id

    @_operation
    def change_order(
        self,
        account_id: str,
        *,
        order_id: int,
        price: Decimal,
        losscut_price: Decimal | None = None,
    ) -> None:
        acct = self._account(account_id)
        o = self._find_order(acct, order_id)
        if not o.is_active or o.execution_type is ExecutionType.MARKET:
            raise SimError("ERR-5122")
        rule = self._rules[o.symbol]
        check_price(rule, price)
        if losscut_price is not None and losscut_price != 0:
            if not (o.is_margin and o.settle_type is SettleType.OPEN):
                raise SimError("ERR-5118")
            self._check_losscut_for(rule, o.side, price, losscut_price)
        elif o.losscut_price and o.is_margin:
            self._check_losscut_for(rule, o.side, price, o.losscut_price)
        if o.changes >= MAX_CHANGES:
            raise SimError("ERR-5206")
        waiting = o.status is OrderStatus.WAITING
        if waiting:
            self._check_stop(o.symbol, o.side, price)
        else:
            self._check_band(o.symbol, price)
        if not acct.unlimited and o.reserve_asset in ("JPY", "MARGIN"):
            needed = self._reserve_for(o, price) - o.reserved
            if needed > self._available_jpy(acct):
                raise SimError("ERR-208" if o.reserve_asset == "JPY" else "ERR-201")
        o.changes += 1
        book = self._books[o.symbol]
        if (
            not waiting
            and o.tif is TimeInForce.SOK
            and crosses(o.side, book.opposite_of(o).best(), price)
        ):
            self._order_event(o, "ROR", cancel_type="SOK_TAKER")
            return
        if waiting:
            self._remove_stop(o)
        else:
            book.side_of(o).remove(o)
            self._dirty_books[o.symbol] = None
        o.price = price
        if losscut_price is not None and losscut_price != 0:
            o.losscut_price = losscut_price
        self._seq += 1
        o.seq = self._seq
        self._update_reserve(acct, o)
        self._order_event(o, "ROR")
        if waiting:
            self._add_stop(o)
        else:
            self._match(o)

    @_operation
    def cancel_order(self, account_id: str, order_id: int) -> None:
        acct = self._account(account_id)
        o = self._find_order(acct, order_id)
        if not o.is_active or o.order_type is OrderType.LOSSCUT:
            raise SimError("ERR-5122")
        self._cancel(o, "USER")

    @_operation
    def cancel_orders(self, account_id: str, order_ids: Sequence[int]) -> models.CancelOrdersResult:
        self._account(account_id)
        success: list[int] = []
        failed: list[models.CancelFailure] = []
        for order_id in order_ids:
            try:
                self.cancel_order(account_id, order_id)
            except SimError as exc:
                failed.append(
                    models.CancelFailure(
                        message_code=exc.code, message_string=exc.message, orderId=order_id
                    )
                )
            else:
                success.append(order_id)
        return models.CancelOrdersResult(success=tuple(success), failed=tuple(failed))

    @_operation
    def cancel_bulk_order(
        self,
        account_id: str,
        *,
        symbols: Sequence[str],
        side: Side | str | None = None,
        settle_type: SettleType | str | None = None,
        desc: bool = False,
    ) -> list[int]:
        acct = self._account(account_id)
        if not symbols:
            raise SimError("ERR-5106")
        for symbol in symbols:
            self._rule(symbol)
        side = enum_value(Side, side) if side is not None else None
        settle = enum_value(SettleType, settle_type) if settle_type is not None else None
        if settle is SettleType.LOSS_CUT:
            raise SimError("ERR-5106")
        chosen: list[SimOrder] = []
        for symbol in dict.fromkeys(symbols):
            for o in acct.active_in(symbol).values():
                if o.order_type is OrderType.LOSSCUT:
                    continue
                if side is not None and o.side is not side:
                    continue
                if settle is not None and o.settle_type is not settle:
                    continue
                chosen.append(o)
        chosen.sort(key=lambda o: o.id, reverse=desc)
        for o in chosen:
            self._cancel(o, "USER")
        return [o.id for o in chosen]

    @_operation
    def change_losscut_price(
        self, account_id: str, *, position_id: int, losscut_price: Decimal
    ) -> None:
        acct = self._account(account_id)
        pos = acct.positions.get(position_id)
        if pos is None:
            raise SimError("ERR-254")
        rule = self._rules[pos.symbol]
        check_price(rule, losscut_price)
        mark = self._mark(pos)
        if (pos.side is Side.BUY and losscut_price >= mark) or (
            pos.side is Side.SELL and losscut_price <= mark
        ):
            raise SimError("ERR-5106")
        pos.losscut_price = losscut_price
        self._checked.pop(pos.symbol, None)
        self._position_event(pos, "ULR")

    # ------------------------------------------------------------------ transfers and histories

    @_operation
    def transfer(
        self, account_id: str, *, amount: Decimal, transfer_type: TransferType | str
    ) -> models.Transfer:
        """WITHDRAWAL moves JPY to the FX account, DEPOSIT brings it back."""
        acct = self._account(account_id)
        kind = enum_value(TransferType, transfer_type)
        if not finite_positive(amount) or amount != amount.to_integral_value():
            raise SimError("ERR-5106")
        now = self._now()
        if acct.last_transfer_at is not None and now - acct.last_transfer_at < TRANSFER_INTERVAL:
            raise SimError(TRANSFER_LIMIT_CODE)
        if kind is TransferType.WITHDRAWAL:
            if amount > self._transferable(acct):
                raise SimError("ERR-754")
            acct.add("JPY", -amount)
            acct.fx_jpy += amount
        else:
            if amount > acct.fx_jpy:
                raise SimError("ERR-754")
            acct.fx_jpy -= amount
            acct.add("JPY", amount)
        acct.last_transfer_at = now
        return models.Transfer(transferred_amount=amount)

    # ------------------------------------------------------------------ time and test hooks

    @_operation
    def restore_position(self, account_id: str, position: models.Position) -> int:
        """Open ``position`` again in ``account_id`` as it was (a persisted paper account);
        returns its new id. Nothing is traded or settled."""
        acct = self._account(account_id)
        rule = self._margin_rule(position.symbol)
        check_size(rule, position.size)
        check_price(rule, position.price)
        pos = SimPosition(
            id=self._next_position_id,
            account_id=acct.id,
            symbol=position.symbol,
            side=position.side,
            size=position.size,
            price=position.price,
            leverage=LEVERAGE,
            losscut_price=position.losscut_price,
            timestamp=position.timestamp,
        )
        self._next_position_id += 1
        acct.positions[pos.id] = pos
        self._positions_by_symbol[pos.symbol][pos.id] = pos
        self._touched[pos.symbol] = None
        return pos.id

    @_operation
    def external_print(self, symbol: str, trade: models.Trade) -> None:
        """A print of a market outside the engine (a replay, a live feed): it sets the last
        price and the tape, and triggers stops and losscuts; nothing is settled or published."""
        self._book(symbol)
        self._tapes[symbol].add(trade)
        self._traded[symbol] = None
        self._touched[symbol] = None

    @_operation
    def tick(self) -> None:
        """Time-driven work at ``now()``: stop triggers, position and account losscuts."""
        self._checked.clear()
        for symbol, (buys, sells) in self._stops.items():
            if buys or sells:
                self._traded[symbol] = None
        for symbol, positions in self._positions_by_symbol.items():
            if positions:
                self._touched[symbol] = None

    @_operation
    def fill_order(self, account_id: str, order_id: int, size: Decimal | None = None) -> None:
        """Fill a resting order at its price against the market maker (a test control)."""
        acct = self._account(account_id)
        o = self._find_order(acct, order_id)
        if o.status is not OrderStatus.ORDERED:
            raise SimError("ERR-5122")
        qty = o.remaining if size is None else size
        if not finite_positive(qty) or qty > o.remaining:
            raise SimError("ERR-5106")
        mm = self._accounts.get(MARKET_MAKER)
        if mm is None:
            self.open_account(MARKET_MAKER, jpy=ZERO, unlimited=True)
            mm = self._accounts[MARKET_MAKER]
        taker = self._new_order(
            mm,
            o.symbol,
            o.side.opposite,
            ExecutionType.MARKET,
            SettleType.OPEN,
            OrderType.NORMAL,
            TimeInForce.FAK,
            ZERO,
            qty,
            ZERO,
        )
        side = self._books[o.symbol].side_of(o)
        while taker.remaining > 0 and o.remaining > 0:
            step = taker.remaining
            if o.allocations:
                step = min(step, o.allocations[0][1])
            self._trade(taker, o, o.price, step, side)
        if taker.is_active:
            self._expire(taker, "EXPIRED_FAK")

    # ------------------------------------------------------------------ checks

    def _account(self, account_id: str) -> Account:
        acct = self._accounts.get(account_id)
        if acct is None:
            raise SimError("ERR-5012")
        return acct

    def _rule(self, symbol: str) -> models.SymbolRule:
        rule = self._rules.get(symbol) if isinstance(symbol, str) else None
        if rule is None:
            raise SimError("ERR-5106")
        return rule

    def _margin_rule(self, symbol: str) -> models.SymbolRule:
        rule = self._rule(symbol)
        if not is_margin(symbol):
            raise SimError("ERR-5106")
        return rule

    def _asset_symbol(self, symbol: str) -> None:
        if symbol not in self._rules or is_margin(symbol):
            raise SimError("ERR-5106")

    def _book(self, symbol: str) -> SymbolBook:
        book = self._books.get(symbol) if isinstance(symbol, str) else None
        if book is None:
            raise SimError("ERR-5106")
        return book

    def _order_price(self, rule: models.SymbolRule, et: ExecutionType, price: Any) -> Decimal:
        if et is ExecutionType.MARKET:
            return ZERO
        check_price(rule, price)
        return price

    def _check_losscut_for(
        self, rule: models.SymbolRule, side: Side, price: Decimal, losscut: Decimal
    ) -> None:
        check_price(rule, losscut)
        if (side is Side.BUY and losscut >= price) or (side is Side.SELL and losscut <= price):
            raise SimError("ERR-5106")

    def _check_stop(self, symbol: str, side: Side, price: Decimal) -> None:
        last = self.last_price(symbol)
        if (side is Side.BUY and price <= last) or (side is Side.SELL and price >= last):
            raise SimError("ERR-5129")

    def _check_band(self, symbol: str, price: Decimal) -> None:
        ref = self.last_price(symbol)
        if ref > 0 and abs(price - ref) > ref * PRICE_BAND:
            raise SimError("ERR-5121")

    def _check_active_count(self, acct: Account, symbol: str) -> None:
        if not acct.unlimited and len(acct.active_in(symbol)) >= MAX_ACTIVE_ORDERS:
            raise SimError("ERR-635")

    def _find_order(self, acct: Account, order_id: int) -> SimOrder:
        o = acct.orders.get(order_id) if acct.tracked else self._live.get(order_id)
        if o is None or o.account_id != acct.id:
            raise SimError("ERR-5123")
        return o

    def _estimate_cost(self, symbol: str, side: Side, size: Decimal, account_id: str) -> Decimal:
        """What taking ``size`` at market would cost now (the unfilled rest at the last price)."""
        book = self._books[symbol]
        opposite = book.asks if side is Side.BUY else book.bids
        left, cost = size, ZERO
        for price in opposite.iter_prices():
            for o in opposite.levels[price].values():
                if o.account_id == account_id:
                    return cost
                take = min(left, o.remaining)
                cost += take * price
                left -= take
                if left == 0:
                    return cost
        return cost + left * self.last_price(symbol)

    def _liquidity(self, o: SimOrder, limit: Decimal | None) -> Decimal:
        """Size ``o`` could take now before its limit or its own resting order."""
        opposite = self._books[o.symbol].opposite_of(o)
        total = ZERO
        for price in opposite.iter_prices():
            if not crosses(o.side, price, limit):
                break
            for other in opposite.levels[price].values():
                if other.account_id == o.account_id:
                    return total
                total += other.remaining
                if total >= o.remaining:
                    return total
        return total

    def _free_coin(
        self, acct: Account, symbol: str, rule: models.SymbolRule, size: Decimal
    ) -> Decimal:
        """cancelBefore: cancel the oldest SELL orders until ``size`` fits; else cut it."""
        coin = base_asset(symbol)
        for o in list(acct.active_in(symbol).values()):
            if size <= acct.amount(coin) - acct.held(coin):
                return size
            if o.side is Side.SELL:
                self._cancel(o, "USER")
        free = acct.amount(coin) - acct.held(coin)
        if size <= free:
            return size
        cut = (free / rule.size_step).to_integral_value(rounding=ROUND_FLOOR) * rule.size_step
        if cut < rule.min_order_size:
            raise SimError("ERR-208")
        return cut

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
  transfer per 3 minutes of engine time (ERR-5003, the seed's usage-limit code); the market
  maker account (unlimited) skips funds and count limits.
* cancelBefore (spot MARKET FAK SELL only, else ERR-5106): when the size exceeds the available
  coin, the account's active SELL orders of that symbol are cancelled oldest first until it
  fits; if it still does not fit the order is cut to the available size (ERR-208 when that is
  below the minimum). On closeOrder the same applies to the position's close orders.
* Events per operation are delivered after the operation finishes, in order; BookChanged once
  per changed symbol at the end. changeOrder of an SOK order to a price that would take is not
  applied: orderEvents ROR with status ORDERED and cancelType SOK_TAKER.
"""

from __future__ import annotations

import functools
from bisect import bisect_left, insort
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

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
from gmo_tui.exchange.errors import ERROR_MESSAGES
from gmo_tui.sim.accounts import Account, seed_history
from gmo_tui.sim.book import BookSide, SymbolBook
from gmo_tui.sim.orders import (
    SimOrder,
    SimPosition,
    clean,
    order_event,
    order_model,
    position_event,
    position_model,
    whole_yen,
)
from gmo_tui.sim.symbols import REFERENCE_PRICES, SOK_MARGIN_SYMBOLS, base_asset, is_margin
from gmo_tui.sim.tape import Tape

MARKET_MAKER = "__mm__"

ZERO = Decimal(0)
ONE = Decimal(1)
LEVERAGE = Decimal(2)
MAX_ACTIVE_ORDERS = 100
MAX_CHANGES = 20
PRICE_BAND = Decimal("0.5")
LOSSCUT_SHARE = Decimal("0.5")  # a default losscut loses this share of the position's margin
MARGIN_CALL_RATIO = Decimal(100)
LOSSCUT_RATIO = Decimal(50)
TRANSFER_INTERVAL = timedelta(minutes=3)
TRANSFER_LIMIT_CODE = "ERR-5003"
VOLUME_WINDOW = timedelta(days=7)
TIER2_VOLUME = Decimal(1_000_000_000)
DAILY_LIMIT_FACTOR = Decimal(100)  # today's limit per symbol = maxOrderSize * this
JST = timedelta(hours=9)
FX_START = Decimal(1_000_000)
ORDER_ID_START = 2_000_000_001
EXECUTION_ID_START = 700_000_001
POSITION_ID_START = 100_000_001
_MAX_PENDING_ROUNDS = 1000

_ALLOWED_TIF = {
    ExecutionType.MARKET: frozenset({TimeInForce.FAK, TimeInForce.FOK}),
    ExecutionType.STOP: frozenset({TimeInForce.FAK, TimeInForce.FAS, TimeInForce.FOK}),
    ExecutionType.LIMIT: frozenset(TimeInForce),
}
_DEFAULT_TIF = {
    ExecutionType.MARKET: TimeInForce.FAK,
    ExecutionType.STOP: TimeInForce.FAK,
    ExecutionType.LIMIT: TimeInForce.FAS,
}


class SimError(Exception):
    """A refused request: ``code`` is GMO's error code, ``message`` its text."""

    def __init__(self, code: str, message: str | None = None) -> None:
        self.code = code
        self.message = message if message is not None else ERROR_MESSAGES.get(code, code)
        super().__init__(f"{code}: {self.message}")


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """A print (side = the taker's side). ``trade.symbol`` is None: add it for the WS frame."""

    symbol: str
    trade: models.Trade


@dataclass(frozen=True, slots=True)
class BookChanged:
    symbol: str


@dataclass(frozen=True, slots=True)
class AccountEvent:
    account_id: str
    event: (
        models.ExecutionEvent
        | models.OrderEvent
        | models.PositionEvent
        | models.PositionSummaryEvent
    )


def _operation(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` as one operation: follow-up work and event delivery happen at its end."""

    @functools.wraps(method)
    def wrapper(self: Engine, *args: Any, **kwargs: Any) -> Any:
        self._depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._finish()

    return wrapper


def _enum(kind: type, value: Any, code: str = "ERR-5106") -> Any:
    try:
        return kind(value)
    except ValueError:
        raise SimError(code) from None


def _fee(notional: Decimal, rate: Decimal) -> Decimal:
    return (notional * rate).quantize(ONE, rounding=ROUND_DOWN)


def _crosses(side: Side, best: Decimal | None, limit: Decimal | None) -> bool:
    if best is None:
        return False
    if limit is None:
        return True
    return best <= limit if side is Side.BUY else best >= limit


def _page_args(page: int, count: int) -> None:
    if not isinstance(page, int) or not isinstance(count, int) or page < 1 or not 1 <= count <= 100:
        raise SimError("ERR-5106")


def _finite_positive(value: Any) -> bool:
    return isinstance(value, Decimal) and value.is_finite() and value > 0


class Engine:
    """One exchange: books, accounts and the rules. See the module docstring for the choices."""

    def __init__(
        self, rules: Mapping[str, models.SymbolRule], *, now: Callable[[], datetime], seed: int = 42
    ) -> None:
        self._rules = dict(rules)
        self._now = now
        self._seed = seed
        self._books = {s: SymbolBook(s) for s in self._rules}
        self._tapes = {s: Tape() for s in self._rules}
        self._stops: dict[str, tuple[list, list]] = {s: ([], []) for s in self._rules}
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
        history: bool | None = None,
    ) -> None:
        """Open an account. ``fx_jpy`` is its FX account (for transfers); ``history`` seeds the
        deposit/withdrawal histories (default: for every account but the market maker's)."""
        if account_id in self._accounts:
            raise ValueError(f"account {account_id!r} already exists")
        acct = Account(
            id=account_id,
            unlimited=unlimited,
            tracked=account_id != MARKET_MAKER,
            fx_jpy=Decimal(fx_jpy),
        )
        acct.amounts["JPY"] = Decimal(jpy)
        for asset, amount in crypto.items():
            acct.amounts[asset] = Decimal(amount)
        self._accounts[account_id] = acct
        if history if history is not None else acct.tracked and not unlimited:
            seed_history(acct, now=self._now(), seed=self._seed)

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
            volume=volume,
            timestamp=now,
        )

    def trades(self, symbol: str, page: int = 1, count: int = 100) -> models.TradesPage:
        self._book(symbol)
        _page_args(page, count)
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
        side = _enum(Side, side)
        et = _enum(ExecutionType, execution_type)
        margin = is_margin(symbol)
        tif = self._tif(symbol, et, time_in_force)
        self._check_size(rule, size)
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
        side = _enum(Side, side)
        et = _enum(ExecutionType, execution_type)
        tif = self._tif(symbol, et, time_in_force)
        self._check_size(rule, size)
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
                if any(a[0] == pos.id for a in o.allocations):
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
        side = _enum(Side, side)
        et = _enum(ExecutionType, execution_type)
        tif = self._tif(symbol, et, time_in_force)
        self._check_size(rule, size)
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
        self._check_price(rule, price)
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
            and _crosses(o.side, book.opposite_of(o).best(), price)
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
        side = _enum(Side, side) if side is not None else None
        settle = _enum(SettleType, settle_type) if settle_type is not None else None
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
        self._check_price(rule, losscut_price)
        mark = self._mark(pos)
        if (pos.side is Side.BUY and losscut_price >= mark) or (
            pos.side is Side.SELL and losscut_price <= mark
        ):
            raise SimError("ERR-5106")
        pos.losscut_price = losscut_price
        self._position_event(pos, "ULR")

    # ------------------------------------------------------------------ queries

    def orders(self, account_id: str, order_ids: Sequence[int]) -> list[models.Order]:
        acct = self._account(account_id)
        out = []
        for order_id in order_ids:
            o = acct.orders.get(order_id) or self._live.get(order_id)
            if o is not None and o.account_id == account_id:
                out.append(order_model(o))
        return out

    def active_orders(
        self, account_id: str, symbol: str, page: int = 1, count: int = 100
    ) -> models.OrdersList:
        acct = self._account(account_id)
        self._rule(symbol)
        _page_args(page, count)
        items = list(acct.active_in(symbol).values())[::-1]
        chosen = items[(page - 1) * count : page * count]
        if not chosen:
            return models.OrdersList()
        return models.OrdersList(
            list=tuple(order_model(o) for o in chosen),
            pagination=models.Pagination(current_page=page, count=count),
        )

    def executions(
        self,
        account_id: str,
        *,
        order_id: int | None = None,
        execution_ids: Sequence[int] | None = None,
    ) -> list[models.Execution]:
        acct = self._account(account_id)
        if order_id is not None and execution_ids:
            raise SimError("ERR-5208")
        if order_id is not None:
            return list(reversed(acct.executions_by_order.get(order_id, [])))
        if execution_ids:
            return [acct.executions[e] for e in execution_ids if e in acct.executions]
        raise SimError("ERR-5106")

    def latest_executions(
        self, account_id: str, symbol: str, page: int = 1, count: int = 100
    ) -> models.ExecutionsList:
        acct = self._account(account_id)
        self._rule(symbol)
        _page_args(page, count)
        items = acct.executions_by_symbol.get(symbol, [])
        n = len(items)
        start, end = (page - 1) * count, min(page * count, n)
        chosen = [items[n - 1 - i] for i in range(start, end)]
        if not chosen:
            return models.ExecutionsList()
        return models.ExecutionsList(
            list=tuple(chosen), pagination=models.Pagination(current_page=page, count=count)
        )

    def open_positions(
        self, account_id: str, symbol: str, page: int = 1, count: int = 100
    ) -> models.PositionsList:
        acct = self._account(account_id)
        self._margin_rule(symbol)
        _page_args(page, count)
        items = [p for p in acct.positions.values() if p.symbol == symbol]
        chosen = items[(page - 1) * count : page * count]
        if not chosen:
            return models.PositionsList()
        return models.PositionsList(
            list=tuple(position_model(p, self._mark(p)) for p in chosen),
            pagination=models.Pagination(current_page=page, count=count),
        )

    def position_summary(
        self, account_id: str, symbol: str | None = None
    ) -> list[models.PositionSummary]:
        acct = self._account(account_id)
        if symbol is not None:
            self._margin_rule(symbol)
            symbols = [symbol]
        else:
            symbols = list(dict.fromkeys(p.symbol for p in acct.positions.values()))
        out = []
        for s in symbols:
            for side in (Side.BUY, Side.SELL):
                figures = self._summary(acct, s, side)
                if figures is not None:
                    out.append(models.PositionSummary(symbol=s, side=side, **figures))
        return out

    def margin(self, account_id: str) -> models.Margin:
        acct = self._account(account_id)
        unrealised = self._unrealised(acct)
        used = self._used_margin(acct)
        equity = acct.amount("JPY") + unrealised
        available = max(self._available_jpy(acct), ZERO).quantize(ONE, rounding=ROUND_DOWN)
        ratio = (equity / used * 100).quantize(Decimal("0.1"), ROUND_DOWN) if used else ZERO
        return models.Margin(
            actual_profit_loss=whole_yen(equity),
            available_amount=available,
            margin=used.quantize(ONE, rounding=ROUND_CEILING),
            margin_call_status=self._margin_status(acct),
            margin_ratio=ratio,
            profit_loss=whole_yen(unrealised),
            transferable_amount=self._transferable(acct),
        )

    def assets(self, account_id: str) -> list[models.Asset]:
        acct = self._account(account_id)
        jpy = acct.amount("JPY")
        jpy_free = min(max(self._available_jpy(acct), ZERO), max(jpy, ZERO))
        out = [
            models.Asset(
                symbol="JPY", amount=clean(jpy), available=clean(jpy_free), conversion_rate=ONE
            )
        ]
        coins = [s for s in self._rules if not is_margin(s)]
        for asset in acct.amounts:
            if asset != "JPY" and asset not in coins:
                coins.append(asset)
        for coin in coins:
            amount = acct.amount(coin)
            rate = self.last_price(coin) if coin in self._rules else ZERO
            out.append(
                models.Asset(
                    symbol=coin,
                    amount=clean(amount),
                    available=clean(amount - acct.held(coin)),
                    conversion_rate=rate,
                )
            )
        return out

    def trading_volume(self, account_id: str) -> models.TradingVolume:
        acct = self._account(account_id)
        now = self._now()
        self._evict_volume(acct, now)
        day = (now + JST).date().isoformat()
        limits = []
        for symbol, rule in self._rules.items():
            cap = rule.max_order_size * DAILY_LIMIT_FACTOR
            if is_margin(symbol):
                used = acct.daily.get((day, symbol, "OPEN"), ZERO)
                limits.append(
                    models.VolumeLimit(
                        symbol=symbol.replace("_", "/"),
                        taker_fee=rule.taker_fee,
                        maker_fee=rule.maker_fee,
                        today_limit_open_size=max(cap - used, ZERO),
                    )
                )
            else:
                bought = acct.daily.get((day, symbol, "BUY"), ZERO)
                sold = acct.daily.get((day, symbol, "SELL"), ZERO)
                limits.append(
                    models.VolumeLimit(
                        symbol=symbol,
                        taker_fee=rule.taker_fee,
                        maker_fee=rule.maker_fee,
                        today_limit_buy_size=max(cap - bought, ZERO),
                        today_limit_sell_size=max(cap - sold, ZERO),
                    )
                )
        volume = whole_yen(acct.volume_sum)
        return models.TradingVolume(
            jpy_volume=volume,
            tier_level=2 if acct.volume_sum >= TIER2_VOLUME else 1,
            limit=tuple(limits),
        )

    # ------------------------------------------------------------------ transfers and histories

    @_operation
    def transfer(
        self, account_id: str, *, amount: Decimal, transfer_type: TransferType | str
    ) -> models.Transfer:
        """WITHDRAWAL moves JPY to the FX account, DEPOSIT brings it back."""
        acct = self._account(account_id)
        kind = _enum(TransferType, transfer_type)
        if not _finite_positive(amount) or amount != amount.to_integral_value():
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

    def fx_balance(self, account_id: str) -> Decimal:
        return self._account(account_id).fx_jpy

    def fiat_deposit_history(
        self, account_id: str, start: datetime, end: datetime
    ) -> list[models.FiatTransfer]:
        return [t for t in self._account(account_id).fiat_deposits if start <= t.timestamp <= end]

    def fiat_withdrawal_history(
        self, account_id: str, start: datetime, end: datetime
    ) -> list[models.FiatTransfer]:
        return [
            t for t in self._account(account_id).fiat_withdrawals if start <= t.timestamp <= end
        ]

    def deposit_history(
        self, account_id: str, symbol: str, start: datetime, end: datetime
    ) -> list[models.CryptoTransfer]:
        acct = self._account(account_id)
        self._asset_symbol(symbol)
        return [
            t for t in acct.crypto_deposits if t.symbol == symbol and start <= t.timestamp <= end
        ]

    def withdrawal_history(
        self, account_id: str, symbol: str, start: datetime, end: datetime
    ) -> list[models.CryptoTransfer]:
        acct = self._account(account_id)
        self._asset_symbol(symbol)
        return [
            t for t in acct.crypto_withdrawals if t.symbol == symbol and start <= t.timestamp <= end
        ]

    # ------------------------------------------------------------------ time and test hooks

    @_operation
    def tick(self) -> None:
        """Time-driven work at ``now()``: stop triggers, position and account losscuts."""
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
        if not _finite_positive(qty) or qty > o.remaining:
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

    def _tif(self, symbol: str, et: ExecutionType, value: Any) -> TimeInForce:
        if value is None:
            return _DEFAULT_TIF[et]
        tif = _enum(TimeInForce, value, "ERR-5111")
        if tif not in _ALLOWED_TIF[et]:
            raise SimError("ERR-5111")
        if tif is TimeInForce.SOK and is_margin(symbol) and symbol not in SOK_MARGIN_SYMBOLS:
            raise SimError("ERR-5111")
        return tif

    @staticmethod
    def _check_size(rule: models.SymbolRule, size: Any) -> None:
        if not _finite_positive(size):
            raise SimError("ERR-5106")
        if size % rule.size_step != 0:
            raise SimError("ERR-5114")
        if size < rule.min_order_size or size > rule.max_order_size:
            raise SimError("ERR-5126")

    @staticmethod
    def _check_price(rule: models.SymbolRule, price: Any) -> None:
        if not _finite_positive(price):
            raise SimError("ERR-5106")
        if price % rule.tick_size != 0:
            raise SimError("ERR-5114")

    def _order_price(self, rule: models.SymbolRule, et: ExecutionType, price: Any) -> Decimal:
        if et is ExecutionType.MARKET:
            return ZERO
        self._check_price(rule, price)
        return price

    def _check_losscut_for(
        self, rule: models.SymbolRule, side: Side, price: Decimal, losscut: Decimal
    ) -> None:
        self._check_price(rule, losscut)
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
            if not _crosses(o.side, price, limit):
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

    # ------------------------------------------------------------------ money

    def _mark(self, pos: SimPosition) -> Decimal:
        book = self._books[pos.symbol]
        best = book.bids.best() if pos.side is Side.BUY else book.asks.best()
        return best if best is not None else self.last_price(pos.symbol)

    def _unrealised(self, acct: Account) -> Decimal:
        return sum((p.pnl(self._mark(p)) for p in acct.positions.values()), ZERO)

    @staticmethod
    def _used_margin(acct: Account) -> Decimal:
        return sum((p.price * p.size / p.leverage for p in acct.positions.values()), ZERO)

    def _available_jpy(self, acct: Account) -> Decimal:
        return (
            acct.amount("JPY")
            - acct.held("JPY")
            - self._used_margin(acct)
            - acct.order_margin
            + min(self._unrealised(acct), ZERO)
        )

    def _transferable(self, acct: Account) -> Decimal:
        free = min(self._available_jpy(acct), acct.amount("JPY") - acct.held("JPY"))
        return max(free, ZERO).quantize(ONE, rounding=ROUND_DOWN)

    def _margin_status(self, acct: Account) -> MarginCallStatus:
        if not acct.positions:
            return MarginCallStatus.NORMAL
        used = self._used_margin(acct)
        if used <= 0:
            return MarginCallStatus.NORMAL
        ratio = (acct.amount("JPY") + self._unrealised(acct)) / used * 100
        if ratio < LOSSCUT_RATIO:
            return MarginCallStatus.LOSSCUT
        if ratio < MARGIN_CALL_RATIO:
            return MarginCallStatus.MARGIN_CALL
        return MarginCallStatus.NORMAL

    def _reserve_for(self, o: SimOrder, price: Decimal) -> Decimal:
        if o.reserve_asset == "JPY":
            rule = self._rules[o.symbol]
            return price * o.remaining * (1 + max(rule.taker_fee, ZERO))
        if o.reserve_asset == "MARGIN":
            return price * o.remaining / LEVERAGE
        if o.reserve_asset is not None:
            return o.remaining
        return ZERO

    def _update_reserve(self, acct: Account, o: SimOrder) -> None:
        asset = o.reserve_asset
        if asset is None:
            return
        new = self._reserve_for(o, o.price) if o.is_active else ZERO
        delta = new - o.reserved
        if not delta:
            return
        o.reserved = new
        if asset == "MARGIN":
            acct.order_margin += delta
        else:
            acct.hold(asset, delta)

    def _default_losscut(self, symbol: str, side: Side, price: Decimal) -> Decimal:
        tick = self._rules[symbol].tick_size
        share = LOSSCUT_SHARE / LEVERAGE
        if side is Side.BUY:
            raw = price * (1 - share)
            return (raw / tick).to_integral_value(rounding=ROUND_FLOOR) * tick
        raw = price * (1 + share)
        return (raw / tick).to_integral_value(rounding=ROUND_CEILING) * tick

    def _summary(self, acct: Account, symbol: str, side: Side) -> dict[str, Decimal] | None:
        ps = [p for p in acct.positions.values() if p.symbol == symbol and p.side is side]
        if not ps:
            return None
        size = sum((p.size for p in ps), ZERO)
        tick = self._rules[symbol].tick_size
        average = (sum((p.price * p.size for p in ps), ZERO) / size).quantize(
            tick, rounding=ROUND_HALF_UP
        )
        return {
            "average_position_rate": average,
            "position_loss_gain": whole_yen(sum((p.pnl(self._mark(p)) for p in ps), ZERO)),
            "sum_order_quantity": clean(sum((p.orderd_size for p in ps), ZERO)),
            "sum_position_quantity": clean(size),
        }

    def _evict_volume(self, acct: Account, now: datetime) -> None:
        cutoff = now - VOLUME_WINDOW
        while acct.volume and acct.volume[0][0] <= cutoff:
            acct.volume_sum -= acct.volume.popleft()[1]

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
            if _crosses(o.side, opposite.best(), limit):
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
            if not _crosses(o.side, best, limit):
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
        fee = _fee(notional, rule.taker_fee if is_taker else rule.maker_fee)
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
        hit: list[tuple[Decimal, int, int]] = []
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
            for _ in range(_MAX_PENDING_ROUNDS):
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

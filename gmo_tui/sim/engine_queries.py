"""Read-only account queries of the engine: orders, executions, positions, balances, histories.

A mixin of :class:`gmo_tui.sim.engine.Engine`. Paged lists (activeOrders, latestExecutions,
openPositions) are newest first except positions (oldest first, the FIFO close order);
``pagination.count`` echoes the requested page size; an empty page is the model with no list
and no pagination, which encodes as GMO's ``{}``. History windows are inclusive at both ends
and newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import (
    Side,
)
from gmo_tui.sim.accounts import Account
from gmo_tui.sim.engine_ledger import LedgerMixin
from gmo_tui.sim.orders import (
    SimOrder,
    clean,
    order_model,
    position_model,
    whole_yen,
)
from gmo_tui.sim.rules import (
    DAILY_LIMIT_FACTOR,
    JST,
    ONE,
    TIER2_VOLUME,
    ZERO,
    SimError,
    check_page,
)
from gmo_tui.sim.symbols import is_margin


class QueriesMixin(LedgerMixin):
    """What the private GET endpoints return."""

    _live: dict[int, SimOrder]
    _now: Callable[[], datetime]

    def _account(self, account_id: str) -> Account:
        raise NotImplementedError

    def _rule(self, symbol: str) -> models.SymbolRule:
        raise NotImplementedError

    def _margin_rule(self, symbol: str) -> models.SymbolRule:
        raise NotImplementedError

    def _asset_symbol(self, symbol: str) -> None:
        raise NotImplementedError

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
        check_page(page, count)
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
        check_page(page, count)
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
        check_page(page, count)
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

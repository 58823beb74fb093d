"""Money of the engine: marks, margin, availability, reservations and position summaries.

A mixin of :class:`gmo_tui.sim.engine.Engine`; it reads the engine's books and accounts.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import (
    MarginCallStatus,
    Side,
)
from gmo_tui.sim.accounts import Account
from gmo_tui.sim.book import SymbolBook
from gmo_tui.sim.orders import (
    SimOrder,
    SimPosition,
    clean,
    whole_yen,
)
from gmo_tui.sim.rules import (
    LEVERAGE,
    LOSSCUT_RATIO,
    LOSSCUT_SHARE,
    MARGIN_CALL_RATIO,
    ONE,
    VOLUME_WINDOW,
    ZERO,
)
from gmo_tui.sim.tape import Tape


class LedgerMixin:
    """Valuation and holding rules shared by the engine's operations and queries."""

    _rules: dict[str, models.SymbolRule]
    _books: dict[str, SymbolBook]
    _tapes: dict[str, Tape]
    _accounts: dict[str, Account]

    def last_price(self, symbol: str) -> Decimal:
        raise NotImplementedError

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

"""A replay's klines: candles from the recorded prints only.

:class:`RecordedKlines` is the exchange's :class:`~gmo_tui.sim.klines.KlineHistory` without the
synthetic history: candles start at the first recorded print of a symbol (earlier spans are left
out, not invented) and end at the replay's position; they are built from the recorded prints by
their recorded times, with the same intervals, dates and validation as the exchange's klines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.sim.clock import SimClock
from gmo_tui.sim.engine_events import PublicTrade
from gmo_tui.sim.klines import KlineHistory


class RecordedKlines(KlineHistory):
    def __init__(self, *, seed: int, clock: SimClock, position_ms: Callable[[], int]) -> None:
        super().__init__(seed=seed, clock=clock)
        self.start_s = 0.0  # everything is "live": no synthetic history before the recording
        self._position_ms = position_ms  # the replay's recorded time now

    def add(self, symbol: str, trade: models.Trade) -> None:
        self.start_price.setdefault(
            symbol, trade.price
        )  # the first candle opens at the first print
        self.on_engine_event(PublicTrade(symbol, trade))

    def klines(self, symbol: Any, interval: Any, day: Any) -> list[models.Kline]:
        candles = super().klines(symbol, interval, day)  # validates as the exchange does
        buckets = self.buckets.get(symbol)
        if not buckets:
            return []
        first = min(buckets)
        closes = dict(self._opens(symbol, KlineInterval(interval), day))
        now = self._position_ms()
        return [c for c in candles if closes[int(c.open_time)] > first and int(c.open_time) <= now]

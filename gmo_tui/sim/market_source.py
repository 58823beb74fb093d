"""What the built-in exchange needs from a market, and what a replayed market provides.

* :class:`MarketSource`: the thing that makes the market move (the synthetic market of
  :mod:`~gmo_tui.sim.market`, or a replay/live feed of :mod:`~gmo_tui.sim.replay`); chosen with
  ``SimState(market=...)``.
* :class:`PublicView`: what public REST (ticker, orderbooks, trades) answers from; the engine by
  default, the replayed state in a replay (``SimState.public``).
* :class:`FrameSource`: where the hub's public frames come from when the engine does not make
  them (``Hub.frames``): the latest frame of a channel/symbol for a new subscriber.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from gmo_tui.exchange import models

if TYPE_CHECKING:
    from gmo_tui.sim.market import MarketRates


class MarketSource(Protocol):
    rates: MarketRates

    def build(self) -> None: ...

    async def run(self) -> None: ...

    def activate(self, symbol: str) -> None: ...

    def set_rates(self, rates: MarketRates) -> None: ...

    def on_engine_event(self, event: object) -> None: ...


class PublicView(Protocol):
    @property
    def rules(self) -> Mapping[str, models.SymbolRule]: ...

    def ticker(self, symbol: str) -> models.Ticker: ...

    def orderbook(self, symbol: str, depth: int | None = None) -> models.OrderBook: ...

    def trades(self, symbol: str, page: int = 1, count: int = 100) -> models.TradesPage: ...


class FrameSource(Protocol):
    def latest(self, channel: str, symbol: str) -> bytes | None: ...

"""A market fed from outside the engine: :class:`FeedMarket`, shared by a replay
(:mod:`~gmo_tui.sim.replay`) and paper trading on a live feed (:mod:`~gmo_tui.sim.live_feed`).

Each public frame is published to the hub's subscribers exactly as it came, applied to the
:class:`~gmo_tui.sim.replay_view.FeedView` (public REST) and to the
:class:`~gmo_tui.sim.replay_fills.PaperMatcher` (paper fills, the engine's mirrored book), and
its prints to the klines when the market keeps its own (a replay's). It takes the hub's public
channels (``hub.frames``) and public REST (``state.public``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gmo_tui.exchange import models
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.replay_fills import PaperMatcher
from gmo_tui.sim.replay_klines import RecordedKlines
from gmo_tui.sim.replay_view import FeedView, Frame, decode_frame

if TYPE_CHECKING:
    from gmo_tui.sim.state import SimState


class FeedMarket:
    """Public frames from outside the engine (see the module docstring)."""

    def __init__(self, state: SimState, rates: MarketRates, symbols: Sequence[str]) -> None:
        unknown = [s for s in symbols if s not in state.engine.rules]
        if unknown:
            raise ValueError(f"the built-in exchange does not list {', '.join(unknown)}")
        self.state = state
        self.rates = rates
        self.symbols = list(symbols)
        self.view = FeedView(state.engine.rules, self.symbols)
        self.matcher = PaperMatcher(state.engine, self.view)
        self.frames_out = 0
        self.bad_frames = 0
        state.public = self.view
        state.hub.frames = self.view
        self.klines: RecordedKlines | None = None

    def apply(self, raw: bytes, *, publish: bool = True, mirror: bool = True) -> Frame | None:
        frame = decode_frame(raw)
        if frame is None:
            self.bad_frames += 1
            return None
        if frame.symbol not in self.symbols:
            return frame
        if publish:
            self.state.hub.publish_frame(frame.channel, frame.symbol, raw)
            self.frames_out += 1
        self.view.apply(frame)
        match frame.event:
            case models.TradeEvent() as event:
                trade = models.Trade(
                    price=event.price, side=event.side, size=event.size, timestamp=event.timestamp
                )
                self.matcher.on_trade(frame.symbol, trade)
                if self.klines is not None:
                    self.klines.add(frame.symbol, trade)
            case models.OrderBookEvent() as book if mirror:
                self.matcher.on_book(frame.symbol, book)
        return frame

    def mirror_all(self) -> None:
        for symbol in self.symbols:
            book = self.view.book(symbol)
            if book is not None:
                self.matcher.on_book(symbol, book)

    # ------------------------------------------------------------------ MarketSource

    def build(self) -> None:
        pass

    async def run(self) -> None:
        await asyncio.Event().wait()

    def activate(self, symbol: str) -> None:
        pass

    def set_rates(self, rates: MarketRates) -> None:
        self.rates = rates  # a feed's rates are the feed's own

    def on_engine_event(self, event: object) -> None:
        self.matcher.on_engine_event(event)

"""The replayed public market: what a replay (or a live feed) has shown so far.

:class:`FeedView` keeps, per symbol, the latest ``ticker`` and ``orderbooks`` frames (raw, for new
subscribers, and decoded, for public REST) and the recorded prints (for ``/public/v1/trades``).
It is the exchange's :class:`~gmo_tui.sim.market_source.PublicView` and the hub's
:class:`~gmo_tui.sim.market_source.FrameSource` during a replay. A symbol the feed has not shown
yet answers ERR-5106 rather than a made-up price; ``rules`` (what the all-symbols ticker lists)
holds the recorded symbols that have had a ticker frame.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import Side
from gmo_tui.sim.rules import SimError, check_page
from gmo_tui.sim.tape import Tape

_decoder = msgspec.json.Decoder(models.PublicEvent)
TICKER = "ticker"
ORDERBOOKS = "orderbooks"
TRADES = "trades"


@dataclass(frozen=True, slots=True)
class Frame:
    """One public frame: its channel and symbol, its raw bytes and what they say."""

    channel: str
    symbol: str
    raw: bytes
    event: models.TickerEvent | models.OrderBookEvent | models.TradeEvent


def decode_frame(raw: bytes) -> Frame | None:
    """``raw`` as a :class:`Frame`, or None when it is not a public market frame."""
    try:
        event = _decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    match event:
        case models.TickerEvent():
            return Frame(TICKER, event.symbol, raw, event)
        case models.OrderBookEvent():
            return Frame(ORDERBOOKS, event.symbol, raw, event)
        case models.TradeEvent():
            if event.symbol is None:
                return None
            return Frame(TRADES, event.symbol, raw, event)
    return None


class FeedView:
    """Latest frames and recorded prints per symbol (see the module docstring)."""

    def __init__(self, rules: Mapping[str, models.SymbolRule], symbols: list[str]) -> None:
        self._rules = {s: rules[s] for s in symbols if s in rules}
        self._latest: dict[tuple[str, str], bytes] = {}
        self._tickers: dict[str, models.TickerEvent] = {}
        self._books: dict[str, models.OrderBookEvent] = {}
        self._tapes = {s: Tape() for s in self._rules}

    @property
    def rules(self) -> Mapping[str, models.SymbolRule]:
        return {s: rule for s, rule in self._rules.items() if s in self._tickers}

    def apply(self, frame: Frame) -> None:
        if frame.symbol not in self._rules:
            return
        if frame.channel != TRADES:
            self._latest[(frame.channel, frame.symbol)] = frame.raw
        match frame.event:
            case models.TickerEvent() as ticker:
                self._tickers[frame.symbol] = ticker
            case models.OrderBookEvent() as book:
                self._books[frame.symbol] = book
            case models.TradeEvent() as trade:
                self._tapes[frame.symbol].add(
                    models.Trade(
                        price=trade.price,
                        side=trade.side,
                        size=trade.size,
                        timestamp=trade.timestamp,
                    )
                )

    # ------------------------------------------------------------------ FrameSource

    def latest(self, channel: str, symbol: str) -> bytes | None:
        return self._latest.get((channel, symbol))

    # ------------------------------------------------------------------ reads

    def book(self, symbol: str) -> models.OrderBookEvent | None:
        return self._books.get(symbol)

    def level_size(self, symbol: str, side: Side, price: Decimal) -> Decimal:
        """The recorded size at ``price`` on the bid (BUY) or ask (SELL) side, 0 if none."""
        book = self._books.get(symbol)
        if book is None:
            return Decimal(0)
        levels = book.bids if side is Side.BUY else book.asks
        for level in levels:
            if level.price == price:
                return level.size
        return Decimal(0)

    # ------------------------------------------------------------------ PublicView

    def _known(self, symbol: str) -> None:
        if symbol not in self._rules:
            raise SimError("ERR-5106")

    def ticker(self, symbol: str) -> models.Ticker:
        self._known(symbol)
        ticker = self._tickers.get(symbol)
        if ticker is None:
            raise SimError("ERR-5106")
        return models.Ticker(**msgspec.structs.asdict(ticker))

    def orderbook(self, symbol: str, depth: int | None = None) -> models.OrderBook:
        self._known(symbol)
        book = self._books.get(symbol)
        if book is None:
            return models.OrderBook(symbol=symbol)
        asks = book.asks if depth is None else book.asks[:depth]
        bids = book.bids if depth is None else book.bids[:depth]
        return models.OrderBook(symbol=symbol, asks=asks, bids=bids, timestamp=book.timestamp)

    def trades(self, symbol: str, page: int = 1, count: int = 100) -> models.TradesPage:
        self._known(symbol)
        check_page(page, count)
        items = self._tapes[symbol].page(page, count)
        return models.TradesPage(
            list=tuple(items), pagination=models.Pagination(current_page=page, count=count)
        )

"""The public WebSocket stream (``/ws/public/v1``): ticker, orderbooks and trades.

Frames decode straight into :data:`gmo_tui.exchange.models.PublicEvent` (tagged by
``channel``). Each ``orderbooks`` frame is a full snapshot: the consumer replaces its book.

Staleness defaults (override with ``stale_after_by_channel``): ``ticker`` and ``orderbooks``
are STALE after ``stale_after`` seconds of silence; ``trades`` after ``6 * stale_after``
(a quiet symbol can go a while without a trade).
"""

from __future__ import annotations

from typing import Any

import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import PublicChannel
from gmo_tui.exchange.stream_base import StreamBase, Subscription, ws_url

PUBLIC_PATH = "/ws/public/v1"
TRADES_STALE_FACTOR = 6.0

_CHANNEL_OF: dict[type, str] = {
    models.TickerEvent: PublicChannel.TICKER.value,
    models.OrderBookEvent: PublicChannel.ORDERBOOKS.value,
    models.TradeEvent: PublicChannel.TRADES.value,
}
_public_decoder = msgspec.json.Decoder(models.PublicEvent)


class PublicStream(StreamBase):
    """Market data for any number of ``(channel, symbol)`` subscriptions on one socket."""

    name = "public"
    _live_on_first_frame = True
    _decoder = _public_decoder

    def __init__(self, endpoint: str = "https://api.coin.z.com", **options: Any) -> None:
        super().__init__(endpoint, **options)
        self.url = ws_url(endpoint, PUBLIC_PATH)

    async def subscribe(
        self, channel: PublicChannel | str, symbol: str, option: str | None = None
    ) -> None:
        """Remember the subscription and send it (paced) now, or after the next connect.

        Subscribing the same ``(channel, symbol)`` again replaces the option and re-sends.
        """
        channel = PublicChannel(channel).value
        await self._subscribe(channel, symbol, option)

    async def unsubscribe(self, channel: PublicChannel | str, symbol: str) -> None:
        await self._unsubscribe(PublicChannel(channel).value, symbol)

    def _default_stale_limit(self, sub: Subscription) -> float | None:
        if sub.channel == PublicChannel.TRADES:
            return self.stale_after * TRADES_STALE_FACTOR
        return self.stale_after

    async def _url(self) -> str:
        return self.url

    def _event_key(self, event: Any) -> tuple[str, str | None]:
        return (_CHANNEL_OF[type(event)], event.symbol)

    def __repr__(self) -> str:
        return f"PublicStream({self.url!r}, state={self.state}, subscriptions={len(self._subs)})"

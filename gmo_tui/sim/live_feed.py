"""Paper trading on the live market: the built-in exchange fed by a real exchange's public side.

:class:`LiveFeedMarket` is a :class:`~gmo_tui.sim.feed_market.FeedMarket` whose frames come from an
upstream GMO-compatible exchange (the real one for ``gmo-tui --paper``; a running built-in
exchange in the tests):

* a symbol's ``ticker``, ``orderbooks`` and ``trades`` are subscribed upstream when a client of
  this exchange first subscribes to that symbol, and every upstream frame is forwarded as it is
  to this exchange's subscribers and applied to the paper engine (mirrored book, fills on
  prints, as in a replay);
* public REST (``/public/v1/*``) is forwarded to the upstream exchange and answered as it
  answers, so tickers, books, trades, klines, symbols and status are the live ones;
* private REST and the private WebSocket are this exchange's own: the paper account.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gmo_tui.exchange.enums import PublicChannel
from gmo_tui.exchange.public_stream import PublicStream
from gmo_tui.sim.feed_market import FeedMarket
from gmo_tui.sim.market import MarketRates

if TYPE_CHECKING:
    from gmo_tui.sim.state import SimState

log = logging.getLogger(__name__)
CHANNELS = (PublicChannel.TICKER, PublicChannel.ORDERBOOKS, PublicChannel.TRADES)
PUBLIC_PATHS = ("status", "ticker", "orderbooks", "trades", "klines", "symbols")


class _UpstreamStream(PublicStream):
    """The app's own public stream (reconnects, pacing), handing every raw frame to the feed."""

    def __init__(self, endpoint: str, on_frame: Callable[[bytes], None], **options: Any):
        super().__init__(endpoint, **options)
        self._on_frame = on_frame

    def decode_frame(self, raw: bytes | str) -> Any | None:
        self._on_frame(raw if isinstance(raw, bytes) else raw.encode())
        return super().decode_frame(raw)


class LiveFeedMarket(FeedMarket):
    def __init__(
        self, state: SimState, rates: MarketRates, upstream: str, **stream_options: Any
    ) -> None:
        super().__init__(state, rates, list(state.engine.rules))
        self.upstream = upstream.rstrip("/")
        self.stream = _UpstreamStream(upstream, self._on_frame, **stream_options)
        self.subscribed: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._http: httpx.AsyncClient | None = None
        state.extra_routes.extend(
            Route(f"/public/v1/{name}", self._forward, methods=["GET"]) for name in PUBLIC_PATHS
        )

    def _on_frame(self, raw: bytes) -> None:
        try:
            self.apply(raw)
        except Exception:  # one odd frame must not stop the feed
            log.exception("paper feed: a frame could not be applied")

    def activate(self, symbol: str) -> None:
        if symbol in self.subscribed:
            return
        self.subscribed.add(symbol)
        task = asyncio.get_running_loop().create_task(self._subscribe(symbol))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _subscribe(self, symbol: str) -> None:
        for channel in CHANNELS:
            await self.stream.subscribe(channel, symbol)

    async def run(self) -> None:
        try:
            async for _ in self.stream:
                pass  # statuses and decoded events: the frames went to the feed already
        finally:
            await self.stream.close()
            if self._http is not None:
                await self._http.aclose()

    async def _forward(self, request: Request) -> Response:
        if self._http is None:
            self._http = httpx.AsyncClient(base_url=self.upstream, timeout=10)
        try:
            reply = await self._http.get(request.url.path, params=request.query_params)
        except httpx.HTTPError as exc:
            log.warning("paper feed: upstream %s failed: %s", request.url.path, exc)
            return Response(status_code=502)
        return Response(
            reply.content,
            status_code=reply.status_code,
            media_type=reply.headers.get("content-type", "application/json"),
        )


def live_feed_market(
    upstream: str, **stream_options: Any
) -> Callable[[SimState, MarketRates], LiveFeedMarket]:
    """The ``market=`` factory of a :class:`~gmo_tui.sim.runner.SimServer` for paper trading."""

    def factory(state: SimState, rates: MarketRates) -> LiveFeedMarket:
        return LiveFeedMarket(state, rates, upstream, **stream_options)

    return factory

"""The WebSocket streams of the protocol layer, in one import.

* :class:`PublicStream` (:mod:`~gmo_tui.exchange.public_stream`): ticker, orderbooks, trades.
* :class:`PrivateStream` (:mod:`~gmo_tui.exchange.private_stream`): executionEvents,
  orderEvents, positionEvents, positionSummaryEvents, with the token kept by
  :class:`TokenManager` (:mod:`~gmo_tui.exchange.tokens`).
* What they yield and the shared machinery: :mod:`~gmo_tui.exchange.stream_base`.

Use::

    stream = PublicStream(endpoint)
    await stream.subscribe(PublicChannel.ORDERBOOKS, "BTC")
    async for item in stream:            # one worker iterates; this runs the connection loop
        match item:
            case Received(event=event): ...       # models.PublicEvent
            case StreamStatus(): ...              # CONNECTING/LIVE/STALE/RECONNECTING/DOWN
            case BadFrame() | ServerError(): ...  # counted, never raised
    await stream.close()                  # from anywhere; the iteration ends after DOWN
"""

from __future__ import annotations

from gmo_tui.exchange.private_stream import PrivateStream
from gmo_tui.exchange.public_stream import PublicStream
from gmo_tui.exchange.stream_base import (
    Backoff,
    BadFrame,
    CommandPacer,
    Received,
    ServerError,
    StreamItem,
    StreamState,
    StreamStatus,
    Subscription,
    ws_url,
)
from gmo_tui.exchange.tokens import TokenManager

__all__ = [
    "Backoff",
    "BadFrame",
    "CommandPacer",
    "PrivateStream",
    "PublicStream",
    "Received",
    "ServerError",
    "StreamItem",
    "StreamState",
    "StreamStatus",
    "Subscription",
    "TokenManager",
    "ws_url",
]

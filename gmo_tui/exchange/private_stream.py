"""The private WebSocket stream (``/ws/private/v1/{token}``): executions, orders, positions.

Frames decode straight into :data:`gmo_tui.exchange.models.PrivateEvent` (tagged by
``channel``; ``msgType`` is kept on each event). The token comes from a
:class:`~gmo_tui.exchange.tokens.TokenManager`: it is extended while connected, replaced (and
the socket reconnected with the new URL) when an extension fails, checked after every drop
(an extension proves it alive, else a new one is created) and deleted by :meth:`close`.

Staleness: ``executionEvents``, ``orderEvents`` and ``positionEvents`` are naturally quiet and
are never flagged STALE on silence; ``positionSummaryEvents`` subscribed with option
``PERIODIC`` is STALE after ``stale_after`` seconds of silence while the account holds margin
positions. GMO's frames on that channel are per position summary (a symbol and side: INIT on
subscribe, UPDATE on a change, PERIODIC every 5 s), so an account without positions gets none:
with ``holds_positions`` (the account's positions as the app knows them from the exchange)
that silence is not STALE. Override with ``stale_after_by_channel``.

The socket turns LIVE only once every subscription has been sent, so a REST back-fill started
on that LIVE covers the gap since the drop. After a reconnect, run such a back-fill on every
socket-level LIVE (``status.channel is None``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import msgspec
from websockets.exceptions import InvalidStatus

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import PrivateChannel
from gmo_tui.exchange.errors import AuthenticationError
from gmo_tui.exchange.stream_base import StreamBase, Subscription, ws_url
from gmo_tui.exchange.tokens import RedactingFilter, TokenManager, WsTokenApi

_CHANNEL_OF: dict[type, str] = {
    models.ExecutionEvent: PrivateChannel.EXECUTION_EVENTS.value,
    models.OrderEvent: PrivateChannel.ORDER_EVENTS.value,
    models.PositionEvent: PrivateChannel.POSITION_EVENTS.value,
    models.PositionSummaryEvent: PrivateChannel.POSITION_SUMMARY_EVENTS.value,
}
_private_decoder = msgspec.json.Decoder(models.PrivateEvent)
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
PERIODIC = "PERIODIC"


class PrivateStream(StreamBase):
    """The account's event feed over one authenticated socket."""

    name = "private"
    _live_on_first_frame = False
    _decoder = _private_decoder

    def __init__(
        self,
        rest: WsTokenApi,
        endpoint: str = "https://api.coin.z.com",
        *,
        stale_after: float = 12.0,
        extend_every: float = 30 * 60,
        token_check_interval: float = 30.0,
        tokens: TokenManager | None = None,
        holds_positions: Callable[[], bool] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(endpoint, stale_after=stale_after, **options)
        self.holds_positions = holds_positions
        """Whether the account holds margin positions (None: unknown, summaries expected)."""
        self.ws_base = ws_url(endpoint, "")
        self.tokens = tokens or TokenManager(rest, extend_every=extend_every, clock=self._clock)
        self.token_check_interval = token_check_interval
        self._check_token = False
        self._renew_token = False
        self._logger = logging.Logger(f"{__name__}.websockets")
        self._logger.parent = logging.getLogger(f"{__name__}.websockets")
        self._logger.addFilter(RedactingFilter(self.tokens))

    # ------------------------------------------------------------------ public API

    @property
    def redacted_url(self) -> str:
        return self.ws_base + "/ws/private/v1/<token>"

    async def subscribe(self, channel: PrivateChannel | str, option: str | None = None) -> None:
        """Remember the subscription and send it (paced) now, or after the next connect.

        Subscribing the same channel again replaces the option and re-sends.
        """
        await self._subscribe(PrivateChannel(channel).value, None, option)

    async def unsubscribe(self, channel: PrivateChannel | str) -> None:
        await self._unsubscribe(PrivateChannel(channel).value, None)

    # ------------------------------------------------------------------ hooks

    def _default_stale_limit(self, sub: Subscription) -> float | None:
        if sub.channel == PrivateChannel.POSITION_SUMMARY_EVENTS and sub.option == PERIODIC:
            return self.stale_after
        return None

    def _silence_expected(self, sub: Subscription) -> bool:
        """No position, no summary: positionSummaryEvents' frames are per position summary."""
        return (
            sub.channel == PrivateChannel.POSITION_SUMMARY_EVENTS
            and self.holds_positions is not None
            and not self.holds_positions()
        )

    async def _url(self) -> str:
        if self._renew_token:
            await self.tokens.renew()
        elif self._check_token and self.tokens.has_token:
            await self.tokens.ensure_valid()
        self._check_token = self._renew_token = False
        await self.tokens.get()
        return self.tokens.url(self.ws_base)

    def _redact(self, text: str) -> str:
        return self.tokens.redact(text)

    def _fatal(self, exc: BaseException) -> bool:
        """The exchange rejected the API key (no token can be had until it is fixed)."""
        return isinstance(exc, AuthenticationError) and exc.key_rejected

    def _event_key(self, event: Any) -> tuple[str, str | None]:
        return (_CHANNEL_OF[type(event)], None)

    def _bad_reason(self, exc: Exception) -> str:
        """The decoder's complaint without any quoted value from the (private) frame."""
        text = _QUOTED.sub("'…'", str(exc))
        return text.split(": ", 1)[0] if "not a finite number" in text else text

    async def _connection_tasks(self, ws: Any) -> list[asyncio.Task[Any]]:
        return [asyncio.create_task(self._keep_token())]

    async def _keep_token(self) -> None:
        """Extend the token when due; if that fails, take a new one and reconnect with it."""
        while True:
            wait = min(self.token_check_interval, self.tokens.seconds_until_due())
            await self._sleep(max(wait, 0.01))
            if not self.tokens.due():
                continue
            if await self.tokens.extend():
                continue
            await self.tokens.get()  # a failure here drops the connection; the loop retries
            self.request_reconnect("token renewed after a failed extension")
            return

    async def _after_drop(self, deliberate: bool) -> None:
        """Check the token before the next connect; replace it if the handshake refused it."""
        if deliberate:  # we just renewed the token ourselves
            return
        exc = self._last_exception
        self._check_token = True
        if isinstance(exc, InvalidStatus) and 400 <= exc.response.status_code < 500:
            self._renew_token = True

    async def _after_close(self) -> None:
        await self.tokens.delete()

    def _ws_logger(self) -> logging.Logger:
        return self._logger

    def __repr__(self) -> str:
        return f"PrivateStream({self.redacted_url!r}, state={self.state}, subscriptions={len(self._subs)})"

"""How one REST request travels: rate slot, signing, sending, envelope, clock, retries.

Rules (PROTOCOL.md and the issue):

* The rate slot is taken *before* the timestamp is made, so waiting in line never stales it.
* Private requests are signed over ``timestamp + METHOD + /v1/path + body`` (body for POST only)
  and the exact signed bytes are the bytes sent (``content=``, ``application/json``).
* Success is ``status == 0`` whatever the HTTP code; anything else becomes
  :func:`errors.api_error` carrying every message.
* Every reply's ``responsetime`` feeds :class:`ServerClock`. On ERR-5008/5009 the clock is
  re-synced from ``/public/v1/status`` and the request is re-signed and re-sent exactly once;
  this is the only automatic re-send of a POST/PUT/DELETE.
* GETs are retried on network errors and on non-JSON 5xx pages (3 tries, 0.2 s then 0.4 s, with
  jitter). A POST/PUT/DELETE that may have reached the server raises :class:`ReplyLost` and is
  never re-sent; only a failure to connect (nothing sent) is a plain :class:`TransportError`.
* Secrets never reach messages: headers are built inline (no local holds them), httpx's own
  exceptions are not chained (``from None``), and the WebSocket token is redacted from bodies.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import msgspec

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.clock import ServerClock
from gmo_tui.exchange.codec import decode, decode_raw
from gmo_tui.exchange.endpoints import Endpoints
from gmo_tui.exchange.errors import (
    ApiError,
    AuthenticationError,
    ErrorMessage,
    GmoError,
    ProtocolError,
    ReplyLost,
    TransportError,
    api_error,
)
from gmo_tui.exchange.models import Envelope
from gmo_tui.exchange.ratelimit import RateLimiter, budget_for
from gmo_tui.exchange.tls import context_for

TIMESTAMP_CODES = frozenset({"ERR-5008", "ERR-5009"})
STATUS_PATH = "/v1/status"
INITIAL_SYNC_INTERVAL = 5.0
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_SNIPPET = 120

_json = msgspec.json.Encoder()
T = TypeVar("T")


class ReplyUnreadable(ReplyLost, ProtocolError):
    """A POST/PUT/DELETE reached the server but its reply cannot be read: outcome unknown.

    Both a :class:`ReplyLost` (resolve it from the exchange's state, never re-send) and a
    :class:`ProtocolError` (the reply broke the documented shape).
    """


class Payload:
    """A request body: the exact bytes sent (and signed, for POST). ``repr`` hides secrets."""

    __slots__ = ("data", "secret")

    def __init__(self, data: bytes, *, secret: bool = False) -> None:
        self.data = data
        self.secret = secret

    @classmethod
    def json(cls, obj: Mapping[str, Any], *, secret: bool = False) -> Payload:
        return cls(_json.encode(obj), secret=secret)

    @property
    def shown(self) -> bytes:
        """What may appear in errors: the body, or a placeholder if it carries a secret."""
        return b"<redacted>" if self.secret else self.data

    def __repr__(self) -> str:
        return f"Payload({len(self.data)} bytes)" if self.secret else f"Payload({self.data!r})"


@dataclass(slots=True)
class _Stamp:
    ms: int


@dataclass(slots=True)
class _Reply:
    http_status: int
    content: bytes
    envelope: Envelope | None
    bad_envelope: str  # why the body is not an envelope ("" if it is)


def _decode_data(raw: msgspec.Raw, type_: type[T], where: str) -> T:
    """The envelope's ``data`` as ``type_``; a missing ``data`` is named as such."""
    if bytes(raw) == b"null" and type_ is not type(None):
        raise ProtocolError(f"{where}: reply has no `data`")
    return decode_raw(raw, type_, what=f"{where} data")


def _is_timestamp_error(error: ApiError) -> bool:
    return any(code in TIMESTAMP_CODES for code in error.all_codes)


def _snippet(content: bytes) -> str:
    text = content[:_SNIPPET].decode("utf-8", "replace").replace("\n", " ").strip()
    return text + ("..." if len(content) > _SNIPPET else "")


def _http_reason(code: int) -> str:
    phrase = httpx.codes.get_reason_phrase(code)
    return f"HTTP {code} {phrase}" if phrase else f"HTTP {code}"


class RestTransport:
    """Sends requests for :class:`GmoRestClient`; owns the httpx client."""

    get_retry_delays: tuple[float, ...] = (0.2, 0.4)

    def __init__(
        self,
        endpoints: Endpoints,
        credentials: Credentials | None,
        limiter: RateLimiter,
        clock: ServerClock,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials
        self.limiter = limiter
        self.clock = clock
        self._http = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            verify=context_for(endpoints.base),
            follow_redirects=False,
            headers={"User-Agent": "gmo-tui", "Accept": "application/json"},
        )
        self._resync_lock = asyncio.Lock()
        self._sync_generation = 0
        self._last_initial_sync: float | None = None
        self.resyncs = 0
        self.timestamp_resends = 0

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ public entry points

    async def public_get(self, path: str, params: Mapping[str, str] | None, type_: type[T]) -> T:
        """GET ``/public{path}``; returns the envelope's ``data`` decoded as ``type_``."""
        envelope = await self._get_with_retries(path, params, private=False)
        return _decode_data(envelope.data, type_, f"GET /public{path}")

    async def private(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: Payload | None = None,
        type_: type[T] | None = None,
    ) -> T | None:
        """A signed request to ``/private{path}``; returns ``data`` decoded as ``type_``.

        With ``type_=None`` the reply's ``data`` (if any) is ignored and None returned. For a
        POST/PUT/DELETE whose ``data`` cannot be read the outcome is unknown:
        :class:`ReplyUnreadable` (a :class:`ReplyLost` and a :class:`ProtocolError`).
        """
        if self.credentials is None:
            raise AuthenticationError(
                0,
                [ErrorMessage("ERR-5011", "no API key configured: private calls are unavailable")],
                path=path,
            )
        method = method.upper()
        if not self.clock.synced:
            await self._initial_sync()
        where = f"{method} /private{path}"
        if method == "GET":
            envelope = await self._get_with_retries(path, params, private=True)
            return None if type_ is None else _decode_data(envelope.data, type_, where)
        body = body or Payload(b"{}")
        envelope, sent_ms = await self._mutate(method, path, body)
        if type_ is None:
            return None
        try:
            return _decode_data(envelope.data, type_, where)
        except ProtocolError as exc:
            raise ReplyUnreadable(
                f"{where} was accepted (status 0) but its reply is unreadable: {exc}",
                method=method,
                path=path,
                body=body.shown,
                sent_at_ms=sent_ms,
            ) from None

    async def resync(self, generation: int | None = None) -> None:
        """Forget every clock sample and take a fresh one from ``/public/v1/status``.

        Concurrent callers that saw the same stale clock share one resync (``generation``).
        """
        async with self._resync_lock:
            if generation is not None and generation != self._sync_generation:
                return
            self.clock.reset()
            self.resyncs += 1
            try:
                await self._get_with_retries(STATUS_PATH, None, private=False, check=False)
            finally:
                self._sync_generation += 1

    # ------------------------------------------------------------------ internals

    async def _resync_after(self, error: ApiError, generation: int) -> None:
        """ERR-5008/5009: resync, so the caller can re-sign and re-send once."""
        self.timestamp_resends += 1
        try:
            await self.resync(generation)
        except GmoError:
            raise error from None

    async def _initial_sync(self) -> None:
        """Best effort before the first private call; a failure here is the call's own to meet.

        Tried at most once per ``INITIAL_SYNC_INTERVAL`` so an outage does not double every call.
        """
        now = time.monotonic()
        last = self._last_initial_sync
        if last is not None and now - last < INITIAL_SYNC_INTERVAL:
            return
        self._last_initial_sync = now
        try:
            await self.resync(self._sync_generation)
        except GmoError:
            pass

    async def _get_with_retries(
        self,
        path: str,
        params: Mapping[str, str] | None,
        *,
        private: bool,
        check: bool = True,
    ) -> Envelope:
        resent_for_clock = False
        attempt = 0
        while True:
            attempt += 1
            generation = self._sync_generation
            failure: str
            try:
                reply = await self._send("GET", path, params, None, private=private)
            except httpx.RequestError as exc:
                failure = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if reply.envelope is not None:
                    envelope = reply.envelope
                    if envelope.status == 0 or not check:
                        return envelope
                    error = self._api_error(envelope, path)
                    if private and _is_timestamp_error(error) and not resent_for_clock:
                        resent_for_clock = True
                        await self._resync_after(error, generation)
                        attempt -= 1  # a clock re-send is not a network retry
                        continue
                    raise error
                if reply.http_status < 500:
                    raise self._not_an_envelope("GET", path, reply)
                failure = f"{_http_reason(reply.http_status)} ({reply.bad_envelope})"
            if attempt > len(self.get_retry_delays):
                raise TransportError(
                    f"GET {self._prefix(private)}{path}: no usable reply after {attempt} tries"
                    f" (last: {failure})"
                ) from None
            delay = self.get_retry_delays[attempt - 1]
            await asyncio.sleep(delay + random.uniform(0, delay / 2))

    async def _mutate(self, method: str, path: str, body: Payload) -> tuple[Envelope, int]:
        resent_for_clock = False
        while True:
            generation = self._sync_generation
            stamp = _Stamp(self.clock.now_ms())
            try:
                reply = await self._send(method, path, None, body, private=True, stamp=stamp)
            except _NOT_SENT as exc:
                raise TransportError(
                    f"{method} /private{path}: could not connect ({type(exc).__name__});"
                    " nothing was sent"
                ) from None
            except httpx.RequestError as exc:
                raise ReplyLost(
                    f"{method} /private{path}: no reply ({type(exc).__name__}); the request may"
                    " have reached the exchange, so its outcome is unknown: look it up, do not"
                    " re-send it blindly",
                    method=method,
                    path=path,
                    body=body.shown,
                    sent_at_ms=stamp.ms,
                ) from None
            envelope = reply.envelope
            if envelope is None:
                if 400 <= reply.http_status < 500:  # refused before any processing
                    raise self._not_an_envelope(method, path, reply)
                raise ReplyUnreadable(
                    f"{method} /private{path}: {_http_reason(reply.http_status)} and not a JSON"
                    f" envelope ({reply.bad_envelope}); the outcome is unknown",
                    method=method,
                    path=path,
                    body=body.shown,
                    sent_at_ms=stamp.ms,
                )
            if envelope.status == 0:
                return envelope, stamp.ms
            error = self._api_error(envelope, path)
            if _is_timestamp_error(error) and not resent_for_clock:
                resent_for_clock = True
                await self._resync_after(error, generation)
                continue
            raise error

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Payload | None,
        *,
        private: bool,
        stamp: _Stamp | None = None,
    ) -> _Reply:
        """One request through one rate slot; ``stamp`` receives the send time (server ms)."""
        url = f"{self._prefix(private)}{path}"
        async with self.limiter.slot(budget_for(method, private=private)) as lease:
            sent_ms = self.clock.now_ms()
            if stamp is not None:
                stamp.ms = sent_ms
            started = self.clock.start()
            try:
                response = await self._http.request(
                    method,
                    url,
                    params=dict(params) if params else None,
                    content=body.data if body is not None else None,
                    headers=self._headers(method, path, body, str(sent_ms) if private else None),
                )
            except _NOT_SENT:
                lease.unsent()
                raise
        reply = self._read(response)
        if reply.envelope is not None:
            self.clock.observe(reply.envelope.responsetime, started)
        return reply

    def _headers(
        self, method: str, path: str, body: Payload | None, timestamp: str | None
    ) -> dict[str, str]:
        out: dict[str, str] = {}
        if body is not None:
            out["Content-Type"] = "application/json"
        if timestamp is not None and self.credentials is not None:
            out.update(
                self.credentials.headers(timestamp, method, path, body.data if body else b"")
            )
        return out

    def _prefix(self, private: bool) -> str:
        return self.endpoints.rest_private if private else self.endpoints.rest_public

    @staticmethod
    def _read(response: httpx.Response) -> _Reply:
        content = response.content
        try:
            envelope = decode(content, Envelope, what="reply envelope")
        except ProtocolError as exc:
            return _Reply(response.status_code, content, None, str(exc))
        return _Reply(response.status_code, content, envelope, "")

    @staticmethod
    def _api_error(envelope: Envelope, path: str) -> ApiError:
        messages = [ErrorMessage(m.message_code, m.message_string) for m in envelope.messages]
        return api_error(envelope.status, messages, path=path)

    def _not_an_envelope(self, method: str, path: str, reply: _Reply) -> ProtocolError:
        where = f"{method} {path}"
        if reply.http_status == 404:
            return ProtocolError(
                f"{where}: {_http_reason(404)}: the exchange at {self.endpoints.base} has no such"
                " path (wrong --endpoint, or an operation it does not offer)"
            )
        looks_html = reply.content.lstrip()[:1] == b"<"
        kind = "an HTML page" if looks_html else "not a JSON envelope"
        return ProtocolError(
            f"{where}: {_http_reason(reply.http_status)}, {kind}: {reply.bad_envelope};"
            f" body starts {_snippet(reply.content)!r}"
        )

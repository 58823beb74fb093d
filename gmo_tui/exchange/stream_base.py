"""The machinery shared by the public and private WebSocket streams.

* What a stream yields: :class:`StreamStatus` (state changes), :class:`Received` (a decoded
  frame), :class:`BadFrame` (a frame that failed to decode; counted, never raised) and
  :class:`ServerError` (``{"error": "ERR-5003 Request too many."}`` and the like).
* :class:`CommandPacer`: at most one subscribe/unsubscribe command per ``interval`` seconds
  (GMO allows one per second per connection/IP; share one pacer between streams to pace per IP).
* :class:`Backoff`: exponential backoff with full jitter, capped.
* :class:`StreamBase`: the connection loop (connect, re-send every subscription paced, receive,
  decode, reconnect on *any* error), the per-subscription staleness watchdog and the counters.
  :mod:`gmo_tui.exchange.public_stream` and :mod:`gmo_tui.exchange.private_stream` specialise it.

Subscriptions are remembered by ``(channel, symbol)`` (``symbol`` is ``None`` on the private
stream). Subscribing the same key again replaces its option (GMO keeps only the latest
subscription of a channel/symbol, e.g. ``trades`` with or without ``TAKER_ONLY``) and re-sends
the command.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import math
import random
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from gmo_tui.exchange import models

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[Any]]


class StreamState(StrEnum):
    CONNECTING = "CONNECTING"
    LIVE = "LIVE"
    STALE = "STALE"
    RECONNECTING = "RECONNECTING"
    DOWN = "DOWN"


@dataclass(frozen=True, slots=True)
class StreamStatus:
    """Yielded whenever a state changes.

    ``channel``/``symbol`` name a subscription whose own state changed (STALE after silence,
    LIVE again on its next frame); ``channel is None`` means the socket as a whole. ``detail``
    never contains the private token.
    """

    stream: str
    state: StreamState
    channel: str | None = None
    symbol: str | None = None
    detail: str = ""
    reconnects: int = 0


@dataclass(frozen=True, slots=True)
class Received:
    """A decoded frame and the wall-clock time (``time.time()``) it was received."""

    event: models.PublicEvent | models.PrivateEvent
    received_at: float


@dataclass(frozen=True, slots=True)
class BadFrame:
    """A frame that failed to decode: why and how big; never the content of a private frame."""

    stream: str
    reason: str
    size: int


@dataclass(frozen=True, slots=True)
class ServerError:
    """An ``{"error": ...}`` frame from the exchange, e.g. ``ERR-5003 Request too many.``."""

    stream: str
    message: str


StreamItem = Received | StreamStatus | BadFrame | ServerError


class _ErrorFrame(msgspec.Struct, frozen=True):
    error: str


_error_decoder = msgspec.json.Decoder(_ErrorFrame)
_command_encoder = msgspec.json.Encoder()


def ws_url(endpoint: str, path: str) -> str:
    """The WebSocket URL of ``path`` under the app's base URL (http -> ws, https -> wss)."""
    base = endpoint.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base[len("https://") :]
    elif base.startswith("http://"):
        base = "ws://" + base[len("http://") :]
    return base + path


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class CommandPacer:
    """Spaces commands at least ``interval`` seconds apart (measured with ``clock``).

    One pacer per stream by default; pass the same instance to both streams to pace per IP.
    """

    def __init__(
        self, interval: float = 1.05, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last = -math.inf
        self._lock = asyncio.Lock()

    async def acquire(self) -> float:
        """Wait for the next slot; returns the clock time the slot was taken."""
        async with self._lock:
            while True:
                wait = self._last + self.interval - self._clock()
                if wait <= 0:
                    break
                await self._sleep(wait)
            self._last = self._clock()
            return self._last

    def hold(self, seconds: float) -> None:
        """No command before ``seconds`` from now (after the exchange said ERR-5003)."""
        self._last = max(self._last, self._clock() + seconds - self.interval)


class Backoff:
    """Exponential backoff with full jitter: ``uniform(0, min(cap, base * 2**(attempt-1)))``."""

    def __init__(
        self, base: float = 0.5, cap: float = 30.0, *, rng: Callable[[], float] = random.random
    ) -> None:
        self.base = base
        self.cap = cap
        self._rng = rng

    def ceiling(self, attempt: int) -> float:
        return float(min(self.cap, self.base * 2 ** min(max(attempt - 1, 0), 62)))

    def delay(self, attempt: int) -> float:
        return self._rng() * self.ceiling(attempt)


@dataclass(slots=True)
class Subscription:
    """A remembered subscription and its liveness bookkeeping (monotonic clock times)."""

    channel: str
    symbol: str | None
    option: str | None
    sent_at: float | None = None  # when subscribed on the current connection
    last_frame: float | None = None
    stale: bool = False
    quiet_expected_at: float | None = None
    """The last check at which the exchange's rules predicted this silence (not counted)."""

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.channel, self.symbol)

    def command(self, action: str = "subscribe") -> dict[str, str]:
        body = {"command": action, "channel": self.channel}
        if self.symbol is not None:
            body["symbol"] = self.symbol
        if self.option is not None and action == "subscribe":
            body["option"] = self.option
        return body


class _CommandQueue:
    """Commands waiting for the pacer; a subscribe already waiting is not queued twice."""

    def __init__(self) -> None:
        self._items: deque[tuple[str, Subscription]] = deque()
        self._ready = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, action: str, sub: Subscription) -> None:
        if self._items and self._items[-1][0] == action and self._items[-1][1] is sub:
            return
        self._items.append((action, sub))
        self._ready.set()

    async def get(self) -> tuple[str, Subscription]:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()


_END = object()
RETRY_AFTER_TOO_MANY = 1.1  # seconds before re-sending a command refused with ERR-5003
_CLOSE_TOO_BIG = 1009


def describe(exc: BaseException) -> str:
    """``TypeName: message`` for a status line (callers redact secrets)."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class StreamBase:
    """The connection loop shared by :class:`PublicStream` and :class:`PrivateStream`.

    Iterate it (``async for item in stream``) from one worker: the iteration runs the loop.
    ``close()`` ends it (a final ``StreamStatus(DOWN)``, then the iteration stops). If the
    worker stops iterating, the loop and socket stop too; iterating again starts afresh.

    States of the socket (``channel is None``): CONNECTING first; LIVE once every remembered
    subscription has been sent (the public stream also on its first frame); RECONNECTING with
    ``detail="reconnect in 2.4 s (attempt 3): <why>"`` after any failure of connect or receive;
    DOWN after ``close()`` or ``max_attempts`` failures in a row (``None``: never give up).
    Per subscription: STALE after ``stale_limit(sub)`` seconds without a frame for it (checked
    every ``watch_interval``), LIVE again on its next frame; a silence the exchange's rules
    predict (:meth:`_silence_expected`) is not counted.

    Options: ``stale_after`` (seconds) and ``stale_after_by_channel`` (``{channel: seconds or
    None}``, None = never stale); ``command_interval`` or a shared ``pacer``; reconnect delay
    ``uniform(0, min(max_backoff, backoff_base * 2**(attempt-1)))``, the attempt count reset
    after ``stable_after`` seconds connected; ``open_timeout``/``close_timeout``;
    ``ping_interval``/``ping_timeout`` for our keepalive pings (the library answers the
    exchange's pings); ``max_size`` bytes per frame (larger: counted as a BadFrame, reconnect);
    ``max_pending`` decoded items queued before receiving pauses for the consumer; ``clock``,
    ``sleep`` and ``rng`` for tests.
    """

    name = "stream"
    _live_on_first_frame = True
    _decoder: msgspec.json.Decoder[models.PublicEvent] | msgspec.json.Decoder[models.PrivateEvent]

    def __init__(
        self,
        endpoint: str,
        *,
        stale_after: float = 10.0,
        stale_after_by_channel: Mapping[str, float | None] | None = None,
        command_interval: float = 1.05,
        max_backoff: float = 30.0,
        backoff_base: float = 0.5,
        stable_after: float = 60.0,
        open_timeout: float = 10.0,
        close_timeout: float = 5.0,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        max_size: int = 4 * 2**20,
        max_attempts: int | None = None,
        watch_interval: float | None = None,
        max_pending: int = 10_000,
        pacer: CommandPacer | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.endpoint = endpoint
        self.stale_after = stale_after
        self._stale_overrides = dict(stale_after_by_channel or {})
        self.stable_after = stable_after
        self.open_timeout = open_timeout
        self.close_timeout = close_timeout
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_size = max_size
        self.max_attempts = max_attempts
        self.watch_interval = watch_interval
        self.max_pending = max_pending
        self.pacer = pacer or CommandPacer(command_interval, clock=clock, sleep=sleep)
        self.backoff = Backoff(backoff_base, max_backoff, rng=rng)
        self._clock = clock
        self._sleep = sleep
        self._subs: dict[tuple[str, str | None], Subscription] = {}
        self._out: asyncio.Queue[Any] = asyncio.Queue()
        self._ws: ClientConnection | None = None
        self._commands: _CommandQueue | None = None
        self._task_failure: str | None = None
        self._last_exception: Exception | None = None
        self._runner: asyncio.Task[None] | None = None
        self._closed = False
        self._stop = asyncio.Event()
        self._reconnect_reason: str | None = None
        self._state: StreamState | None = None
        self._last_command: tuple[str, Subscription, float] | None = None
        self._retried_command = False
        self.command_log: deque[tuple[float, dict[str, str]]] = deque(maxlen=200)
        self.counters: dict[str, int] = {
            "frames": 0,
            "bad_frames": 0,
            "oversized": 0,
            "reconnects": 0,
            "commands_sent": 0,
            "server_errors": 0,
        }

    # ------------------------------------------------------------------ public API

    @property
    def state(self) -> StreamState | None:
        """The socket's last reported state (``None`` before the loop starts)."""
        return self._state

    @property
    def subscriptions(self) -> list[Subscription]:
        return list(self._subs.values())

    def __aiter__(self) -> AsyncIterator[StreamItem]:
        return self._iterate()

    async def close(self) -> None:
        """Stop the loop and close the socket; the iteration ends after ``StreamStatus(DOWN)``."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), self.close_timeout)
        runner = self._runner
        if runner is not None and not runner.done():
            await asyncio.wait({runner}, timeout=self.close_timeout)
            if not runner.done():
                runner.cancel()
        if runner is None:
            self._emit_status(StreamState.DOWN, detail="closed")
            self._out.put_nowait(_END)
        await self._after_close()

    # ------------------------------------------------------------------ subscriptions

    async def _subscribe(self, channel: str, symbol: str | None, option: str | None) -> None:
        key = (channel, symbol)
        sub = self._subs.get(key)
        if sub is None:
            sub = Subscription(channel, symbol, option)
            self._subs[key] = sub
        else:
            sub.option = option
            sub.sent_at = None
        if self._commands is not None:
            self._commands.put("subscribe", sub)

    async def _unsubscribe(self, channel: str, symbol: str | None) -> None:
        sub = self._subs.pop((channel, symbol), None)
        if sub is None:
            return
        if sub.stale:
            sub.stale = False
            self._emit_status(
                StreamState.LIVE, channel=channel, symbol=symbol, detail="unsubscribed"
            )
        if self._commands is not None:
            self._commands.put("unsubscribe", sub)

    def stale_limit(self, sub: Subscription) -> float | None:
        """Seconds of silence after which ``sub`` is STALE (``None``: never flagged)."""
        if sub.channel in self._stale_overrides:
            return self._stale_overrides[sub.channel]
        return self._default_stale_limit(sub)

    def _default_stale_limit(self, sub: Subscription) -> float | None:
        return self.stale_after

    def _silence_expected(self, sub: Subscription) -> bool:
        """True while the exchange sends nothing on ``sub`` by its own rules: the watchdog then
        does not count the silence (it counts again from the first check this is False)."""
        return False

    # ------------------------------------------------------------------ hooks for subclasses

    async def _url(self) -> str:
        raise NotImplementedError

    def _redact(self, text: str) -> str:
        return text

    def _event_key(self, event: Any) -> tuple[str, str | None]:
        raise NotImplementedError

    def _bad_reason(self, exc: Exception) -> str:
        return str(exc)

    async def _connection_tasks(self, ws: ClientConnection) -> list[asyncio.Task[Any]]:
        return []

    async def _after_drop(self, deliberate: bool) -> None:
        """Called after a connection is lost (``deliberate``: by :meth:`request_reconnect`)."""

    def _fatal(self, exc: BaseException) -> bool:
        """An error no retry can fix: the loop stops with DOWN (its detail says why)."""
        return False

    async def _after_close(self) -> None:
        """Called at the end of ``close()``."""

    def _ws_logger(self) -> logging.Logger | logging.LoggerAdapter[Any] | None:
        return None

    # ------------------------------------------------------------------ the loop

    def _emit(self, item: Any) -> None:
        self._out.put_nowait(item)

    def _emit_status(
        self,
        state: StreamState,
        *,
        channel: str | None = None,
        symbol: str | None = None,
        detail: str = "",
    ) -> None:
        if channel is None:
            self._state = state
        self._emit(
            StreamStatus(
                self.name,
                state,
                channel,
                symbol,
                self._redact(detail),
                self.counters["reconnects"],
            )
        )

    async def _iterate(self) -> AsyncIterator[StreamItem]:
        if self._runner is not None and not self._runner.done():
            raise RuntimeError(f"the {self.name} stream is already being iterated")
        if self._closed:  # what is left (the final DOWN), then nothing
            while not self._out.empty():
                item = self._out.get_nowait()
                if item is _END:
                    return
                yield item
            return
        self._out = asyncio.Queue()  # nothing left over from an earlier, abandoned iteration
        self._runner = asyncio.create_task(self._run(), name=f"gmo-{self.name}-stream")
        runner = self._runner
        try:
            while True:
                item = self._out.get_nowait() if not self._out.empty() else await self._out.get()
                if item is _END:
                    return
                yield item
        finally:
            if runner is not None and not runner.done():
                runner.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await runner

    async def _run(self) -> None:
        attempt = 0
        try:
            self._emit_status(StreamState.CONNECTING)
            while not self._closed:
                connected_at: float | None = None
                reason = ""
                try:
                    url = await self._url()
                    if self._closed:
                        break
                    async with connect(
                        url,
                        open_timeout=self.open_timeout,
                        close_timeout=self.close_timeout,
                        ping_interval=self.ping_interval,
                        ping_timeout=self.ping_timeout,
                        max_size=self.max_size,
                        proxy=None if is_loopback(url) else True,
                        logger=self._ws_logger(),
                        compression=None,
                    ) as ws:
                        connected_at = self._clock()
                        await self._session(ws)
                except Exception as exc:  # every kind: retried below, unless fatal
                    self._last_exception = exc
                    reason = self._drop_reason(exc)
                    if self._fatal(exc):
                        self._emit_status(
                            StreamState.DOWN, detail=f"stopped, a retry cannot fix it: {reason}"
                        )
                        return
                finally:
                    self._ws = None
                    self._commands = None
                if self._task_failure is not None:
                    reason = f"{self._task_failure} ({reason})" if reason else self._task_failure
                    self._task_failure = None
                if self._closed:
                    break
                deliberate = self._reconnect_reason is not None
                if self._reconnect_reason is not None:
                    reason = self._reconnect_reason
                    self._reconnect_reason = None
                    attempt = 0
                    delay = 0.0
                else:
                    stable = (
                        connected_at is not None
                        and self._clock() - connected_at >= self.stable_after
                    )
                    attempt = 1 if stable else attempt + 1
                    if self.max_attempts is not None and attempt > self.max_attempts:
                        self._emit_status(
                            StreamState.DOWN,
                            detail=f"gave up after {self.max_attempts} attempts: {reason}",
                        )
                        return
                    delay = self.backoff.delay(attempt)
                self.counters["reconnects"] += 1
                log.info(
                    "%s stream: reconnect in %.1f s: %s", self.name, delay, self._redact(reason)
                )
                self._emit_status(
                    StreamState.RECONNECTING,
                    detail=f"reconnect in {delay:.1f} s (attempt {attempt}): {reason}",
                )
                await self._after_drop_safely(deliberate)
                if delay > 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop.wait(), delay)
        finally:
            if self._state is not StreamState.DOWN:
                self._emit_status(StreamState.DOWN, detail="closed")
            self._out.put_nowait(_END)

    async def _after_drop_safely(self, deliberate: bool) -> None:
        try:
            await self._after_drop(deliberate)
        except Exception as exc:  # the next connect attempt reports its own failure
            log.warning(
                "%s stream: after-drop hook failed: %s", self.name, self._redact(describe(exc))
            )

    def _drop_reason(self, exc: BaseException) -> str:
        if isinstance(exc, ConnectionClosed):
            sent = exc.sent
            if sent is not None and sent.code == _CLOSE_TOO_BIG:
                self.counters["oversized"] += 1
                self.counters["bad_frames"] += 1
                self._emit(
                    BadFrame(
                        self.name, f"frame larger than max_size {self.max_size}", self.max_size + 1
                    )
                )
        return self._redact(describe(exc))

    async def _session(self, ws: ClientConnection) -> None:
        """One connection: send every subscription paced, receive until the socket drops."""
        self._ws = ws
        commands = _CommandQueue()
        for sub in self._subs.values():
            sub.sent_at = None
            commands.put("subscribe", sub)
        self._commands = commands
        initial = len(commands)
        if initial == 0:
            self._emit_status(StreamState.LIVE)
        tasks = [
            asyncio.create_task(self._sender(ws, commands, initial)),
            asyncio.create_task(self._watchdog()),
            *await self._connection_tasks(ws),
        ]
        for task in tasks:
            task.add_done_callback(self._on_task_done)
        live_on_frame = self._live_on_first_frame
        try:
            decode = self.decode_frame
            key_of = self._event_key
            subs = self._subs
            clock = self._clock
            counters = self.counters
            while True:
                raw = await ws.recv(decode=False)
                if self._closed:
                    return
                received_at = time.time()
                event = decode(raw)
                if event is None:
                    continue
                counters["frames"] += 1
                if live_on_frame and self._state is not StreamState.LIVE:
                    self._emit_status(StreamState.LIVE)
                known = subs.get(key_of(event))
                if known is not None:
                    known.last_frame = clock()
                    if known.stale:
                        known.stale = False
                        self._emit_status(
                            StreamState.LIVE, channel=known.channel, symbol=known.symbol
                        )
                self._emit(Received(event, received_at))
                if self._out.qsize() > self.max_pending:
                    await self._wait_for_consumer()
        finally:
            for task in tasks:
                task.remove_done_callback(self._on_task_done)
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        """A helper task of the connection failed: drop the connection (and say why)."""
        if task.cancelled() or task.exception() is None:
            return
        self._task_failure = self._redact(describe(task.exception()))  # type: ignore[arg-type]
        ws = self._ws
        if ws is not None:
            asyncio.ensure_future(ws.close(1011, "client task failed"))

    async def _wait_for_consumer(self) -> None:
        while self._out.qsize() > self.max_pending // 2 and not self._closed:
            await asyncio.sleep(0.01)

    def decode_frame(self, raw: bytes | str) -> Any | None:
        """One received frame as an event, or None when it is not one: then a :class:`BadFrame`
        (counted in ``counters["bad_frames"]`` and logged with the reason, never the content)
        or a :class:`ServerError` has been emitted instead."""
        try:
            return self._decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            self._on_undecodable(raw, exc)
            return None

    def _on_undecodable(self, raw: bytes | str, exc: Exception) -> None:
        size = len(raw)
        try:
            error = _error_decoder.decode(raw)
        except (msgspec.ValidationError, msgspec.DecodeError):
            self.counters["bad_frames"] += 1
            reason = self._redact(self._bad_reason(exc))
            log.warning("%s stream: bad frame (%d bytes): %s", self.name, size, reason)
            self._emit(BadFrame(self.name, reason, size))
            return
        self.counters["server_errors"] += 1
        message = self._redact(error.error)
        log.warning("%s stream: server error: %s", self.name, message)
        self._emit(ServerError(self.name, message))
        if message.startswith("ERR-5003"):
            self._retry_last_command()

    def _retry_last_command(self) -> None:
        """ERR-5003 refused our last command: send it once more, paced (if still wanted)."""
        last = self._last_command
        if last is None or self._retried_command or self._commands is None:
            return
        action, sub, _ = last
        if action == "subscribe" and self._subs.get(sub.key) is not sub:
            return
        self._retried_command = True
        self.pacer.hold(RETRY_AFTER_TOO_MANY)
        self._commands.put(action, sub)

    async def _sender(self, ws: ClientConnection, commands: _CommandQueue, initial: int) -> None:
        sent = 0
        while True:
            action, sub = await commands.get()
            body = sub.command(action)  # built now: the latest option wins
            at = await self.pacer.acquire()
            await ws.send(_command_encoder.encode(body).decode())
            if self._last_command is None or self._last_command[:2] != (action, sub):
                self._retried_command = False
            self._last_command = (action, sub, at)
            self.counters["commands_sent"] += 1
            self.command_log.append((at, body))
            if action == "subscribe":
                sub.sent_at = self._clock()
            sent += 1
            if sent == initial and self._state is not StreamState.LIVE:
                self._emit_status(StreamState.LIVE)

    def _watch_period(self) -> float:
        if self.watch_interval is not None:
            return self.watch_interval
        limits = [x for x in (self.stale_limit(s) for s in self._subs.values()) if x]
        return max(0.05, min(limits, default=self.stale_after) / 4)

    async def _watchdog(self) -> None:
        while True:
            await self._sleep(self._watch_period())
            now = self._clock()
            for sub in list(self._subs.values()):
                if sub.stale or sub.sent_at is None:
                    continue
                limit = self.stale_limit(sub)
                if limit is None:
                    continue
                if self._silence_expected(sub):
                    sub.quiet_expected_at = now
                    continue
                since = max(
                    sub.sent_at, sub.last_frame or -math.inf, sub.quiet_expected_at or -math.inf
                )
                silent = now - since
                if silent >= limit:
                    sub.stale = True
                    self._emit_status(
                        StreamState.STALE,
                        channel=sub.channel,
                        symbol=sub.symbol,
                        detail=f"no {sub.channel} frame for {silent:.1f} s",
                    )

    def request_reconnect(self, reason: str) -> None:
        """Drop the current connection on purpose and reconnect at once (no backoff)."""
        self._reconnect_reason = reason
        ws = self._ws
        if ws is not None:
            asyncio.ensure_future(ws.close(1000, "reconnect"))

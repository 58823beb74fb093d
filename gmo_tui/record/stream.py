"""Recording a live feed: :class:`RecordingPublicStream`, :class:`RecordingPrivateStream`,
:func:`redact_private_frame` and :func:`record` (``gmo-tui record``).

A recording stream is the app's own stream (same reconnects, pacing and staleness) that hands
every frame, exactly as received, to a :class:`~gmo_tui.record.writer.RecordingWriter` before
decoding it; a dropped connection writes a ``GAP`` record. ``writer`` may be set or cleared at
any time (the app's record toggle). Private frames go through :func:`redact_private_frame`
first: the order, execution and position ids become pseudonyms (stable within one recording,
so events still link up) and any registered secret (key, secret, WS token) is masked.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from gmo_tui import redact
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.codec import to_wire
from gmo_tui.exchange.enums import PrivateChannel, PublicChannel
from gmo_tui.exchange.private_stream import PrivateStream
from gmo_tui.exchange.public_stream import PublicStream
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.record.format import Header, Kind
from gmo_tui.record.writer import RecordingWriter

log = logging.getLogger(__name__)
ID_FIELDS = frozenset({"orderId", "rootOrderId", "executionId", "positionId", "clientOrderId"})
CHANNELS = (PublicChannel.TICKER, PublicChannel.ORDERBOOKS, PublicChannel.TRADES)


class WriteFailure:
    """What a recording stream does when the file cannot be written (a full disk, ...): it
    stops recording (the stream itself goes on), keeps the error and calls ``on_error``."""

    def __init__(self) -> None:
        self.error: OSError | None = None
        self.on_error: Callable[[OSError], None] | None = None

    def __call__(self, exc: OSError) -> None:
        log.error("recording stopped: %s", exc)
        self.error = exc
        if self.on_error is not None:
            self.on_error(exc)


class RecordingPublicStream(PublicStream):
    """A :class:`PublicStream` that writes each frame as received to ``writer`` (if set)."""

    def __init__(self, endpoint: str, *, writer: RecordingWriter | None = None, **options: Any):
        super().__init__(endpoint, **options)
        self.writer = writer
        self.failure = WriteFailure()

    def decode_frame(self, raw: bytes | str) -> Any | None:
        writer = self.writer
        if writer is not None:
            try:
                writer.write(Kind.PUBLIC, raw if isinstance(raw, bytes) else raw.encode())
            except OSError as exc:
                self.writer = None
                self.failure(exc)
        return super().decode_frame(raw)

    async def _after_drop(self, deliberate: bool) -> None:
        await super()._after_drop(deliberate)
        if self.writer is not None and not self._closed:
            self.writer.write(Kind.GAP, b'{"reason":"public socket dropped"}')


class Pseudonyms:
    """Account ids to stable, meaningless integers (HMAC with a per-recording random key)."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or os.urandom(32)

    def __call__(self, value: object) -> int:
        digest = hmac.new(self._key, str(value).encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:6], "big")


def redact_private_frame(raw: bytes | str, pseudonyms: Pseudonyms) -> bytes:
    """A private frame with its ids pseudonymised and every registered secret masked."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    try:
        data = msgspec.json.decode(text)
    except msgspec.DecodeError:
        return redact.redact_text(text).encode()

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: pseudonyms(v) if k in ID_FIELDS else scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    return redact.redact_text(msgspec.json.encode(scrub(data)).decode()).encode()


class RecordingPrivateStream(PrivateStream):
    """A :class:`PrivateStream` that writes each frame, redacted, to ``writer`` (if set)."""

    def __init__(self, *args: Any, writer: RecordingWriter | None = None, **options: Any):
        super().__init__(*args, **options)
        self.writer = writer
        self.pseudonyms = Pseudonyms()
        self.failure = WriteFailure()

    def decode_frame(self, raw: bytes | str) -> Any | None:
        writer = self.writer
        if writer is not None:
            try:
                writer.write(Kind.PRIVATE, redact_private_frame(raw, self.pseudonyms))
            except OSError as exc:
                self.writer = None
                self.failure(exc)
        return super().decode_frame(raw)


@dataclass
class RecordResult:
    parts: list[str]
    records: int
    seconds: float


async def record(
    endpoint: str,
    symbols: Sequence[str],
    out: str | os.PathLike[str],
    *,
    rotate_bytes: int | None = None,
    rotate_seconds: float | None = None,
    duration: float | None = None,
    stop: asyncio.Event | None = None,
    credentials: Credentials | None = None,
    **stream_options: Any,
) -> RecordResult:
    """Record every public frame of ``symbols`` (ticker, orderbooks, trades) from ``endpoint``
    into ``out`` until ``stop`` is set or ``duration`` seconds have passed.

    With ``credentials`` the account's private frames are recorded too, redacted (see
    :func:`redact_private_frame`). Raises ``ValueError`` for a symbol the exchange does not
    list, ``FileExistsError`` when ``out`` exists.
    """
    async with GmoRestClient(endpoint) as rest:
        rules = await rest.get_symbols()
    known = {rule.symbol for rule in rules}
    unknown = [s for s in symbols if s not in known]
    if unknown:
        raise ValueError(
            f"unknown symbol(s) {', '.join(unknown)}; the exchange lists {', '.join(sorted(known))}"
        )
    header = Header(
        start="",
        endpoint=endpoint,
        symbols=tuple(symbols),
        symbol_rules=tuple(to_wire(rule) for rule in rules if rule.symbol in symbols),
        private=credentials is not None,
    )
    writer = RecordingWriter(out, header, rotate_bytes=rotate_bytes, rotate_seconds=rotate_seconds)
    stream = RecordingPublicStream(endpoint, writer=writer, **stream_options)
    private_rest = GmoRestClient(endpoint, credentials) if credentials is not None else None
    streams: list[RecordingPublicStream | RecordingPrivateStream] = [stream]
    if private_rest is not None:
        private = RecordingPrivateStream(private_rest, endpoint, writer=writer, **stream_options)
        for private_channel in PrivateChannel:
            await private.subscribe(private_channel)
        streams.append(private)
    stop = stop or asyncio.Event()
    for one in streams:
        one.failure.on_error = lambda _exc: stop.set()
    began = time.monotonic()

    async def consume(one: RecordingPublicStream | RecordingPrivateStream) -> None:
        async for _ in one:
            pass

    consumers = [asyncio.create_task(consume(one)) for one in streams]
    try:
        for symbol in symbols:
            for channel in CHANNELS:
                await stream.subscribe(channel, symbol)
        try:
            await asyncio.wait_for(stop.wait(), duration)
        except TimeoutError:
            pass
    finally:
        for one in streams:
            await one.close()
        for consumer in consumers:
            consumer.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        if private_rest is not None:
            await private_rest.aclose()
        failed = next((s.failure.error for s in streams if s.failure.error), None)
        try:
            writer.close()
        except OSError:
            if failed is None:
                raise
    if failed is not None:
        raise OSError(f"recording stopped: {failed}; {writer.path} reads up to its last frame")
    return RecordResult([str(p) for p in writer.parts], writer.records, time.monotonic() - began)

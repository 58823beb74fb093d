"""The private WebSocket token's lifecycle, and redaction so the token never leaks.

:class:`TokenManager` creates the token (``POST /v1/ws-auth``), extends it every
``extend_every`` seconds (``PUT``; a token lives 60 minutes and each extension resets that),
replaces it when an extension fails or the socket was refused, and deletes it on a clean
close (``DELETE``). Every token it ever held is redacted from text passed to
:meth:`TokenManager.redact` (status details, log lines, exception messages): the private URL
reads ``/ws/private/v1/<token>``. :class:`RedactingFilter` applies the same to a logger.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

PRIVATE_PATH = "/ws/private/v1/"
REDACTED = "<token>"


class WsTokenApi(Protocol):
    """The three REST calls the manager needs (``GmoRestClient`` provides them)."""

    async def create_ws_token(self) -> str: ...

    async def extend_ws_token(self, token: str) -> Any: ...

    async def delete_ws_token(self, token: str) -> Any: ...


ORPHAN_WAIT_S = 5.0
"""How long a clean exit waits for the answer to a create its caller gave up on."""


def _retrieve(request: asyncio.Future[str]) -> None:
    """Mark a create's failure as seen (an orphan nobody awaits would log it at exit)."""
    if not request.cancelled():
        request.exception()


class TokenManager:
    """Owns the private WebSocket token. Never prints it; ``repr`` says only whether one is held.

    ``clock`` (monotonic seconds) decides when an extension is due; inject one in tests.
    """

    def __init__(
        self,
        rest: WsTokenApi,
        *,
        extend_every: float = 30 * 60,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rest = rest
        self.extend_every = extend_every
        self._clock = clock
        self._token: str | None = None
        self._refreshed_at = 0.0
        self._seen: set[str] = set()
        self._lock = asyncio.Lock()
        self._orphans: list[asyncio.Future[str]] = []
        """Creates whose caller was cancelled while the request was out (a quit during a
        reconnect): the exchange may make the token anyway; :meth:`delete` deletes it."""
        self.last_error = ""
        self.counters: dict[str, int] = {
            "created": 0,
            "extended": 0,
            "extend_failures": 0,
            "deleted": 0,
            "delete_failures": 0,
        }

    # ------------------------------------------------------------------ queries

    @property
    def has_token(self) -> bool:
        return self._token is not None

    def due(self) -> bool:
        """True when the held token should be extended now."""
        return self._token is not None and self._clock() - self._refreshed_at >= self.extend_every

    def seconds_until_due(self) -> float:
        if self._token is None:
            return 0.0
        return max(0.0, self._refreshed_at + self.extend_every - self._clock())

    def url(self, ws_base: str) -> str:
        """The private socket URL for the held token (call :meth:`get` first)."""
        if self._token is None:
            raise RuntimeError("no private WebSocket token yet")
        return ws_base.rstrip("/") + PRIVATE_PATH + self._token

    def redact(self, text: str) -> str:
        """``text`` with every token this manager ever held replaced by ``<token>``."""
        for token in self._seen:
            if token in text:
                text = text.replace(token, REDACTED)
        return text

    # ------------------------------------------------------------------ lifecycle

    async def get(self) -> str:
        """The current token, creating one if none is held."""
        async with self._lock:
            if self._token is None:
                await self._create()
            assert self._token is not None
            return self._token

    async def extend(self) -> bool:
        """Extend the held token; on any failure forget it (deleted best effort) and say False."""
        async with self._lock:
            token = self._token
            if token is None:
                return False
            try:
                await self._rest.extend_ws_token(token)
            except Exception as exc:
                self.counters["extend_failures"] += 1
                self.last_error = self.redact(f"{type(exc).__name__}: {exc}")
                log.warning("private WebSocket token extension failed: %s", self.last_error)
                self._token = None
                await self._delete_quietly(token)
                return False
            self.counters["extended"] += 1
            self._refreshed_at = self._clock()
            return True

    async def ensure_valid(self) -> str:
        """Extend the held token (proving it alive) or replace it; returns a usable token."""
        if self._token is not None and await self.extend():
            return self._token
        return await self.get()

    async def renew(self) -> str:
        """Drop the held token (deleted best effort) and create a new one."""
        async with self._lock:
            old, self._token = self._token, None
            if old is not None:
                await self._delete_quietly(old)
            await self._create()
            assert self._token is not None
            return self._token

    async def delete(self) -> None:
        """Delete the held token, and any a cancelled create made (clean exit). Errors are
        logged (redacted), never raised."""
        async with self._lock:
            token, self._token = self._token, None
            if token is not None:
                await self._delete_quietly(token)
            orphans, self._orphans = self._orphans, []
            if not orphans:
                return
            done, _late = await asyncio.wait(orphans, timeout=ORPHAN_WAIT_S)
            for request in done:
                if request.cancelled() or request.exception() is not None:
                    continue
                made = request.result()
                if isinstance(made, str) and made:
                    self._seen.add(made)
                    await self._delete_quietly(made)

    # ------------------------------------------------------------------ internals

    async def _create(self) -> None:
        # shielded: a caller cancelled while the request is out must not lose a token the
        # exchange made anyway (it would stay alive there until it expires)
        request = asyncio.ensure_future(self._rest.create_ws_token())
        request.add_done_callback(_retrieve)
        try:
            token = await asyncio.shield(request)
        except asyncio.CancelledError:
            self._orphans.append(request)
            raise
        except Exception as exc:
            self.last_error = self.redact(f"{type(exc).__name__}: {exc}")
            raise
        if not isinstance(token, str) or not token:
            raise ValueError("ws-auth returned no token")
        self._seen.add(token)
        self._token = token
        self._refreshed_at = self._clock()
        self.counters["created"] += 1

    async def _delete_quietly(self, token: str) -> None:
        try:
            await self._rest.delete_ws_token(token)
        except Exception as exc:
            self.counters["delete_failures"] += 1
            log.info("deleting a private WebSocket token failed: %s", self.redact(describe(exc)))
        else:
            self.counters["deleted"] += 1

    def __repr__(self) -> str:
        held = "held" if self._token is not None else "none"
        return f"TokenManager(token={held}, extend_every={self.extend_every})"

    __str__ = __repr__


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class RedactingFilter(logging.Filter):
    """A logging filter that removes every token of ``manager`` from a record's message."""

    def __init__(self, manager: TokenManager) -> None:
        super().__init__()
        self._manager = manager

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._manager.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = ()
        return True

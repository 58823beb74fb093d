"""Helpers for the built-in exchange's tests: a tiny signed GMO client over real loopback.

Deliberately independent of the project's REST client: it signs with
:func:`gmo_tui.exchange.auth.sign` and speaks httpx + websockets directly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

import httpx
import websockets

from gmo_tui.exchange.auth import sign
from gmo_tui.redact import RedactingFilter


def stamp(offset_s: float = 0.0, *, clock: Any = None) -> str:
    base = clock.timestamp() if clock is not None else time.time()
    return str(int((base + offset_s) * 1000))


class Gmo:
    """Signed private/public requests against one running SimServer."""

    def __init__(self, sim: Any, *, api_key: str | None = None, api_secret: str | None = None):
        self.sim = sim
        self.api_key = api_key if api_key is not None else sim.api_key
        self.api_secret = api_secret if api_secret is not None else sim.api_secret
        self.http = httpx.AsyncClient(base_url=sim.endpoint, timeout=10)

    async def close(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> Gmo:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def headers(
        self, method: str, path: str, body: bytes = b"", *, ts: str | None = None
    ) -> dict[str, str]:
        ts = ts if ts is not None else stamp(clock=self.sim.clock)
        return {
            "API-KEY": self.api_key,
            "API-TIMESTAMP": ts,
            "API-SIGN": sign(self.api_secret, ts, method, path, body),
        }

    async def public(self, path: str, **params: Any) -> dict[str, Any]:
        reply = await self.http.get("/public" + path, params=params or None)
        assert reply.status_code == 200, reply.text
        return reply.json()

    async def get(self, path: str, **params: Any) -> dict[str, Any]:
        reply = await self.http.get(
            "/private" + path, params=params or None, headers=self.headers("GET", path)
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    async def send(
        self, method: str, path: str, body: Any = None, *, raw: bytes | None = None
    ) -> dict[str, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
        headers = self.headers(method, path, data)
        reply = await self.http.request(method, "/private" + path, content=data, headers=headers)
        assert reply.status_code == 200, reply.text
        return reply.json()

    async def post(self, path: str, body: Any = None) -> dict[str, Any]:
        return await self.send("POST", path, body if body is not None else {})

    async def token(self) -> str:
        reply = await self.post("/v1/ws-auth", {})
        assert reply["status"] == 0, reply
        return reply["data"]

    def ws_url(self, path: str) -> str:
        return self.sim.endpoint.replace("http://", "ws://") + path


def code_of(reply: dict[str, Any]) -> str:
    assert reply["status"] != 0, reply
    return reply["messages"][0]["message_code"]


async def recv_json(ws: Any, timeout: float = 3.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws: Any, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise TimeoutError("no matching frame")
        frame = await recv_json(ws, left)
        if predicate(frame):
            return frame


async def no_frame(ws: Any, within: float = 0.5) -> bool:
    try:
        await asyncio.wait_for(ws.recv(), within)
    except TimeoutError:
        return True
    return False


# websockets logs the request line (a private socket's token in the path) at DEBUG: through a
# logger that masks it, as the app's private stream does
_WS_LOG = logging.getLogger("tests.sim.websockets")
_WS_LOG.addFilter(RedactingFilter())


def connect(url: str, **kwargs: Any) -> Any:
    kwargs.setdefault("logger", _WS_LOG)
    return websockets.connect(url, open_timeout=5, close_timeout=1, **kwargs)


async def eventually(predicate: Any, timeout: float = 3.0) -> bool:
    """Poll ``predicate`` until it holds (True) or ``timeout`` passes (False)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def raw_request(
    sim: Any, head: str | bytes, body: bytes = b"", *, timeout: float = 3.0
) -> tuple[int, dict[str, str], bytes]:
    """Send ``head`` (the request line and headers, CRLF-separated, without the blank line) and
    ``body`` over a bare socket; return the reply's status, headers (lower-case) and body.

    Nothing is added: a request that declares a Content-Length and sends no body makes a server
    that waits for the body time out here (``TimeoutError``)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    try:
        data = head.encode("latin-1") if isinstance(head, str) else head
        writer.write(data + b"\r\n\r\n" + body)
        await writer.drain()
        return await asyncio.wait_for(read_reply(reader), timeout)
    finally:
        writer.close()


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 reply with a Content-Length (all the built-in exchange sends)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body

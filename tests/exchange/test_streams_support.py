"""Support for the stream tests (no tests here): a loopback WebSocket server and a recorder.

``FakeGmo`` speaks just enough of GMO's WebSocket protocol (commands in, frames out) on a
real 127.0.0.1 socket with a random port to exercise reconnects, pacing and staleness.
``Recorder`` iterates a stream in a background task and lets a test wait for an item.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from gmo_tui.exchange.stream_base import StreamBase


class FakeGmo:
    """A loopback WebSocket server recording every command with its arrival time."""

    def __init__(self) -> None:
        self.server: Server | None = None
        self.port = 0
        self.connections: list[ServerConnection] = []
        self.commands: list[tuple[float, int, dict[str, Any]]] = []  # (monotonic, conn#, body)
        self.paths: list[str] = []
        self.valid_tokens: set[str] | None = None  # None: any private path accepted
        self.refuse_status: HTTPStatus | None = None
        self.on_command: Callable[[ServerConnection, dict[str, Any]], Any] | None = None
        self.ping_count = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> None:
        self.server = await serve(
            self._handler,
            "127.0.0.1",
            port,
            process_request=self._process_request,
            ping_interval=None,
            compression=None,
        )
        self.port = next(iter(self.server.sockets)).getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    def _process_request(self, connection: ServerConnection, request: Any) -> Any:
        self.paths.append(request.path)
        if self.refuse_status is not None:
            return connection.respond(self.refuse_status, "refused\n")
        if request.path.startswith("/ws/private/v1/") and self.valid_tokens is not None:
            token = request.path.rsplit("/", 1)[-1]
            if token not in self.valid_tokens:
                return connection.respond(HTTPStatus.UNAUTHORIZED, "bad token\n")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections.append(ws)
        number = len(self.connections)
        try:
            async for message in ws:
                body = json.loads(message)
                self.commands.append((time.monotonic(), number, body))
                if self.on_command is not None:
                    result = self.on_command(ws, body)
                    if asyncio.iscoroutine(result):
                        await result
        except Exception:
            pass

    @property
    def live(self) -> list[ServerConnection]:
        from websockets.protocol import State

        return [ws for ws in self.connections if ws.state is State.OPEN]

    async def send_all(self, frame: str | bytes | dict[str, Any]) -> None:
        text = json.dumps(frame) if isinstance(frame, dict) else frame
        for ws in self.live:
            await ws.send(text)

    async def drop(self, *, abort: bool = False) -> None:
        for ws in self.live:
            if abort:
                ws.transport.abort()
            else:
                await ws.close(1011, "dropped by test")

    def commands_on(self, connection: int) -> list[dict[str, Any]]:
        return [body for _, number, body in self.commands if number == connection]

    def times_on(self, connection: int) -> list[float]:
        return [at for at, number, _ in self.commands if number == connection]


class Recorder:
    """Iterates ``stream`` in a task; ``wait_for`` returns the first new item matching."""

    def __init__(self, stream: StreamBase) -> None:
        self.stream = stream
        self.items: list[Any] = []
        self._cursor = 0
        self._changed = asyncio.Event()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for item in self.stream:
            self.items.append(item)
            self._changed.set()
        self._changed.set()

    async def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            while self._cursor < len(self.items):
                item = self.items[self._cursor]
                self._cursor += 1
                if predicate(item):
                    return item
            if self.task.done():
                raise AssertionError(f"stream ended; got {self.items[-5:]!r}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; last items {self.items[-8:]!r}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    def of(self, kind: type) -> list[Any]:
        return [item for item in self.items if isinstance(item, kind)]

    async def stop(self) -> None:
        await self.stream.close()
        try:
            await asyncio.wait_for(self.task, 5)
        except TimeoutError:
            self.task.cancel()
            raise

"""Running the built-in exchange: in the current loop, in its own thread, or as a CLI server.

* ``async with SimServer(port=0, seed=42, control=True) as sim:`` serves on a pre-bound
  loopback socket (port 0: a free port) in the running event loop; ``sim.endpoint`` is
  ``"http://127.0.0.1:PORT"``, ``sim.api_key``/``sim.api_secret`` the funded demo account's
  credentials, ``sim.engine``/``sim.clock``/``sim.state`` the internals, and
  ``await sim.control(name, body)`` posts to ``/_sim/<name>``.
* :class:`SimThread` runs the same server in its own thread and event loop (``gmo-tui --demo``:
  the synthetic market never competes with the UI loop): ``start() -> endpoint``, ``stop()``.
* :func:`serve` blocks (``gmo-tui sim``), printing :func:`startup_lines` (the endpoint, the demo
  key/secret, with ``--control`` the control token) and, on stderr, a warning when the address
  is not loopback (:func:`bind_warning`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import uvicorn

from gmo_tui.sim.control_access import CONTROL_TOKEN_HEADER, is_loopback
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.request_body import MAX_BODY_BYTES
from gmo_tui.sim.server import create_app
from gmo_tui.sim.sockets import listening_socket
from gmo_tui.sim.state import SimState

if TYPE_CHECKING:
    import httpx

    from gmo_tui.sim.clock import SimClock
    from gmo_tui.sim.engine import Engine

PULSE_S = 0.1
log = logging.getLogger(__name__)


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves the host's signal handlers alone."""

    _exit_event: asyncio.Event | None = None  # set while main_loop runs

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def request_exit(self) -> None:
        self.should_exit = True
        if self._exit_event is not None:
            self._exit_event.set()

    async def main_loop(self) -> None:
        # uvicorn polls every 0.1 s; wait on an event instead so that stopping is immediate
        self._exit_event = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter += 10  # refresh the Date header on every (one-second) tick
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_event.wait(), 1.0)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's own shutdown sleeps 0.1 s first; the exchange has closed its sockets already
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        deadline = time.monotonic() + 1.0
        while (
            self.server_state.connections or self.server_state.tasks
        ) and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for task in list(self.server_state.tasks):
            task.cancel()
        for server in self.servers:
            await server.wait_closed()


class SimServer:
    """One built-in exchange served over HTTP and WebSocket on ``host:port``."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 42,
        control: bool = False,
        api_key: str | None = None,
        api_secret: str | None = None,
        rates: MarketRates | None = None,
        *,
        frozen: bool = False,
        **options: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.state = SimState(
            seed=seed,
            control=control,
            api_key=api_key,
            api_secret=api_secret,
            rates=rates,
            frozen=frozen,
            **options,
        )
        self.app = create_app(self.state)
        self._server: _EmbeddedServer | None = None
        self._serve_task: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None

    # ------------------------------------------------------------------------ accessors

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_endpoint(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def api_key(self) -> str:
        return self.state.api_key

    @property
    def api_secret(self) -> str:
        return self.state.api_secret

    @property
    def engine(self) -> Engine:
        return self.state.engine

    @property
    def clock(self) -> SimClock:
        return self.state.clock

    def __repr__(self) -> str:
        return f"SimServer(endpoint={self.endpoint!r}, seed={self.state.seed})"

    # ------------------------------------------------------------------------ lifecycle

    async def start(self, sock: socket.socket | None = None) -> str:
        """Serve on ``sock`` (a listening socket, e.g. :func:`listening_socket`'s handed over
        by another process) or on a new one bound to ``host:port``; returns the endpoint."""
        sock = sock or listening_socket(self.host, self.port)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            # leave the host's logging alone: under --demo a stderr handler would paint over the UI
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="websockets-sansio",
            ws_max_size=MAX_BODY_BYTES,  # a bigger message closes the socket (1009)
            # X-Forwarded-For is believed from a proxy on loopback only (whatever
            # FORWARDED_ALLOW_IPS says): the /_sim/ controls trust loopback clients
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1,::1",
            ws_ping_interval=60.0,
            ws_ping_timeout=180.0,  # three missed pongs
            timeout_graceful_shutdown=1,
        )
        self._server = _EmbeddedServer(config)
        self._serve_task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._serve_task.done():
                self._serve_task.result()
                raise RuntimeError("the built-in exchange did not start")
            await asyncio.sleep(0.005)
        self._tasks.append(asyncio.create_task(self._pulse()))
        if not self.state.frozen:
            self._tasks.append(asyncio.create_task(self.state.market.run()))
        return self.endpoint

    async def _pulse(self) -> None:
        while True:
            await asyncio.sleep(PULSE_S)
            try:
                self.state.pulse()
            except Exception:  # keep the exchange alive; say what broke
                log.exception("built-in exchange: time-driven work failed")

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self.state.hub.drop_all(code=1001, reason="server stopping")
        if self._server is not None and self._serve_task is not None:
            self._server.request_exit()
            try:
                await asyncio.wait_for(asyncio.shield(self._serve_task), 3)
            except TimeoutError:
                self._server.force_exit = True
                with contextlib.suppress(Exception):
                    await self._serve_task
        self._server = None
        self._serve_task = None

    async def __aenter__(self) -> SimServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------ test controls

    async def control(self, name: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST ``body`` to ``/_sim/<name>`` and return the JSON reply (raises on HTTP errors)."""
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(base_url=self.endpoint, timeout=10)
        reply = await self._client.post(
            f"/_sim/{name}",
            json=body or {},
            headers={CONTROL_TOKEN_HEADER: self.state.control_token},
        )
        reply.raise_for_status()
        return reply.json()


class SimThread:
    """A :class:`SimServer` in its own thread and event loop."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.sim: SimServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self._run, name="gmo-tui-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the built-in exchange did not start in time")
        if self._error is not None:
            raise RuntimeError(
                f"the built-in exchange failed to start: {self._error}"
            ) from self._error
        assert self.sim is not None
        return self.sim.endpoint

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.sim = SimServer(**self.options)
            await self.sim.start()
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await self.sim.stop()

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None

    @property
    def endpoint(self) -> str:
        assert self.sim is not None
        return self.sim.endpoint

    @property
    def api_key(self) -> str:
        assert self.sim is not None
        return self.sim.api_key

    @property
    def api_secret(self) -> str:
        assert self.sim is not None
        return self.sim.api_secret

    def __enter__(self) -> SimThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def bind_warning(host: str) -> str | None:
    """What to tell the user when ``host`` makes the exchange reachable from other machines."""
    if is_loopback(host):
        return None
    return (
        f"warning: {host or 'every interface'} is not a loopback address: other machines can "
        "reach this exchange (its demo key and secret are printed here, and it speaks plain "
        "HTTP); the /_sim/ controls still answer only loopback clients or the control token"
    )


def startup_lines(sim: SimServer, *, took: float) -> list[str]:
    """What ``gmo-tui sim`` prints once it serves (it holds the demo secret: stdout only)."""
    lines = [
        f"gmo-tui built-in exchange on {sim.endpoint} (seed {sim.state.seed}, "
        f"started in {took:.2f} s)",
        f"  API key:    {sim.api_key}",
        f"  API secret: {sim.api_secret}",
    ]
    if sim.state.control:
        lines.append(f"  test controls: POST {sim.endpoint}/_sim/<name> (application/json)")
        lines.append(
            f"  control token (header {CONTROL_TOKEN_HEADER}, needed off loopback): "
            f"{sim.state.control_token}"
        )
    return lines


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 42,
    control: bool = False,
    api_key: str | None = None,
    api_secret: str | None = None,
    *,
    frozen: bool = False,
    **options: Any,
) -> None:
    """Serve until interrupted (``gmo-tui sim``); prints :func:`startup_lines`. ``options`` go
    to :class:`SimServer` (e.g. ``market=`` for a replay)."""

    async def main() -> None:
        began = time.perf_counter()
        sim = SimServer(host, port, seed, control, api_key, api_secret, frozen=frozen, **options)
        await sim.start()
        print("\n".join(startup_lines(sim, took=time.perf_counter() - began)), flush=True)
        warning = bind_warning(host)
        if warning is not None:
            print(warning, file=sys.stderr, flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await sim.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())

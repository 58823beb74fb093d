"""The demo's built-in exchange in a process of its own: :class:`SimProcess` (the parent's
side) and :func:`main` (the child's: ``python -m gmo_tui.demo_exchange``).

Started in the app's process, the exchange's imports and the demo market's build ran before
the app's own start, one after the other under one interpreter lock; in a child process they
run beside it on another core. The parent binds the listening socket (the port is known at
once; the app's first requests wait in its backlog until the child serves) and hands the
child the socket, the demo account's key and secret and the options on its stdin, never on
its command line. The child serves until its stdin closes: when :meth:`SimProcess.stop`
closes it, or when the parent dies. Its warnings go to its stderr, the parent's log file.
Importing this module imports nothing of the exchange (the child imports it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import signal
import socket
import subprocess
import sys
import threading
from typing import IO, Any

from gmo_tui.sim.sockets import listening_socket

log = logging.getLogger(__name__)

CHILD_MODULE = "gmo_tui.demo_exchange"
STOP_WAIT_S = 5.0


class SimProcess:
    """The built-in exchange with the demo market, served by a child process on loopback.

    ``seed``: the exchange's seed (None: its default); ``log``: where the child's warnings go
    (the app's log file; None: nowhere)."""

    def __init__(
        self, *, seed: int | None = None, log: str | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.seed = seed
        self.log = log
        self.host = host
        self.port = 0
        self.api_key = "demo" + secrets.token_hex(14)
        self.api_secret = secrets.token_hex(18)
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self) -> str:
        """Bind, start the child and return the endpoint at once (the child serves it a moment
        later). Raises ``OSError`` when the socket or the process cannot be made."""
        sock = listening_socket(self.host, 0)
        self.port = sock.getsockname()[1]
        log: IO[bytes] | int = subprocess.DEVNULL
        try:
            if self.log is not None:
                log = open(self.log, "ab")  # noqa: SIM115 - the child holds it; closed below
            self._proc = subprocess.Popen(
                [sys.executable, "-m", CHILD_MODULE],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
                pass_fds=(sock.fileno(),),
            )
            assert self._proc.stdin is not None
            order = {
                "fd": sock.fileno(),
                "host": self.host,
                "seed": self.seed,
                "api_key": self.api_key,
                "api_secret": self.api_secret,
            }
            self._proc.stdin.write(json.dumps(order).encode() + b"\n")
            self._proc.stdin.flush()
        finally:
            sock.close()  # the child has its own copy: a dead child refuses connections
            if not isinstance(log, int):
                log.close()
        return self.endpoint

    def stop(self, timeout: float = STOP_WAIT_S) -> None:
        """Close the child's stdin (it stops serving and exits); kill it after ``timeout``."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass  # already gone
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> int:
    """The child: serve what the parent ordered on stdin until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when the exchange stops
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s sim %(levelname)s %(message)s")
    line = sys.stdin.buffer.readline()
    if not line:
        return 0  # the parent went before it said anything
    order: dict[str, Any] = json.loads(line)
    sock = socket.socket(fileno=int(order["fd"]))
    options: dict[str, Any] = {}
    if order.get("seed") is not None:
        options["seed"] = int(order["seed"])
    from gmo_tui.record.demo_market import demo_market

    try:
        options["market"] = demo_market()
    except (OSError, ValueError):  # a broken install: the demo still runs
        log.warning("the demo market's recording is unreadable; the random walk runs instead")
    asyncio.run(_serve(sock, order, options))
    return 0


async def _serve(sock: socket.socket, order: dict[str, Any], options: dict[str, Any]) -> None:
    from gmo_tui.sim.runner import SimServer

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def wait_for_eof() -> None:
        sys.stdin.buffer.read()  # returns when the parent closes it or dies
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_eof, name="parent-watch", daemon=True).start()
    sim = SimServer(
        host=str(order["host"]),
        api_key=str(order["api_key"]),
        api_secret=str(order["api_secret"]),
        **options,
    )
    await sim.start(sock)
    try:
        await stop.wait()
    finally:
        await sim.stop()


if __name__ == "__main__":
    sys.exit(main())

"""The demo's built-in exchange in a process of its own: :class:`SimProcess`.

Started in the app's process, the exchange's imports and the demo market's build ran before
the app's own start, one after the other under one interpreter lock; in a child process they
run beside it on another core. The parent binds the listening socket (the port is known at
once; the app's first requests wait in its backlog until the child serves) and hands the
child the socket, the demo account's key and secret and the options on its stdin, never on
its command line. The child serves until its stdin closes: when :meth:`SimProcess.stop`
closes it, or when the parent dies. This module imports nothing of the exchange itself.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
from typing import IO

CHILD_MODULE = "gmo_tui.sim.child"
STOP_WAIT_S = 5.0


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (port 0: a free one) for the exchange."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted sockets inherit it: without it small replies wait on delayed ACKs (40 ms)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


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

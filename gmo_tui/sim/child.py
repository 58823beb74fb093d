"""The child process of :class:`~gmo_tui.sim.process.SimProcess`: ``python -m gmo_tui.sim.child``.

Reads one JSON line from stdin (the listening socket's descriptor, host, seed, the demo
account's key and secret), serves the built-in exchange with the demo market on that socket,
and stops when stdin closes. Warnings go to stderr (the parent's log file).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import sys
import threading
from typing import Any

log = logging.getLogger("gmo_tui.sim.child")


def main() -> int:
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

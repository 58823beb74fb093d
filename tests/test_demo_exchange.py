"""The demo's exchange in a child process (gmo_tui/demo_exchange.py): it
serves the demo market with the key it was handed, stops when told, and never outlives its
parent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gmo_tui.demo_exchange import SimProcess
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient


def _gone(pid: int) -> bool:
    """The process has exited (an unreaped zombie counts: it serves nothing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()


def _wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


async def test_serves_the_demo_account_then_stops(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    sim = SimProcess(seed=7, log=str(log))
    endpoint = sim.start()  # at once: the port is bound before the child has started
    assert endpoint == f"http://127.0.0.1:{sim.port}" and sim.port > 0
    pid = sim.pid
    assert pid is not None
    try:
        rest = GmoRestClient(endpoint, Credentials(sim.api_key, sim.api_secret))
        try:
            assets = await rest.get_assets()  # waits in the backlog until the child serves
            assert any(a.symbol == "JPY" and a.amount > 0 for a in assets)
            book = await rest.get_orderbook("BTC")
            assert book.bids and book.asks and book.bids[0].price < book.asks[0].price
        finally:
            await rest.aclose()
        # the key went over the child's stdin, never its command line
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        assert sim.api_secret.encode() not in cmdline and sim.api_key.encode() not in cmdline
    finally:
        sim.stop()
    assert _gone(pid)
    with pytest.raises(httpx.ConnectError):
        httpx.get(endpoint + "/public/v1/status", timeout=2)
    assert sim.api_secret not in log.read_text()


def test_the_child_exits_when_its_parent_dies() -> None:
    parent = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; from gmo_tui.demo_exchange import SimProcess; p = SimProcess(); p.start();"
            " print(p.pid, flush=True); os._exit(0)",  # no stop(): as a kill -9 would leave it
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pid = int(parent.stdout.strip())
    assert _wait_until(lambda: _gone(pid), 20), f"the exchange {pid} outlived its parent"

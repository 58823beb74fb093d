"""Fixtures of the replay tests: a short recording of the built-in exchange, a replay server.

* ``recording``: a few seconds of BTC and BTC_JPY (ticker, orderbooks, trades) recorded from a
  busy built-in exchange on loopback (made once per module).
* ``replay_server``: ``replay_server(path, **options)`` starts a built-in exchange replaying
  ``path`` in its own thread (paused until ``play``), with fast WebSocket command pacing.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gmo_tui.record.replay_source import replay_market
from gmo_tui.record.stream import record
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.runner import SimServer, SimThread
from tests.conftest import SIM_DEFAULTS

SYMBOLS = ("BTC", "BTC_JPY")
SECONDS = 3.0


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("recording") / "market.gmorec"

    async def make() -> None:
        sim = SimServer(**SIM_DEFAULTS, rates=MarketRates.busy(), ws_commands_per_s=100)
        await sim.start()
        try:
            await record(sim.endpoint, SYMBOLS, path, duration=SECONDS, command_interval=0.02)
        finally:
            await sim.stop()

    asyncio.run(make())
    return path


@pytest.fixture
def replay_process() -> Iterator[Callable[..., str]]:
    """``replay_process(path, *args) -> endpoint``: `gmo-tui replay` in a process of its own."""
    procs: list[subprocess.Popen[str]] = []

    def start(path: Path, *args: str) -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gmo_tui", "replay", str(path), "--port", "0", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        for _ in range(5):
            line = proc.stdout.readline()
            if "built-in exchange on " in line:
                return line.split(" on ", 1)[1].split()[0]
        raise AssertionError("gmo-tui replay did not start")

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


@pytest.fixture
def replay_server() -> Iterator[Callable[..., SimThread]]:
    threads: list[SimThread] = []

    def start(path: Path, **options: Any) -> SimThread:
        options.setdefault("autostart", False)
        thread = SimThread(
            **SIM_DEFAULTS, ws_commands_per_s=100, market=replay_market(path, **options)
        )
        thread.start()
        threads.append(thread)
        return thread

    try:
        yield start
    finally:
        for thread in threads:
            thread.stop()

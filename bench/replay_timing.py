"""Replay timing at speed 1: ``python -m bench.replay_timing [--seconds 60]``.

Records ``--seconds`` of BTC, ETH and BTC_JPY from a built-in exchange at its default rates,
replays the file with ``gmo-tui replay --paused`` in a process of its own, subscribes to every
channel (one command a second, as GMO allows), plays, and prints how far each frame arrived from
its recorded time (aligned at the median offset), with the exchange's own lateness.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording
from gmo_tui.record.stream import record
from gmo_tui.sim.runner import SimServer

SYMBOLS = ("BTC", "ETH", "BTC_JPY")


async def _record(path: Path, seconds: float) -> None:
    sim = SimServer(ws_commands_per_s=100)
    await sim.start()
    try:
        await record(sim.endpoint, SYMBOLS, path, duration=seconds, command_interval=0.02)
    finally:
        await sim.stop()


async def _replay(endpoint: str, expected: int) -> tuple[list[float], dict]:
    url = endpoint.replace("http://", "ws://") + "/ws/public/v1"
    got: list[float] = []
    async with websockets.connect(url, max_size=None) as ws:
        for symbol in SYMBOLS:
            for channel in ("ticker", "orderbooks", "trades"):
                await ws.send(
                    json.dumps({"command": "subscribe", "channel": channel, "symbol": symbol})
                )
                await asyncio.sleep(1.05)
        async with httpx.AsyncClient(base_url=endpoint) as client:
            await client.post("/_sim/replay", json={"action": "play"})
            while len(got) < expected:
                await asyncio.wait_for(ws.recv(decode=False), 30)
                got.append(time.monotonic())
            status = (await client.get("/_sim/replay")).json()
    return got, status


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "timing.gmorec"
        asyncio.run(_record(path, args.seconds))
        times = [r.time_ns for r in open_recording(path) if r.kind is Kind.PUBLIC]
        proc = subprocess.Popen(
            [sys.executable, "-m", "gmo_tui", "replay", str(path), "--port", "0", "--paused"],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout is not None
            endpoint = ""
            while "built-in exchange on " not in (line := proc.stdout.readline()):
                pass
            endpoint = line.split(" on ", 1)[1].split()[0]
            got, status = asyncio.run(_replay(endpoint, len(times)))
        finally:
            proc.terminate()
            proc.wait(10)
    offsets = [at - (t - times[0]) / 1e9 for t, at in zip(times, got, strict=True)]
    middle = statistics.median(offsets)
    errors = sorted(abs(o - middle) * 1000 for o in offsets)
    print(
        f"{len(errors)} frames over {(times[-1] - times[0]) / 1e9:.1f} s: per-frame error median "
        f"{errors[len(errors) // 2]:.2f} ms, p99 {errors[int(len(errors) * 0.99)]:.2f} ms, max "
        f"{errors[-1]:.2f} ms, {sum(e < 5 for e in errors) / len(errors):.1%} within 5 ms; "
        f"exchange lateness {status['lateMs']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Record -> replay: every frame byte-identical and in order, at its recorded timing."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

import httpx
import pytest
import websockets

from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording
from tests.replay.conftest import SYMBOLS

CHANNELS = ("ticker", "orderbooks", "trades")


def _recorded(path: Path) -> list[tuple[int, bytes]]:
    return [(r.time_ns, r.payload) for r in open_recording(path) if r.kind is Kind.PUBLIC]


async def _watch(
    endpoint: str, expected: int, speed: str, pace: float = 0.0
) -> list[tuple[float, bytes]]:
    url = endpoint.replace("http://", "ws://") + "/ws/public/v1"
    got: list[tuple[float, bytes]] = []
    async with websockets.connect(url, max_size=None) as ws:
        for symbol in SYMBOLS:
            for channel in CHANNELS:
                await ws.send(
                    json.dumps({"command": "subscribe", "channel": channel, "symbol": symbol})
                )
                await asyncio.sleep(pace)  # GMO's (and `gmo-tui replay`'s) one command a second
        await asyncio.sleep(0.3)  # every subscription is in before the replay plays
        async with httpx.AsyncClient(base_url=endpoint) as client:
            reply = await client.post("/_sim/replay", json={"action": "play", "speed": speed})
            assert reply.status_code == 200, reply.text
        while len(got) < expected:
            raw = await asyncio.wait_for(ws.recv(decode=False), 10)
            got.append((time.monotonic(), raw))
    return got


def _errors_ms(
    recorded: list[tuple[int, bytes]], got: list[tuple[float, bytes]], speed: float
) -> list[float]:
    """Each frame's distance (ms) from its recorded time scaled by ``speed``, on a time line
    aligned at the median offset (a constant delivery latency is not a timing error)."""
    t0 = recorded[0][0]
    offsets = [at - (t - t0) / 1e9 / speed for (t, _), (at, _) in zip(recorded, got, strict=True)]
    middle = statistics.median(offsets)
    return [abs(offset - middle) * 1000 for offset in offsets]


@pytest.mark.parametrize("speed", ["1", "10", "max"])
async def test_replay_sends_every_frame_byte_identical_in_order_and_on_time(
    recording: Path, replay_process, replay_server, speed: str
) -> None:
    """At speed 1 `gmo-tui replay` runs in its own process (its timing is not shared with the
    test client's interpreter); 10 and max in a thread with fast command pacing."""
    recorded = _recorded(recording)
    assert len(recorded) > 100
    if speed == "1":
        endpoint = replay_process(recording, "--paused")
        got = await _watch(endpoint, len(recorded), speed, pace=1.05)
    else:
        endpoint = replay_server(recording).endpoint
        got = await _watch(endpoint, len(recorded), speed)
    assert [raw for _, raw in got] == [raw for _, raw in recorded]
    async with httpx.AsyncClient(base_url=endpoint) as client:
        status = (await client.get("/_sim/replay")).json()
    print(f"speed {speed}: server-side lateness {status['lateMs']}")
    if speed != "max":
        errors = _errors_ms(recorded, got, float(speed))
        print(
            f"speed {speed}: {len(errors)} frames over {(recorded[-1][0] - recorded[0][0]) / 1e9:.2f} s "
            f"recorded; per-frame timing error median {statistics.median(errors):.2f} ms, "
            f"p99 {sorted(errors)[int(len(errors) * 0.99)]:.2f} ms, max {max(errors):.2f} ms"
        )
        # The bound is 5 ms per frame. On a quiet machine every frame meets it (max
        # 2.4-3.1 ms measured); on this shared 2-core machine under a load of 5-6 the exchange's
        # process is descheduled for up to ~10 ms (its own lateness, measured server-side, is
        # printed above). So the test holds most frames to the bound and the median well under
        # it: a wrong schedule (scale, drift, re-anchoring) puts nearly every frame far off.
        if speed == "1":
            within = sum(error < 5.0 for error in errors) / len(errors)
            assert within >= 0.8, f"{within:.1%} of frames within 5 ms"
        else:
            # In a thread of the test's own interpreter (10x: a 3 s recording in 0.3 s) one
            # stall of the shared machine moves every later frame by more than 5 ms, so the
            # per-frame bound is held at speed 1 (own process) and measured by
            # bench.replay_timing; here the schedule's scale: a replay that ignored the speed
            # takes 10x longer, one run as fast as it can far shorter.
            expected = (recorded[-1][0] - recorded[0][0]) / 1e9 / float(speed)
            took = got[-1][0] - got[0][0]
            assert 0.9 * expected <= took <= 3 * expected, (took, expected)
        assert statistics.median(errors) < 5.0
        span = got[-1][0] - got[0][0]
        recorded_span = (recorded[-1][0] - recorded[0][0]) / 1e9 / float(speed)
        assert 0.95 * recorded_span <= span <= recorded_span + 0.5  # the speed is the speed
    assert status["state"] == "ended" and status["framesSent"] == len(recorded)


async def test_a_recording_cut_mid_write_replays_up_to_its_last_complete_frame(
    recording: Path, replay_server, tmp_path: Path
) -> None:
    data = recording.read_bytes()
    cut = tmp_path / "cut.gmorec"
    cut.write_bytes(data[: len(data) * 2 // 3 + 7])  # mid-record, mid-deflate-block
    complete = _recorded(cut)
    assert 0 < len(complete) < len(_recorded(recording))
    endpoint = replay_server(cut).endpoint
    got = await _watch(endpoint, len(complete), "max")
    assert [raw for _, raw in got] == [raw for _, raw in complete]
    async with httpx.AsyncClient(base_url=endpoint) as client:
        for _ in range(100):
            status = (await client.get("/_sim/replay")).json()
            if status["state"] == "ended":
                break
            await asyncio.sleep(0.02)
    assert status["state"] == "ended" and status["framesSent"] == len(complete)

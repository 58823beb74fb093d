"""The headless pieces the app wires to its keys: the record toggle and the replay remote."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.record.controls import RecordToggle, ReplayRemote
from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording
from gmo_tui.record.replay_source import replay_market
from gmo_tui.record.stream import RecordingPublicStream
from tests.replay.test_paper_fills import FRAMES, _write


async def test_the_record_toggle_records_the_apps_stream_while_on(make_sim, tmp_path: Path) -> None:
    sim = await make_sim(ws_commands_per_s=100)
    async with GmoRestClient(sim.endpoint) as rest:
        rules = await rest.get_symbols()
    stream = RecordingPublicStream(sim.endpoint, command_interval=0.02)
    consumer = asyncio.create_task(_consume(stream))
    await stream.subscribe("trades", "BTC")
    await stream.subscribe("orderbooks", "BTC")
    toggle = RecordToggle()
    path = toggle.start(stream, rules, ["BTC"], tmp_path / "recordings")
    assert toggle.recording and toggle.path == path
    await asyncio.sleep(1.5)
    assert toggle.stop() == path and not toggle.recording and stream.writer is None
    await asyncio.sleep(0.5)  # frames after the toggle went off are not written
    await stream.close()
    consumer.cancel()
    recording = open_recording(path)
    assert recording.header.symbols == ("BTC",)
    assert [r["symbol"] for r in recording.header.symbol_rules] == ["BTC"]
    frames = [r for r in recording if r.kind is Kind.PUBLIC]
    assert frames and recording.complete


async def _consume(stream: RecordingPublicStream) -> None:
    async for _ in stream:
        pass


async def test_the_replay_remote(make_sim, tmp_path: Path) -> None:
    path = tmp_path / "r.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False))
    plain = await make_sim()
    async with (
        httpx.AsyncClient(base_url=sim.endpoint) as client,
        httpx.AsyncClient(base_url=plain.endpoint) as other,
    ):
        assert await ReplayRemote(other).status() is None  # not a replay
        remote = ReplayRemote(client)
        assert (await remote.status() or {})["state"] == "paused"
        await remote.step(2)
        assert (await remote.speed("max"))["speed"] == "max"
        with pytest.raises(ValueError, match="speed"):
            await remote.speed("0")
        assert (await remote.play())["state"] in ("playing", "ended")
        for _ in range(100):
            status = await remote.status() or {}
            if status["state"] == "ended":
                break
            await asyncio.sleep(0.01)
        assert status["framesSent"] == len(FRAMES)
        assert (await remote.pause())["state"] == "ended"

"""`gmo-tui record`: every public frame as received, a file cut mid-write, rotation, privacy."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from decimal import Decimal as D
from pathlib import Path

import pytest
import websockets

from gmo_tui.record.format import Header, Kind
from gmo_tui.record.reader import open_recording, parts_of, read_parts
from gmo_tui.record.stream import Pseudonyms, record, redact_private_frame
from gmo_tui.record.writer import RecordingWriter
from gmo_tui.sim.market import MarketRates

FAST = {"command_interval": 0.02}
SYMBOLS = ("BTC", "BTC_JPY")


async def _raw_client(endpoint: str, got: list[bytes], ready: asyncio.Event) -> None:
    url = endpoint.replace("http://", "ws://") + "/ws/public/v1"
    async with websockets.connect(url) as ws:
        for symbol in SYMBOLS:
            for channel in ("ticker", "orderbooks", "trades"):
                await ws.send(
                    json.dumps({"command": "subscribe", "channel": channel, "symbol": symbol})
                )
        ready.set()
        while True:
            got.append(await ws.recv(decode=False))


async def test_record_writes_every_public_frame_byte_identical(make_sim, tmp_path: Path) -> None:
    sim = await make_sim(rates=MarketRates.busy(), ws_commands_per_s=100)
    seen: list[bytes] = []
    ready = asyncio.Event()
    watcher = asyncio.create_task(_raw_client(sim.endpoint, seen, ready))
    await ready.wait()
    out = tmp_path / "rec" / "btc.gmorec"
    result = await record(sim.endpoint, SYMBOLS, out, duration=2.0, **FAST)
    await asyncio.sleep(0.2)
    watcher.cancel()
    await asyncio.gather(watcher, return_exceptions=True)

    recording = open_recording(out)
    assert recording.header.endpoint == sim.endpoint
    assert recording.header.symbols == SYMBOLS
    assert {r["symbol"] for r in recording.header.symbol_rules} == set(SYMBOLS)
    assert recording.header.symbol_rules[0]["tickSize"]
    records = list(recording)
    assert recording.complete
    frames = [r for r in records if r.kind is Kind.PUBLIC]
    assert len(frames) == result.records > 50
    channels = {(json.loads(f.payload)["channel"], json.loads(f.payload)["symbol"]) for f in frames}
    assert channels == {(c, s) for s in SYMBOLS for c in ("ticker", "orderbooks", "trades")}
    times = [f.time_ns for f in frames]
    assert times == sorted(times)
    # byte-identical and in order: the recorded frames are a subsequence of what another client
    # (subscribed to the same channels before the recorder) received from the exchange
    # (less the snapshot each subscriber gets on subscribing: the recorder's own)
    firsts: set[tuple[str, str]] = set()
    shared = []
    for frame in frames:
        data = json.loads(frame.payload)
        key = (data["channel"], data["symbol"])
        if key in firsts or data["channel"] == "trades":
            shared.append(frame.payload)
        firsts.add(key)
    it = iter(seen)
    assert all(any(payload == other for other in it) for payload in shared[:-5])
    mode = stat.S_IMODE(os.stat(out).st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(out.parent).st_mode) == 0o700


def _write(path: Path, n: int, **options: object) -> list[bytes]:
    payloads = [
        json.dumps({"channel": "trades", "i": i, "pad": "x" * (i % 37)}).encode() for i in range(n)
    ]
    writer = RecordingWriter(path, Header(start="", endpoint="e", symbols=("BTC",)), **options)
    for i, payload in enumerate(payloads):
        writer.write(Kind.PUBLIC, payload, time_ns=1_000_000_000 * i)
    writer.close()
    return payloads


def test_a_file_cut_mid_write_reads_up_to_its_last_complete_frame(tmp_path: Path) -> None:
    path = tmp_path / "full.gmorec"
    payloads = _write(path, 300)
    data = path.read_bytes()
    for cut in (len(data) - 1, len(data) * 2 // 3, len(data) // 3, 200):
        cut_path = tmp_path / f"cut{cut}.gmorec"
        cut_path.write_bytes(data[:cut])
        recording = open_recording(cut_path)
        got = [r.payload for r in recording]
        assert not recording.complete
        assert got == payloads[: len(got)]  # a prefix, nothing garbled
        if cut > len(data) // 2:
            assert len(got) > 100
    # the writer's own crash: the process dies with the file open (no Z_FINISH, no close)
    crash = tmp_path / "crash.gmorec"
    writer = RecordingWriter(crash, Header(start="", endpoint="e", symbols=("BTC",)))
    for payload in payloads[:50]:
        writer.write(Kind.PUBLIC, payload)
    assert [r.payload for r in open_recording(crash)] == payloads[:50]
    writer.close()


def test_rotation_by_size_and_by_time(tmp_path: Path) -> None:
    base = tmp_path / "rot.gmorec"
    payloads = _write(base, 400, rotate_bytes=2000)
    parts = parts_of(base)
    assert len(parts) > 2
    headers = {h.part for h, _ in read_parts(base)}
    assert headers == set(range(len(parts)))
    assert [r.payload for _, r in read_parts(base)] == payloads
    timed = tmp_path / "timed.gmorec"
    clock = iter(range(0, 10**12, 10**9))  # one second per call
    writer = RecordingWriter(
        timed,
        Header(start="", endpoint="e", symbols=("BTC",)),
        rotate_seconds=5,
        clock_ns=lambda: next(clock),
    )
    for payload in payloads[:20]:
        writer.write(Kind.PUBLIC, payload)
    writer.close()
    assert len(parts_of(timed)) >= 3
    assert [r.payload for _, r in read_parts(timed)] == payloads[:20]


def test_a_recording_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "one.gmorec"
    _write(path, 3)
    with pytest.raises(FileExistsError, match="never overwritten"):
        RecordingWriter(path, Header(start="", endpoint="e", symbols=("BTC",)))
    assert len(list(open_recording(path))) == 3


def test_private_frames_are_redacted() -> None:
    from gmo_tui import redact

    token = "tok_" + "Q" * 40
    redact.register_secret(token)
    try:
        frame = json.dumps(
            {
                "channel": "executionEvents",
                "orderId": 123456789,
                "executionId": 72123911,
                "positionId": 1234,
                "price": "900000",
                "note": f"/ws/private/v1/{token}",
            }
        ).encode()
        names = Pseudonyms(b"k" * 32)
        out = redact_private_frame(frame, names)
        text = out.decode()
        assert "123456789" not in text and "72123911" not in text and token not in text
        data = json.loads(out)
        assert data["price"] == "900000" and data["orderId"] == names(123456789)
        assert redact_private_frame(frame, names) == out  # stable pseudonyms link events
    finally:
        redact.forget_secret(token)


def test_cli_record_against_the_built_in_exchange(tmp_path: Path, capsys) -> None:
    from gmo_tui.cli import main
    from gmo_tui.sim.runner import SimThread
    from tests.conftest import SIM_DEFAULTS

    out = tmp_path / "cli.gmorec"
    with SimThread(**SIM_DEFAULTS) as sim:
        assert (
            main(
                [
                    "record",
                    "--symbols",
                    "BTC",
                    "--out",
                    str(out),
                    "--endpoint",
                    sim.endpoint,
                    "--duration",
                    "1.5",
                ]
            )
            == 0
        )
        assert (
            main(
                [
                    "record",
                    "--symbols",
                    "NOPE",
                    "--out",
                    str(tmp_path / "x"),
                    "--endpoint",
                    sim.endpoint,
                ]
            )
            == 2
        )
    assert "unknown symbol(s) NOPE" in capsys.readouterr().err
    frames = [r for r in open_recording(out) if r.kind is Kind.PUBLIC]
    assert frames and json.loads(frames[0].payload)["symbol"] == "BTC"
    assert main(["record", "--symbols", "BTC", "--out", str(out), "--duration", "-1"]) == 2


async def test_private_frames_only_when_asked_and_redacted(make_sim, tmp_path: Path) -> None:
    from gmo_tui.exchange.auth import Credentials
    from gmo_tui.exchange.rest import GmoRestClient

    sim = await make_sim(ws_commands_per_s=100)
    credentials = Credentials(sim.api_key, sim.api_secret)
    out = tmp_path / "private.gmorec"
    stop = asyncio.Event()
    task = asyncio.create_task(
        record(sim.endpoint, ("BTC",), out, stop=stop, credentials=credentials, **FAST)
    )
    async with GmoRestClient(sim.endpoint, credentials) as rest:
        await asyncio.sleep(1.0)  # the private subscriptions are in
        bid = (await rest.get_orderbook("BTC")).bids[-1].price
        order_id = await rest.place_order("BTC", "BUY", "LIMIT", D("0.01"), price=bid)
        await rest.cancel_order(order_id)
        await asyncio.sleep(0.5)
    stop.set()
    await task
    recording = open_recording(out)
    assert recording.header.private
    private = [json.loads(r.payload) for r in recording if r.kind is Kind.PRIVATE]
    orders = [p for p in private if p["channel"] == "orderEvents"]
    assert [o["msgType"] for o in orders] == ["NOR", "COR"]
    assert orders[0]["orderId"] == orders[1]["orderId"] != order_id
    assert all(str(order_id) not in json.dumps(p) for p in private)
    # never without asking
    plain = tmp_path / "plain.gmorec"
    await record(sim.endpoint, ("BTC",), plain, duration=0.5, **FAST)
    assert not open_recording(plain).header.private
    assert not [r for r in open_recording(plain) if r.kind is Kind.PRIVATE]


def test_a_write_failure_stops_the_recording_not_the_stream(tmp_path: Path) -> None:
    from gmo_tui.exchange import models
    from gmo_tui.record.stream import RecordingPublicStream

    path = tmp_path / "full.gmorec"
    writer = RecordingWriter(path, Header(start="", endpoint="e", symbols=("BTC",)))
    stream = RecordingPublicStream("http://127.0.0.1:9", writer=writer)
    errors: list[OSError] = []
    stream.failure.on_error = errors.append
    frame = b'{"channel":"trades","price":"1","side":"BUY","size":"1","timestamp":"2026-11-30T01:00:00.000Z","symbol":"BTC"}'
    assert isinstance(stream.decode_frame(frame), models.TradeEvent)
    os.close(writer._fd)  # the disk goes away under the writer
    assert isinstance(stream.decode_frame(frame), models.TradeEvent)  # the stream goes on
    assert stream.writer is None and len(errors) == 1 and stream.failure.error is errors[0]
    assert [r.payload for r in open_recording(path)] == [frame]  # what was written reads back

"""Smoke tests of the benchmark scripts (bench/): they run and measure something real.

No timing assertions: only that the stream is deterministic, that both ingest paths apply every
frame, that the instrumented exchange stamps a marked frame a real client receives, and that
the pty harness timestamps output.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

import msgspec
import websockets

from bench import ingest, stream
from bench.harness import AppPty, Sim, cpu_seconds, rss_bytes


def test_stream_is_deterministic_and_has_every_channel() -> None:
    a = stream.generate(1.0, seed=7)
    b = stream.generate(1.0, seed=7)
    c = stream.generate(1.0, seed=8)
    assert a == b
    assert a != c
    info = stream.describe(a)
    assert set(info["by_channel"]) == {"orderbooks", "trades", "ticker"}
    # busy rates for 3 symbols over one second: 10 books and 10 tickers each, ~30 trades each
    assert info["by_channel"]["orderbooks"] == 30
    assert info["by_channel"]["ticker"] == 30
    assert 85 <= info["by_channel"]["trades"] <= 95
    first_book = next(f for f in a if f.startswith(b'{"channel":"orderbooks"'))
    assert len(msgspec.json.decode(first_book)["bids"]) == 25


def test_ingest_runs_both_sides_and_reports_a_ratio() -> None:
    result = ingest.bench(seconds=0.5, reps=1, seed=42)
    ours = result["gmo_tui_msgs_per_s"]
    theirs = result["pybotters_msgs_per_s"]
    assert ours["n"] == 1 and ours["median"] > 0
    assert theirs["n"] == 1 and theirs["median"] > 0
    assert result["ratio_of_medians"] == ours["median"] / theirs["median"]


def test_proc_readers_see_this_process() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert cpu_seconds(os.getpid()) >= before
    assert rss_bytes(os.getpid()) > 1_000_000


def test_pty_output_is_timestamped() -> None:
    # the child stays until the test ends: a pty whose child has exited may drop its last
    # output before the reader took it (Linux hands it over from a work queue)
    code = (
        "import time; print('warming'); time.sleep(0.2); print('marker-xyz', flush=True);"
        " time.sleep(30)"
    )
    with AppPty([sys.executable, "-c", code]) as app:
        t0 = time.monotonic()
        seen = app.wait_for(b"marker-xyz", 0, timeout=10)
        assert seen is not None and seen >= t0
        assert app.wait_for(b"never-printed", 0, timeout=0.2) is None
        assert app.bytes_between(0, time.monotonic() + 1) == len(app.buffer) > 0
        assert app.offset > 0  # the screen log: the rows the output changed


def test_marked_trade_is_stamped_and_received() -> None:
    async def client(endpoint: str, sim: Sim) -> tuple[dict, dict]:
        url = endpoint.replace("http://", "ws://") + "/ws/public/v1"
        async with websockets.connect(url) as ws:
            await ws.send(
                json.dumps({"command": "subscribe", "channel": "trades", "symbol": "BTC"})
            )
            await asyncio.sleep(0.3)
            reply = await asyncio.to_thread(
                sim.command, {"cmd": "mark_trade", "symbol": "BTC", "size": "7.4321"}
            )
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if frame.get("size") == "7.4321":
                    return reply, frame

    with Sim(seed=42, frozen=True) as sim:
        reply, frame = asyncio.run(client(sim.endpoint, sim))
        assert frame["channel"] == "trades" and frame["symbol"] == "BTC"
        assert reply["sent"] <= time.monotonic()
        assert sim.command({"cmd": "stats"})["sent"]["trades"] >= 1


def test_slow_link_reader_takes_small_chunks_and_loses_nothing() -> None:
    """The slow-link pty reader (bench/slowlink.py) reads at most 5 ms of its rate at a time
    and still gets every byte; the by-column breakdown attributes bytes to cursor moves."""
    from bench.termbytes import bytes_by_column

    code = (
        "import sys, time; sys.stdout.write('\\x1b[1;5H' + 'x' * 20000); sys.stdout.flush();"
        " time.sleep(30)"  # alive until the test ends (see test_pty_output_is_timestamped)
    )
    with AppPty([sys.executable, "-c", code], read_bytes_per_s=200_000, delay_s=0.05) as app:
        assert app.wait_for(b"x" * 100, 0, timeout=20) is not None
        deadline = time.monotonic() + 20
        while app.buffer.count(b"x") < 20000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert app.buffer.count(b"x") == 20000
        ends = [end for end, _ in app.chunks]
        sizes = [b - a for a, b in zip([0, *ends[:-1]], ends, strict=True)]
        assert max(sizes) <= 1000  # 5 ms at 200,000 bytes/s
        by_column = bytes_by_column(bytes(app.buffer), 1.0)
        assert by_column["col 5"] >= 20000


def test_a_marker_written_in_pieces_is_found_on_the_screen() -> None:
    """An app that writes only the cells that changed sends ``7.0123`` over ``7.0122`` as
    ``3``: the bytes never hold the marker, the screen does, and wait_for finds it there."""
    code = (
        "import sys, time; w = sys.stdout.write; w('\\x1b[3;5H7.0122'); sys.stdout.flush();"
        "time.sleep(0.3); w('\\x1b[38;2;1;2;3m\\x1b[3;10H3\\x1b[0m'); sys.stdout.flush();"
        "time.sleep(30)"  # alive until the test ends (see test_pty_output_is_timestamped)
    )
    with AppPty([sys.executable, "-c", code], cols=40, rows=5) as app:
        seen = app.wait_for(b"7.0123", 0, timeout=5)
        assert seen is not None
        assert b"7.0123" not in bytes(app.buffer)
        assert app.screen_text().splitlines()[2] == "    7.0123" + " " * 30
        assert app.wait_for(b"7.0122", 0, timeout=1) is not None  # shown before the change
        assert app.time_at(0) <= seen


def test_coldstart_ab_starts_the_demo_and_times_its_first_book() -> None:
    from bench.coldstart_ab import main as coldstart_ab

    result = coldstart_ab(["--rounds", "1", "this=-"])
    assert result["this"]["n"] == 1 and 0 < result["this"]["median"] < 30

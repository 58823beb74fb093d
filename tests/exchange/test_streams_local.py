"""The public stream's connection loop against a tiny loopback WebSocket server.

Decoding into typed events, bad frames and server errors, paced (re)subscription, reconnect
with capped full-jitter backoff for every kind of failure, per-subscription staleness while
pings continue, oversized frames, and a clean close.
"""

from __future__ import annotations

import asyncio
import socket
import time
from decimal import Decimal
from http import HTTPStatus

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import PublicChannel, Side
from gmo_tui.exchange.streams import (
    Backoff,
    BadFrame,
    CommandPacer,
    PublicStream,
    Received,
    ServerError,
    StreamState,
    StreamStatus,
    ws_url,
)
from tests.exchange.test_streams_support import FakeGmo, Recorder

TICKER = {
    "channel": "ticker",
    "ask": "750760",
    "bid": "750600",
    "high": "762302",
    "last": "756662",
    "low": "704874",
    "symbol": "BTC",
    "timestamp": "2018-03-30T12:34:56.789Z",
    "volume": "194785.8484",
}
BOOK = {
    "channel": "orderbooks",
    "asks": [{"price": "455659", "size": "0.1"}, {"price": "455660", "size": "0.2"}],
    "bids": [{"price": "455655", "size": "0.1"}, {"price": "455650", "size": "0.3"}],
    "symbol": "BTC",
    "timestamp": "2018-03-30T12:34:56.789Z",
}
TRADE = {
    "channel": "trades",
    "price": "750760",
    "side": "BUY",
    "size": "0.1",
    "timestamp": "2018-03-30T12:34:56.789Z",
    "symbol": "BTC",
}

FAST = {"command_interval": 0.02, "backoff_base": 0.02, "max_backoff": 0.1, "open_timeout": 2.0}


def is_state(state: StreamState, channel: str | None = None, symbol: str | None = None):
    def check(item: object) -> bool:
        return (
            isinstance(item, StreamStatus)
            and item.state is state
            and item.channel == channel
            and (symbol is None or item.symbol == symbol)
        )

    return check


def is_event(kind: type):
    return lambda item: isinstance(item, Received) and isinstance(item.event, kind)


@pytest.fixture
async def fake():
    server = FakeGmo()
    await server.start()
    yield server
    await server.stop()


async def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


def test_ws_url_is_derived_from_the_base_url() -> None:
    assert ws_url("https://api.coin.z.com", "/ws/public/v1") == "wss://api.coin.z.com/ws/public/v1"
    assert ws_url("http://127.0.0.1:8765/", "/ws/public/v1") == "ws://127.0.0.1:8765/ws/public/v1"


async def test_frames_of_every_public_channel_decode_into_typed_events(fake: FakeGmo) -> None:
    stream = PublicStream(fake.endpoint, **FAST)
    for channel in PublicChannel:
        await stream.subscribe(channel, "BTC")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.CONNECTING))
    await rec.wait_for(is_state(StreamState.LIVE))
    await wait_until(lambda: len(fake.commands) == 3)
    assert [body for _, _, body in fake.commands] == [
        {"command": "subscribe", "channel": "ticker", "symbol": "BTC"},
        {"command": "subscribe", "channel": "orderbooks", "symbol": "BTC"},
        {"command": "subscribe", "channel": "trades", "symbol": "BTC"},
    ]
    before = time.time()
    for frame in (TICKER, BOOK, TRADE):
        await fake.send_all(frame)
    ticker = await rec.wait_for(is_event(models.TickerEvent))
    book = await rec.wait_for(is_event(models.OrderBookEvent))
    trade = await rec.wait_for(is_event(models.TradeEvent))
    assert ticker.event.ask == Decimal("750760") and ticker.event.symbol == "BTC"
    assert ticker.received_at >= before
    assert [level.price for level in book.event.asks] == [Decimal("455659"), Decimal("455660")]
    assert book.event.bids[1].size == Decimal("0.3")
    assert trade.event.side is Side.BUY and trade.event.size == Decimal("0.1")
    assert stream.counters["frames"] == 3
    await rec.stop()
    assert isinstance(rec.items[-1], StreamStatus) and rec.items[-1].state is StreamState.DOWN


async def test_bad_frames_and_server_errors_are_yielded_and_counted_not_raised(
    fake: FakeGmo,
) -> None:
    stream = PublicStream(fake.endpoint, **FAST)
    await stream.subscribe("ticker", "BTC")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    await fake.send_all("not json at all {")
    await fake.send_all({**TICKER, "ask": "not a number"})
    await fake.send_all({**TICKER, "channel": "candles"})
    await fake.send_all({**TICKER, "ask": "NaN"})
    await fake.send_all({"error": "ERR-5003 Request too many."})
    await fake.send_all(TICKER)
    await rec.wait_for(is_event(models.TickerEvent))
    bad = rec.of(BadFrame)
    assert len(bad) == 4 and all(b.stream == "public" and b.size > 0 for b in bad)
    assert "malformed" in bad[0].reason.lower() or "json" in bad[0].reason.lower()
    assert "$.ask" in bad[1].reason
    assert rec.of(ServerError) == [ServerError("public", "ERR-5003 Request too many.")]
    assert stream.counters["bad_frames"] == 4
    assert stream.counters["server_errors"] == 1
    assert stream.counters["reconnects"] == 0
    await rec.stop()


async def test_err_5003_resends_the_refused_command_once(fake: FakeGmo) -> None:
    async def refuse_first(ws, body):
        if len(fake.commands) == 1:
            await ws.send('{"error": "ERR-5003 Request too many."}')

    fake.on_command = refuse_first
    stream = PublicStream(fake.endpoint, **FAST)
    await stream.subscribe("orderbooks", "ETH")
    rec = Recorder(stream)
    await rec.wait_for(lambda i: isinstance(i, ServerError))
    await wait_until(lambda: len(fake.commands) == 2)
    assert fake.commands[0][2] == fake.commands[1][2]
    assert fake.commands[1][0] - fake.commands[0][0] >= 1.05  # waited out the exchange's window
    await asyncio.sleep(0.1)
    assert len(fake.commands) == 2
    await rec.stop()


async def test_commands_are_paced_and_every_subscription_is_restored_after_a_drop(
    fake: FakeGmo,
) -> None:
    interval = 0.15
    stream = PublicStream(fake.endpoint, **{**FAST, "command_interval": interval})
    await stream.subscribe("ticker", "BTC")
    await stream.subscribe("orderbooks", "BTC")
    await stream.subscribe("trades", "BTC", "TAKER_ONLY")
    await stream.subscribe("ticker", "ETH")
    rec = Recorder(stream)
    await wait_until(lambda: len(fake.commands_on(1)) == 4)
    await fake.drop()
    status = await rec.wait_for(is_state(StreamState.RECONNECTING))
    assert "attempt 1" in status.detail and "reconnect in" in status.detail
    assert status.reconnects == 1
    await rec.wait_for(is_state(StreamState.LIVE))
    await wait_until(lambda: len(fake.commands_on(2)) == 4)
    assert fake.commands_on(2) == fake.commands_on(1)
    assert {
        "command": "subscribe",
        "channel": "trades",
        "symbol": "BTC",
        "option": "TAKER_ONLY",
    } in (fake.commands_on(2))
    for connection in (1, 2):
        times = fake.times_on(connection)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= interval - 0.01, gaps
    assert stream.counters["reconnects"] == 1
    assert stream.counters["commands_sent"] == 8
    await rec.stop()


async def test_subscribing_twice_replaces_the_option_and_unsubscribe_is_not_restored(
    fake: FakeGmo,
) -> None:
    stream = PublicStream(fake.endpoint, **FAST)
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    await stream.subscribe("trades", "BTC")
    await stream.subscribe("trades", "BTC", "TAKER_ONLY")
    await stream.subscribe("ticker", "XRP")
    await wait_until(lambda: len(fake.commands_on(1)) >= 2)
    trades = [body for body in fake.commands_on(1) if body["channel"] == "trades"]
    assert trades[-1].get("option") == "TAKER_ONLY"
    assert len(trades) == 1  # the second subscribe replaced the first before it was sent
    assert [(s.channel, s.symbol, s.option) for s in stream.subscriptions] == [
        ("trades", "BTC", "TAKER_ONLY"),
        ("ticker", "XRP", None),
    ]
    await stream.unsubscribe("ticker", "XRP")
    await wait_until(
        lambda: (
            {"command": "unsubscribe", "channel": "ticker", "symbol": "XRP"} in fake.commands_on(1)
        )
    )
    await fake.drop(abort=True)
    await rec.wait_for(is_state(StreamState.RECONNECTING))
    await wait_until(lambda: len(fake.commands_on(2)) == 1)
    await asyncio.sleep(0.1)
    assert fake.commands_on(2) == [
        {"command": "subscribe", "channel": "trades", "symbol": "BTC", "option": "TAKER_ONLY"}
    ]
    await rec.stop()


async def test_a_silent_subscription_turns_stale_while_pings_continue_then_live_again(
    fake: FakeGmo,
) -> None:
    stream = PublicStream(
        fake.endpoint,
        **FAST,
        stale_after=0.4,
        watch_interval=0.05,
        ping_interval=0.1,
        ping_timeout=1.0,
    )
    await stream.subscribe("ticker", "BTC")
    await stream.subscribe("ticker", "ETH")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    await wait_until(lambda: len(fake.commands) == 2)

    async def feed_btc():
        while True:
            await fake.send_all(TICKER)
            await asyncio.sleep(0.05)

    feeder = asyncio.create_task(feed_btc())
    try:
        stale = await rec.wait_for(is_state(StreamState.STALE, "ticker"), timeout=3)
        assert stale.symbol == "ETH" and "no ticker frame" in stale.detail
        await asyncio.sleep(0.5)
        assert [s.symbol for s in rec.of(StreamStatus) if s.state is StreamState.STALE] == ["ETH"]
        await fake.send_all({**TICKER, "symbol": "ETH"})
        live = await rec.wait_for(is_state(StreamState.LIVE, "ticker", "ETH"))
        assert live.symbol == "ETH"
    finally:
        feeder.cancel()
    assert stream.counters["reconnects"] == 0
    assert len(fake.connections) == 1
    await rec.stop()


async def test_staleness_thresholds_are_per_channel(fake: FakeGmo) -> None:
    stream = PublicStream(
        fake.endpoint,
        **FAST,
        stale_after=0.2,
        stale_after_by_channel={"orderbooks": None},
        watch_interval=0.05,
    )
    await stream.subscribe("orderbooks", "BTC")
    await stream.subscribe("trades", "BTC")
    await stream.subscribe("ticker", "BTC")
    rec = Recorder(stream)
    first = await rec.wait_for(is_state(StreamState.STALE, "ticker"), timeout=3)
    assert first.symbol == "BTC"
    # trades default to six times stale_after: still quiet-but-fine here
    assert not [s for s in rec.of(StreamStatus) if s.channel == "trades"]
    await rec.wait_for(is_state(StreamState.STALE, "trades"), timeout=3)
    await asyncio.sleep(0.2)
    assert not [s for s in rec.of(StreamStatus) if s.channel == "orderbooks"]
    await rec.stop()


async def test_reconnect_backoff_grows_with_full_jitter_up_to_the_cap_then_gives_up() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stream = PublicStream(
        f"http://127.0.0.1:{port}",
        backoff_base=0.01,
        max_backoff=0.05,
        max_attempts=5,
        rng=lambda: 1.0,
    )
    rec = Recorder(stream)
    down = await rec.wait_for(is_state(StreamState.DOWN))
    assert "gave up after 5 attempts" in down.detail
    retries = [s for s in rec.of(StreamStatus) if s.state is StreamState.RECONNECTING]
    assert [s.detail.split(" s ")[0] for s in retries] == [
        "reconnect in 0.0",
        "reconnect in 0.0",
        "reconnect in 0.0",
        "reconnect in 0.1",
        "reconnect in 0.1",
    ]
    assert all("OSError" in s.detail or "ConnectionRefused" in s.detail for s in retries)
    assert [s.reconnects for s in retries] == [1, 2, 3, 4, 5]
    await asyncio.wait_for(rec.task, 2)


def test_backoff_is_full_jitter_and_capped() -> None:
    backoff = Backoff(0.5, 30.0, rng=lambda: 1.0)
    assert [backoff.delay(n) for n in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert Backoff(0.5, 30.0, rng=lambda: 0.0).delay(7) == 0.0
    assert backoff.delay(10_000) == 30.0
    half = Backoff(0.5, 30.0, rng=lambda: 0.5)
    assert half.delay(3) == 1.0


async def test_the_pacer_spaces_commands_by_its_interval_on_an_injected_clock() -> None:
    now = [100.0]
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = CommandPacer(1.05, clock=lambda: now[0], sleep=fake_sleep)
    taken = [await pacer.acquire() for _ in range(4)]
    assert taken == pytest.approx([100.0, 101.05, 102.1, 103.15])
    now[0] += 5
    assert await pacer.acquire() == pytest.approx(108.15)
    assert len(slept) == 3


@pytest.mark.parametrize(
    "fault",
    ["maintenance_503", "tcp_accept_then_silence", "garbage_handshake", "abort_mid_stream"],
)
async def test_every_failure_kind_is_retried_until_the_server_is_healthy(
    fake: FakeGmo, fault: str
) -> None:
    stream = PublicStream(fake.endpoint, **{**FAST, "open_timeout": 0.3})
    await stream.subscribe("ticker", "BTC")
    cleanup = []
    if fault == "maintenance_503":
        fake.refuse_status = HTTPStatus.SERVICE_UNAVAILABLE
        expect = "InvalidStatus"
    elif fault in ("tcp_accept_then_silence", "garbage_handshake"):
        await fake.stop()
        writers = []

        async def bad_server(reader, writer):
            writers.append(writer)
            if fault == "garbage_handshake":
                await reader.read(100)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
                await writer.drain()
                writer.close()

        server = await asyncio.start_server(bad_server, "127.0.0.1", fake.port)
        cleanup.append((server, writers))
        expect = "TimeoutError" if fault == "tcp_accept_then_silence" else "Invalid"
    else:
        expect = "ConnectionClosedError"
    rec = Recorder(stream)
    if fault == "abort_mid_stream":
        await rec.wait_for(is_state(StreamState.LIVE))
        await fake.drop(abort=True)
    status = await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    assert expect in status.detail, status.detail
    if fault != "abort_mid_stream":  # a persistent fault: retried again, still no exception
        again = await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
        assert "(attempt 2)" in again.detail
    # heal the exchange: the stream comes back by itself
    for server, writers in cleanup:
        server.close()
        for writer in writers:
            writer.close()
        await server.wait_closed()
        await fake.start(fake.port)
    fake.refuse_status = None
    await rec.wait_for(is_state(StreamState.LIVE), timeout=5)
    await wait_until(
        lambda: (
            {"command": "subscribe", "channel": "ticker", "symbol": "BTC"}
            in [body for _, _, body in fake.commands]
        )
    )
    assert not rec.task.done()
    await rec.stop()


async def test_an_invalid_uri_is_reported_and_retried_not_raised() -> None:
    stream = PublicStream("http://[not-a-host", backoff_base=0.01, max_backoff=0.02, max_attempts=2)
    rec = Recorder(stream)
    first = await rec.wait_for(is_state(StreamState.RECONNECTING))
    assert "Invalid" in first.detail or "ValueError" in first.detail
    await rec.wait_for(is_state(StreamState.DOWN))


async def test_backoff_resets_after_a_stable_connection(fake: FakeGmo) -> None:
    stream = PublicStream(fake.endpoint, **FAST, stable_after=0.0, rng=lambda: 1.0)
    rec = Recorder(stream)
    for _ in range(3):
        await rec.wait_for(is_state(StreamState.LIVE))
        await fake.drop()
        status = await rec.wait_for(is_state(StreamState.RECONNECTING))
        assert "(attempt 1)" in status.detail
    await rec.stop()


async def test_an_oversized_frame_is_counted_and_the_stream_reconnects(fake: FakeGmo) -> None:
    stream = PublicStream(fake.endpoint, **FAST, max_size=1000)
    await stream.subscribe("orderbooks", "BTC")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    big = {**BOOK, "asks": [{"price": str(455659 + i), "size": "0.1"} for i in range(100)]}
    await fake.send_all(big)
    bad = await rec.wait_for(lambda i: isinstance(i, BadFrame))
    assert "max_size" in bad.reason
    await rec.wait_for(is_state(StreamState.RECONNECTING))
    await rec.wait_for(is_state(StreamState.LIVE))
    await fake.send_all(BOOK)
    await rec.wait_for(is_event(models.OrderBookEvent))
    assert stream.counters["oversized"] == 1 and stream.counters["bad_frames"] == 1
    await rec.stop()


async def test_close_during_backoff_ends_the_iteration_promptly_with_down() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stream = PublicStream(
        f"http://127.0.0.1:{port}", backoff_base=30.0, max_backoff=30.0, rng=lambda: 1.0
    )
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.RECONNECTING))
    started = time.monotonic()
    await rec.stop()
    assert time.monotonic() - started < 2
    assert rec.items[-1] == StreamStatus("public", StreamState.DOWN, detail="closed", reconnects=1)


async def test_close_before_iterating_yields_only_down() -> None:
    stream = PublicStream("http://127.0.0.1:9")
    await stream.close()
    items = [item async for item in stream]
    assert [i.state for i in items] == [StreamState.DOWN]


async def test_a_stream_can_be_iterated_again_after_the_consumer_stopped(fake: FakeGmo) -> None:
    stream = PublicStream(fake.endpoint, **FAST)
    await stream.subscribe("ticker", "BTC")
    async for item in stream:
        if isinstance(item, StreamStatus) and item.state is StreamState.LIVE:
            break  # the worker stopped: the loop and socket end with it
    await wait_until(lambda: not fake.live)
    rec = Recorder(stream)  # a new worker: a fresh loop, subscriptions re-sent
    first = await rec.wait_for(lambda i: isinstance(i, StreamStatus))
    assert first.state is StreamState.CONNECTING
    await rec.wait_for(is_state(StreamState.LIVE))
    await wait_until(lambda: len(fake.commands_on(2)) == 1)
    await rec.stop()
    assert [item async for item in stream] == []  # closed and drained: ends at once

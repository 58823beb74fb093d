"""The streams against the built-in exchange (offline, 127.0.0.1, random port).

One test per channel (3 public + TAKER_ONLY, 4 private), reconnect after the exchange drops
every socket with the re-subscription paced at >= 1 s and every subscription restored, a
silenced channel turning STALE while pings continue, malformed frames counted but not fatal,
maintenance, and the token lifecycle on the exchange's clock: extended past 30 minutes,
recreated after expiry or deletion, deleted on close, never in a status or log line.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.exchange.streams import (
    BadFrame,
    PrivateStream,
    PublicStream,
    Received,
    ServerError,
    StreamState,
    StreamStatus,
    TokenManager,
)
from tests.exchange.test_streams_local import is_event, is_state, wait_until
from tests.exchange.test_streams_support import Recorder

QUICK = {"command_interval": 0.05, "backoff_base": 0.05, "max_backoff": 0.2}


@pytest.fixture
async def rest(sim):
    client = GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret, source="test"))
    yield client
    await client.aclose()


async def open_position(rest: GmoRestClient) -> int:
    return await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))


def server_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log lines of the app's side (the exchange's own server logs are not the app's)."""
    return [
        r.getMessage()
        for r in caplog.records
        if not r.name.startswith(("websockets.server", "uvicorn", "gmo_tui.sim"))
    ]


# ---------------------------------------------------------------------------- public channels


@pytest.mark.parametrize(
    ("channel", "option", "kind"),
    [
        ("ticker", None, models.TickerEvent),
        ("orderbooks", None, models.OrderBookEvent),
        ("trades", None, models.TradeEvent),
        ("trades", "TAKER_ONLY", models.TradeEvent),
    ],
    ids=["ticker", "orderbooks", "trades", "trades-TAKER_ONLY"],
)
async def test_public_channel(sim, channel: str, option: str | None, kind: type) -> None:
    await sim.control("rates", {"trades_per_s": 40, "books_per_s": 20, "tickers_per_s": 20})
    stream = PublicStream(sim.endpoint, **QUICK)
    await stream.subscribe(channel, "BTC", option)
    rec = Recorder(stream)
    got = await rec.wait_for(is_event(kind), timeout=10)
    assert got.event.symbol == "BTC"
    if kind is models.OrderBookEvent:
        assert got.event.asks and got.event.bids
        assert got.event.asks[0].price > got.event.bids[0].price
    elif kind is models.TickerEvent:
        assert got.event.ask >= got.event.bid > 0
    else:
        assert got.event.size > 0 and got.event.price > 0
    sent = [body for _, body in stream.command_log]
    expected = {"command": "subscribe", "channel": channel, "symbol": "BTC"}
    if option:
        expected["option"] = option
    assert sent == [expected]
    assert not rec.of(ServerError) and not rec.of(BadFrame)
    await rec.stop()


# ---------------------------------------------------------------------------- private channels


@pytest.mark.parametrize(
    ("channel", "kind", "msg_types"),
    [
        ("executionEvents", models.ExecutionEvent, {"ER"}),
        ("orderEvents", models.OrderEvent, {"NOR", "ER"}),
        ("positionEvents", models.PositionEvent, {"OPR"}),
    ],
    ids=["executionEvents", "orderEvents", "positionEvents"],
)
async def test_private_channel(sim, rest, channel: str, kind: type, msg_types: set[str]) -> None:
    stream = PrivateStream(rest, sim.endpoint, **QUICK)
    await stream.subscribe(channel)
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    await asyncio.sleep(0.1)  # the exchange has the subscription
    order_id = await open_position(rest)
    got = await rec.wait_for(is_event(kind), timeout=10)
    assert got.event.symbol == "BTC_JPY"
    assert got.event.msg_type in msg_types
    if hasattr(got.event, "order_id"):
        assert got.event.order_id == order_id
    await rec.stop()
    assert stream.tokens.counters["created"] == 1 and stream.tokens.counters["deleted"] == 1


async def test_private_channel_position_summary_periodic(sim, rest) -> None:
    await open_position(rest)
    stream = PrivateStream(rest, sim.endpoint, **QUICK)
    await stream.subscribe("positionSummaryEvents", "PERIODIC")
    rec = Recorder(stream)
    init = await rec.wait_for(is_event(models.PositionSummaryEvent), timeout=10)
    assert init.event.msg_type == "INIT" and init.event.symbol == "BTC_JPY"
    assert init.event.sum_position_quantity == Decimal("0.01")
    await sim.control("clock", {"advance": 5.5})
    periodic = await rec.wait_for(is_event(models.PositionSummaryEvent), timeout=10)
    assert periodic.event.msg_type == "PERIODIC"
    assert stream.command_log[-1][1] == {
        "command": "subscribe",
        "channel": "positionSummaryEvents",
        "option": "PERIODIC",
    }
    await rec.stop()


async def test_position_summaries_are_not_stale_while_the_account_holds_no_position(
    sim, rest
) -> None:
    """GMO sends positionSummaryEvents per position summary: with no position there is none to
    send (no INIT, no PERIODIC), and that silence is not STALE; with one, silence is."""
    summaries = await rest.get_position_summary()  # the exchange's records: nothing held
    assert summaries == []
    stream = PrivateStream(
        rest,
        sim.endpoint,
        **QUICK,
        stale_after=0.3,
        watch_interval=0.05,
        holds_positions=lambda: bool(summaries),
    )
    await stream.subscribe("positionSummaryEvents", "PERIODIC")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    await asyncio.sleep(1.0)  # three stale limits of silence, as the exchange's rules predict
    assert not rec.of(models.PositionSummaryEvent)
    assert not [s for s in rec.of(StreamStatus) if s.state is StreamState.STALE]

    await open_position(rest)
    summaries = await rest.get_position_summary()
    assert summaries
    # now a PERIODIC frame is due every 5 s: 0.3 s of silence is STALE again
    stale = await rec.wait_for(is_state(StreamState.STALE, "positionSummaryEvents"), timeout=5)
    assert stale.symbol is None
    await rec.stop()


# ---------------------------------------------------------------------------- reconnects


async def test_resubscription_after_a_drop_is_paced_and_complete(sim) -> None:
    await sim.control("rates", {"trades_per_s": 40, "books_per_s": 20, "tickers_per_s": 20})
    stream = PublicStream(sim.endpoint, backoff_base=0.05, max_backoff=0.2)  # real 1.05 s pacing
    wanted = [("ticker", "BTC", None), ("orderbooks", "ETH", None), ("trades", "BTC", "TAKER_ONLY")]
    for channel, symbol, option in wanted:
        await stream.subscribe(channel, symbol, option)
    rec = Recorder(stream)
    await wait_until(lambda: stream.counters["commands_sent"] == 3, timeout=10)
    dropped = await sim.control("drop_sockets")
    assert dropped["dropped"] == 1
    status = await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    assert "1012" in status.detail
    await wait_until(lambda: stream.counters["commands_sent"] == 6, timeout=10)
    times = [at for at, _ in stream.command_log]
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False)), times
    resent = [body for _, body in list(stream.command_log)[3:]]
    assert resent == [body for _, body in list(stream.command_log)[:3]]
    # the exchange holds every subscription again and streams them all
    await asyncio.sleep(0.1)
    (conn,) = sim.state.hub.conns
    assert set(conn.subs) == {(c, s) for c, s, _ in wanted}
    start = len(rec.items)
    await rec.wait_for(
        lambda i: rec.items.index(i) >= start and is_event(models.TickerEvent)(i), 10
    )
    await rec.wait_for(is_event(models.OrderBookEvent), timeout=10)
    await rec.wait_for(is_event(models.TradeEvent), timeout=10)
    assert not rec.of(ServerError)  # never ERR-5003
    await rec.stop()


async def test_maintenance_is_retried_until_the_exchange_reopens(sim) -> None:
    stream = PublicStream(sim.endpoint, **QUICK)
    await stream.subscribe("ticker", "BTC")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    await sim.control("status", {"status": "MAINTENANCE"})
    await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    refused = await rec.wait_for(
        lambda i: is_state(StreamState.RECONNECTING)(i) and "503" in i.detail, timeout=5
    )
    assert "InvalidStatus" in refused.detail
    await sim.control("status", {"status": "OPEN"})
    await rec.wait_for(is_state(StreamState.LIVE), timeout=5)
    await rec.wait_for(is_event(models.TickerEvent), timeout=10)
    await rec.stop()


async def test_a_silenced_channel_goes_stale_while_the_socket_keeps_ponging(sim) -> None:
    await sim.control("rates", {"books_per_s": 20, "tickers_per_s": 20})
    await sim.control("limits", {"ws_commands_per_s": 50})
    stream = PublicStream(
        sim.endpoint,
        **QUICK,
        stale_after=0.6,
        stale_after_by_channel={"orderbooks": 5.0},  # books come only when the book changes
        watch_interval=0.05,
        ping_interval=0.1,
        ping_timeout=0.5,
    )
    await stream.subscribe("ticker", "BTC")
    await stream.subscribe("orderbooks", "BTC")
    rec = Recorder(stream)
    await rec.wait_for(is_event(models.TickerEvent), timeout=10)
    await sim.control("silence", {"channels": ["ticker"]})
    stale = await rec.wait_for(is_state(StreamState.STALE, "ticker"), timeout=5)
    assert stale.symbol == "BTC"
    books_before = len([i for i in rec.items if is_event(models.OrderBookEvent)(i)])
    await asyncio.sleep(1.0)  # ten ping/pong rounds with the ticker silent
    assert len([i for i in rec.items if is_event(models.OrderBookEvent)(i)]) > books_before
    assert stream.counters["reconnects"] == 0
    assert not [s for s in rec.of(StreamStatus) if s.channel == "orderbooks"]
    await sim.control("silence", {})
    await rec.wait_for(is_state(StreamState.LIVE, "ticker", "BTC"), timeout=5)
    await rec.stop()


async def test_malformed_frames_are_counted_and_the_stream_goes_on(sim) -> None:
    await sim.control("rates", {"books_per_s": 30})
    await sim.control("chaos", {"malformed": 0.5})
    stream = PublicStream(sim.endpoint, **QUICK)
    await stream.subscribe("orderbooks", "BTC")
    rec = Recorder(stream)
    await wait_until(lambda: stream.counters["bad_frames"] >= 2, timeout=10)
    await wait_until(lambda: stream.counters["frames"] >= 2, timeout=10)
    bad = rec.of(BadFrame)
    assert bad and all(b.stream == "public" and b.size > 0 for b in bad)
    assert stream.counters["reconnects"] == 0
    await rec.stop()


# ---------------------------------------------------------------------------- the private token


async def test_token_extended_on_the_exchange_clock_keeps_the_socket(
    sim, rest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    now = [0.0]

    async def advance(seconds: float) -> None:  # the exchange first, then our token clock
        await sim.control("clock", {"advance": seconds})
        now[0] += seconds

    tokens = TokenManager(rest, extend_every=30 * 60, clock=lambda: now[0])
    stream = PrivateStream(rest, sim.endpoint, **QUICK, tokens=tokens, token_check_interval=0.02)
    await stream.subscribe("orderEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    await advance(31 * 60)
    await wait_until(lambda: tokens.counters["extended"] == 1, timeout=10)
    await advance(45 * 60)  # 76 min after creation: alive only because it was extended
    await wait_until(lambda: tokens.counters["extended"] == 2, timeout=10)
    await asyncio.sleep(0.2)
    assert stream.counters["reconnects"] == 0 and tokens.counters["created"] == 1
    order_id = await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    event = await rec.wait_for(is_event(models.OrderEvent), timeout=10)
    assert event.event.order_id == order_id
    await rec.stop()
    assert (await sim.control("state"))["tokens"] == 0  # deleted on close
    texts = [repr(i) for i in rec.items] + server_lines(caplog)
    texts += [repr(stream), repr(tokens)]
    assert all("/ws/private/v1/" not in t or "/ws/private/v1/<token>" in t for t in texts)


async def test_an_expired_token_is_recreated_and_the_socket_reconnects(
    sim, rest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    original = rest.create_ws_token

    async def spy() -> str:
        token = await original()
        seen.append(token)
        return token

    rest.create_ws_token = spy  # type: ignore[method-assign]
    stream = PrivateStream(rest, sim.endpoint, **QUICK)
    await stream.subscribe("executionEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    await sim.control("clock", {"advance": 61 * 60})  # never extended: the token dies
    dropped = await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    assert "1008" in dropped.detail
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    assert len(seen) == 2 and seen[0] != seen[1]
    await asyncio.sleep(0.1)
    order_id = await open_position(rest)
    execution = await rec.wait_for(is_event(models.ExecutionEvent), timeout=10)
    assert execution.event.order_id == order_id
    await rec.stop()
    everything = [repr(i) for i in rec.items] + server_lines(caplog)
    everything += [repr(stream), repr(stream.tokens), stream.tokens.last_error]
    for token in seen:
        assert not [line for line in everything if token in line]


async def test_a_deleted_token_is_recreated_and_the_socket_reconnects(sim, rest) -> None:
    stream = PrivateStream(rest, sim.endpoint, **QUICK)
    await stream.subscribe("orderEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    first = await stream.tokens.get()
    await rest.delete_ws_token(first)  # e.g. evicted by a sixth token
    await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    assert stream.tokens.counters["created"] == 2
    assert (await stream.tokens.get()) != first
    assert all(first not in repr(i) for i in rec.items)
    await rec.stop()


async def test_the_private_stream_survives_maintenance_with_a_new_token(sim, rest) -> None:
    stream = PrivateStream(rest, sim.endpoint, **QUICK)
    await stream.subscribe("orderEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    await sim.control("status", {"status": "MAINTENANCE"})
    await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    await rec.wait_for(is_state(StreamState.RECONNECTING), timeout=5)
    await sim.control("status", {"status": "OPEN"})
    await rec.wait_for(is_state(StreamState.LIVE), timeout=10)
    assert stream.tokens.counters["created"] == 2
    order_id = await open_position(rest)
    event = await rec.wait_for(is_event(models.OrderEvent), timeout=10)
    assert event.event.order_id == order_id
    assert all(isinstance(i, StreamStatus | Received) for i in rec.items)
    await rec.stop()


async def test_private_stream_stops_when_the_exchange_rejects_the_key(sim) -> None:
    """Issue 10, finding 8: a wrong secret is not retried forever; the stream ends DOWN with
    the exchange's reason (and never the secret)."""
    bad = GmoRestClient(sim.endpoint, Credentials(sim.api_key, "wrong-secret", source="test"))
    stream = PrivateStream(bad, sim.endpoint, **QUICK)
    await stream.subscribe("orderEvents")
    items = []

    async def drain() -> None:
        async for item in stream:
            items.append(item)

    try:
        await asyncio.wait_for(drain(), 10)  # the iteration ends by itself
    finally:
        await stream.close()
        await bad.aclose()
    states = [i.state for i in items if isinstance(i, StreamStatus)]
    assert states[-1] is StreamState.DOWN and StreamState.RECONNECTING not in states
    detail = [i for i in items if isinstance(i, StreamStatus)][-1].detail
    assert "ERR-5010" in detail and "AuthenticationError" in detail
    assert "wrong-secret" not in detail
    assert stream.counters["reconnects"] == 0

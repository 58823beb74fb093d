"""The private stream and its token against a loopback WebSocket server and a fake ws-auth.

Typed private events with ``msgType``, LIVE only after every subscription is sent, the token
extended on schedule and replaced (with a reconnect to the new URL) when extension fails or
the token died, deleted on close, and never visible in statuses, reprs or log lines.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from decimal import Decimal

import pytest

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import PrivateChannel
from gmo_tui.exchange.errors import ErrorMessage, MaintenanceError
from gmo_tui.exchange.streams import (
    BadFrame,
    PrivateStream,
    Received,
    StreamState,
    StreamStatus,
    TokenManager,
)
from tests.exchange.test_streams_local import FAST, is_event, is_state, wait_until
from tests.exchange.test_streams_support import FakeGmo, Recorder

EXECUTION = {
    "channel": "executionEvents",
    "orderId": 123456789,
    "executionId": 72123911,
    "symbol": "BTC_JPY",
    "settleType": "OPEN",
    "executionType": "LIMIT",
    "side": "BUY",
    "executionPrice": "877404",
    "executionSize": "0.5",
    "positionId": 123456789,
    "orderTimestamp": "2019-03-19T02:15:06.081Z",
    "executionTimestamp": "2019-03-19T02:15:06.081Z",
    "lossGain": "0",
    "fee": "323",
    "orderPrice": "877200",
    "orderSize": "0.8",
    "orderExecutedSize": "0.7",
    "timeInForce": "FAS",
    "msgType": "ER",
}
ORDER = {
    "channel": "orderEvents",
    "orderId": 123456789,
    "symbol": "BTC_JPY",
    "settleType": "OPEN",
    "executionType": "LIMIT",
    "side": "BUY",
    "orderStatus": "CANCELED",
    "cancelType": "USER",
    "orderTimestamp": "2019-03-19T02:15:06.081Z",
    "orderPrice": "876045",
    "orderSize": "0.8",
    "orderExecutedSize": "0",
    "losscutPrice": "0",
    "timeInForce": "FAS",
    "msgType": "NOR",
}
POSITION = {
    "channel": "positionEvents",
    "positionId": 1234567,
    "symbol": "BTC_JPY",
    "side": "BUY",
    "size": "0.22",
    "orderdSize": "0",
    "price": "876045",
    "lossGain": "14",
    "leverage": "4",
    "losscutPrice": "766540",
    "timestamp": "2019-03-19T02:15:06.094Z",
    "msgType": "OPR",
}
SUMMARY = {
    "channel": "positionSummaryEvents",
    "symbol": "BTC_JPY",
    "side": "BUY",
    "averagePositionRate": "1014484",
    "positionLossGain": "18",
    "sumOrderQuantity": "0.01",
    "sumPositionQuantity": "0.03",
    "timestamp": "2020-06-24T09:53:19.702Z",
    "msgType": "PERIODIC",
}


class FakeWsAuth:
    """The three ws-auth calls; tokens it issued are valid at the fake server until dropped."""

    def __init__(self, server: FakeGmo) -> None:
        self.server = server
        self.live: set[str] = set()
        server.valid_tokens = self.live
        self.issued: list[str] = []
        self.extended: list[str] = []
        self.deleted: list[str] = []
        self.fail_create = False
        self.fail_extend = False

    async def create_ws_token(self) -> str:
        if self.fail_create:
            raise MaintenanceError(5, [ErrorMessage("ERR-5201", "maintenance")], path="/v1/ws-auth")
        token = secrets.token_urlsafe(24)
        self.issued.append(token)
        self.live.add(token)
        return token

    async def extend_ws_token(self, token: str) -> None:
        if self.fail_extend or token not in self.live:
            raise RuntimeError(f"cannot extend token {token}")  # echoes it: must be redacted
        self.extended.append(token)

    async def delete_ws_token(self, token: str) -> None:
        self.deleted.append(token)
        self.live.discard(token)


@pytest.fixture
async def fake():
    server = FakeGmo()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def auth(fake: FakeGmo) -> FakeWsAuth:
    return FakeWsAuth(fake)


def client_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every captured log line except the loopback test server's own."""
    return [r.getMessage() for r in caplog.records if not r.name.startswith("websockets.server")]


def assert_no_token(auth: FakeWsAuth, texts: list[str]) -> None:
    assert auth.issued
    for text in texts:
        for token in auth.issued:
            assert token not in text, "a token leaked"


async def test_private_frames_decode_by_channel_and_keep_msg_type(
    fake: FakeGmo, auth: FakeWsAuth
) -> None:
    stream = PrivateStream(auth, fake.endpoint, **FAST)
    for channel in PrivateChannel:
        await stream.subscribe(channel)
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    # LIVE only once every subscription went out (the back-fill point after a reconnect)
    assert len(fake.commands) == 4
    assert fake.paths == [f"/ws/private/v1/{auth.issued[0]}"]
    assert [body for _, _, body in fake.commands] == [
        {"command": "subscribe", "channel": channel.value} for channel in PrivateChannel
    ]
    for frame in (EXECUTION, ORDER, POSITION, SUMMARY):
        await fake.send_all(frame)
    execution = await rec.wait_for(is_event(models.ExecutionEvent))
    order = await rec.wait_for(is_event(models.OrderEvent))
    position = await rec.wait_for(is_event(models.PositionEvent))
    summary = await rec.wait_for(is_event(models.PositionSummaryEvent))
    assert execution.event.msg_type == "ER" and execution.event.execution_size == Decimal("0.5")
    assert execution.event.position_id == 123456789
    assert order.event.msg_type == "NOR" and order.event.cancel_type == "USER"
    assert position.event.msg_type == "OPR" and position.event.leverage == Decimal("4")
    assert summary.event.msg_type == "PERIODIC"
    await rec.stop()
    assert auth.deleted == auth.issued  # clean close deletes the token


async def test_token_is_extended_when_due_without_reconnecting(
    fake: FakeGmo, auth: FakeWsAuth
) -> None:
    now = [1000.0]
    tokens = TokenManager(auth, extend_every=1800, clock=lambda: now[0])
    stream = PrivateStream(auth, fake.endpoint, **FAST, tokens=tokens, token_check_interval=0.02)
    await stream.subscribe("orderEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    await asyncio.sleep(0.1)
    assert auth.extended == []
    now[0] += 1799
    await asyncio.sleep(0.1)
    assert auth.extended == []
    now[0] += 2
    await wait_until(lambda: len(auth.extended) == 1)
    assert auth.extended == auth.issued
    now[0] += 1801
    await wait_until(lambda: len(auth.extended) == 2)
    assert stream.counters["reconnects"] == 0 and len(auth.issued) == 1
    assert stream.tokens.counters["extended"] == 2
    await rec.stop()


async def test_failed_extension_takes_a_new_token_and_reconnects_with_its_url(
    fake: FakeGmo, auth: FakeWsAuth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    now = [0.0]
    tokens = TokenManager(auth, extend_every=60, clock=lambda: now[0])
    stream = PrivateStream(auth, fake.endpoint, **FAST, tokens=tokens, token_check_interval=0.02)
    await stream.subscribe("executionEvents")
    await stream.subscribe("positionSummaryEvents", "PERIODIC")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    first = auth.issued[0]
    auth.fail_extend = True
    now[0] += 61
    status = await rec.wait_for(is_state(StreamState.RECONNECTING))
    assert "token renewed" in status.detail
    await rec.wait_for(is_state(StreamState.LIVE))
    assert len(auth.issued) == 2
    assert fake.paths[-1] == f"/ws/private/v1/{auth.issued[1]}"
    assert first in auth.deleted  # the failed one is dropped (best effort)
    await wait_until(lambda: len(fake.commands_on(2)) == 2)
    assert fake.commands_on(2) == [
        {"command": "subscribe", "channel": "executionEvents"},
        {"command": "subscribe", "channel": "positionSummaryEvents", "option": "PERIODIC"},
    ]
    await rec.stop()
    texts = [repr(item) for item in rec.items] + client_lines(caplog)
    texts += [repr(stream), repr(stream.tokens), str(stream.tokens), stream.tokens.last_error]
    assert_no_token(auth, texts)
    assert "<token>" in stream.tokens.last_error
    assert repr(stream).endswith("subscriptions=2)") and "/ws/private/v1/<token>" in repr(stream)


async def test_a_dead_token_is_replaced_after_the_socket_is_dropped(
    fake: FakeGmo, auth: FakeWsAuth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stream = PrivateStream(auth, fake.endpoint, **FAST)
    await stream.subscribe("orderEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    auth.live.clear()  # the exchange forgot every token (maintenance, expiry)
    await fake.drop()
    await rec.wait_for(is_state(StreamState.RECONNECTING))
    await rec.wait_for(is_state(StreamState.LIVE))
    assert len(auth.issued) == 2 and fake.paths[-1].endswith(auth.issued[1])
    await fake.send_all(ORDER)
    await rec.wait_for(is_event(models.OrderEvent))
    await rec.stop()
    assert_no_token(auth, [repr(i) for i in rec.items] + client_lines(caplog))


async def test_a_refused_socket_is_retried_with_a_new_token_and_nothing_leaks(
    fake: FakeGmo, auth: FakeWsAuth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.valid_tokens = set()  # the server refuses every token: 401 on the handshake
    stream = PrivateStream(auth, fake.endpoint, **FAST)
    rec = Recorder(stream)
    refused = await rec.wait_for(is_state(StreamState.RECONNECTING))
    assert "InvalidStatus" in refused.detail and "401" in refused.detail
    await rec.wait_for(is_state(StreamState.RECONNECTING))
    fake.valid_tokens = auth.live
    await rec.wait_for(is_state(StreamState.LIVE))
    await rec.stop()
    assert len(auth.issued) >= 2
    logged = client_lines(caplog)
    assert any("/ws/private/v1/<token>" in line for line in logged), logged[:10]
    assert_no_token(auth, [repr(i) for i in rec.items] + logged)


async def test_rest_failure_while_getting_a_token_is_retried(
    fake: FakeGmo, auth: FakeWsAuth
) -> None:
    auth.fail_create = True
    stream = PrivateStream(auth, fake.endpoint, **FAST)
    rec = Recorder(stream)
    status = await rec.wait_for(is_state(StreamState.RECONNECTING))
    assert "MaintenanceError" in status.detail and "ERR-5201" in status.detail
    auth.fail_create = False
    await rec.wait_for(is_state(StreamState.LIVE))
    assert len(auth.issued) == 1
    await rec.stop()
    assert auth.deleted == auth.issued


async def test_bad_private_frames_never_carry_frame_content(
    fake: FakeGmo, auth: FakeWsAuth
) -> None:
    stream = PrivateStream(auth, fake.endpoint, **FAST)
    await stream.subscribe("orderEvents")
    rec = Recorder(stream)
    await rec.wait_for(is_state(StreamState.LIVE))
    await fake.send_all({**ORDER, "side": "SECRET-SIDE"})
    await fake.send_all({**ORDER, "orderPrice": "Infinity"})
    await fake.send_all({**ORDER, "orderId": "secret-id"})
    await fake.send_all(ORDER)
    await rec.wait_for(is_event(models.OrderEvent))
    bad = rec.of(BadFrame)
    assert len(bad) == 3 and stream.counters["bad_frames"] == 3
    for frame in bad:
        assert "SECRET" not in frame.reason and "secret" not in frame.reason
        assert "Infinity" not in frame.reason and "inf" not in frame.reason.lower()
    assert "$.side" in bad[0].reason
    await rec.stop()


async def test_only_periodic_position_summaries_go_stale_on_silence(
    fake: FakeGmo, auth: FakeWsAuth
) -> None:
    stream = PrivateStream(auth, fake.endpoint, **FAST, stale_after=0.25, watch_interval=0.05)
    await stream.subscribe("executionEvents")
    await stream.subscribe("orderEvents")
    await stream.subscribe("positionEvents")
    await stream.subscribe("positionSummaryEvents", "PERIODIC")
    rec = Recorder(stream)
    stale = await rec.wait_for(is_state(StreamState.STALE, "positionSummaryEvents"), timeout=3)
    assert stale.symbol is None
    await fake.send_all(SUMMARY)
    await rec.wait_for(is_state(StreamState.LIVE, "positionSummaryEvents"))
    # without PERIODIC the summary is event-driven: never stale
    await stream.subscribe("positionSummaryEvents")
    await asyncio.sleep(0.6)
    flagged = {s.channel for s in rec.of(StreamStatus) if s.state is StreamState.STALE}
    assert flagged == {"positionSummaryEvents"}
    assert len([s for s in rec.of(StreamStatus) if s.state is StreamState.STALE]) == 1
    assert any(isinstance(i, Received) for i in rec.items)
    await rec.stop()


async def test_close_without_ever_connecting_deletes_nothing_and_yields_down(
    auth: FakeWsAuth,
) -> None:
    stream = PrivateStream(auth, "http://127.0.0.1:9")
    await stream.close()
    assert [item.state async for item in stream] == [StreamState.DOWN]
    assert auth.issued == [] and auth.deleted == []

"""Signing: known-answer vectors, and the client signs exactly the bytes it sends."""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal

import httpx
import pytest

from gmo_tui.exchange.auth import Credentials, sign
from gmo_tui.exchange.rest import GmoRestClient

SECRET = "my-secret"
KEY = "my-api-key-123"
OK_TIME = "2026-11-25T03:00:00.000Z"

# Computed outside Python with `printf '%s' TEXT | openssl dgst -sha256 -hmac my-secret`.
VECTORS = [
    (
        "GET",
        "/v1/account/margin",
        b"",
        "609c5753d898fb054fa657451310376c0a718fff4c3cb15fcc832bb6326a89d3",
    ),
    (
        "POST",
        "/v1/order",
        b'{"symbol":"BTC","side":"BUY","executionType":"LIMIT","price":"100","size":"0.01"}',
        "9d03d752a96529c4b54f4c5e2f1793cec4cf8ab6d14a18b3c57c2d2ad1cd27b6",
    ),
    # PUT signs no body even though it sends {"token": ...}
    (
        "PUT",
        "/v1/ws-auth",
        b'{"token":"abc"}',
        "a9f0c89891e1bf6bb65e7c195f870c6681d5b056a6b69011b9d0bc857edd5eb8",
    ),
    (
        "POST",
        "/v1/ws-auth",
        b"{}",
        "29aacbc7c3d50a2f92c9e9cd00de940a91969c01910ba8f7e762b47d19aa9334",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), VECTORS)
def test_known_answer_vectors(method: str, path: str, body: bytes, expected: str) -> None:
    assert sign(SECRET, "1700000000000", method, path, body) == expected


def _hmac(text: bytes) -> str:
    return hmac.new(SECRET.encode(), text, hashlib.sha256).hexdigest()


class Recorder:
    """A MockTransport handler that answers every path with a plausible success."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        data: object = None
        if path.endswith("/status"):
            data = {"status": "OPEN"}
        elif path.endswith("/v1/order"):
            data = "123"
        elif path.endswith("/ws-auth") and request.method == "POST":
            data = "tok"
        elif path.endswith("/account/margin"):
            data = {
                "actualProfitLoss": "1",
                "availableAmount": "1",
                "margin": "0",
                "marginCallStatus": "NORMAL",
                "marginRatio": "0",
                "profitLoss": "0",
                "transferableAmount": "1",
            }
        elif path.endswith("/orders"):
            data = {"list": []}
        body: dict[str, object] = {"status": 0, "responsetime": OK_TIME}
        if data is not None:
            body["data"] = data
        return httpx.Response(200, json=body)

    def private(self) -> list[httpx.Request]:
        return [r for r in self.requests if "/private/" in r.url.path]


def _client(recorder: Recorder) -> GmoRestClient:
    return GmoRestClient(
        "http://sim.test", Credentials(KEY, SECRET), transport=httpx.MockTransport(recorder)
    )


def _check_signature(request: httpx.Request, signed_body: bytes) -> None:
    ts = request.headers["API-TIMESTAMP"]
    assert ts.isdigit()
    path = request.url.path.removeprefix("/private")
    assert path.startswith("/v1/")
    expected = _hmac(ts.encode() + request.method.encode() + path.encode() + signed_body)
    assert request.headers["API-SIGN"] == expected
    assert request.headers["API-KEY"] == KEY


async def test_post_signs_exactly_the_bytes_sent() -> None:
    rec = Recorder()
    async with _client(rec) as client:
        order_id = await client.place_order(
            "BTC", "BUY", "LIMIT", Decimal("0.0100"), price=Decimal("5000000")
        )
    assert order_id == 123
    [req] = rec.private()
    assert req.headers["Content-Type"] == "application/json"
    _check_signature(req, req.content)
    assert json.loads(req.content) == {
        "symbol": "BTC",
        "side": "BUY",
        "executionType": "LIMIT",
        "price": "5000000",
        "size": "0.0100",
    }


async def test_get_signs_path_without_query() -> None:
    rec = Recorder()
    async with _client(rec) as client:
        await client.get_orders([1, 2])
    [req] = rec.private()
    assert req.url.query == b"orderId=1%2C2"
    _check_signature(req, b"")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_put_and_delete_send_the_token_but_sign_no_body(method: str) -> None:
    rec = Recorder()
    async with _client(rec) as client:
        if method == "PUT":
            await client.extend_ws_token("the-token")
        else:
            await client.delete_ws_token("the-token")
    [req] = rec.private()
    assert req.method == method
    assert json.loads(req.content) == {"token": "the-token"}
    _check_signature(req, b"")


async def test_ws_token_create_signs_empty_object() -> None:
    rec = Recorder()
    async with _client(rec) as client:
        assert await client.create_ws_token() == "tok"
    [req] = rec.private()
    assert req.content == b"{}"
    _check_signature(req, b"{}")


async def test_public_calls_carry_no_credentials() -> None:
    rec = Recorder()
    async with _client(rec) as client:
        await client.get_status()
    [req] = rec.requests
    assert "API-KEY" not in req.headers and "API-SIGN" not in req.headers


async def test_timestamp_is_local_time_plus_server_offset() -> None:
    rec = Recorder()
    async with _client(rec) as client:
        client.clock.reset()
        client.clock.add_sample(server_s=1000.0 + 5.0, sent_wall_s=1000.0, rtt_s=0.0)
        assert client.clock.offset_ms == 5000
        client.clock._wall = lambda: 1_700_000_000.0  # freeze local time for the check
        await client.get_margin()
    [req] = rec.private()
    assert req.headers["API-TIMESTAMP"] == str(1_700_000_000_000 + 5000)

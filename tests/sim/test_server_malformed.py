"""Malformed headers, queries and bodies get GMO's error envelope, never an HTTP 500.

The codes are the ones the real exchange documents for the field at fault: ERR-5007 for an
API-TIMESTAMP that is not a plain number, ERR-5010 for a malformed API-SIGN, ERR-5207 for a kline
date out of range, ERR-5106 for any other invalid parameter or body (deep nesting included);
an unknown path is HTTP 404 with ERR-5204. The ``/_sim/`` controls answer their own
``{"ok": false, "error"}`` with HTTP 400.
"""

from __future__ import annotations

import json

import httpx

from gmo_tui.exchange.auth import sign
from tests.sim.test_server_support import Gmo, code_of, stamp

DEEP = 10_000  # levels: under the body limit, far over Python's recursion limit


DEEP_BODIES = {
    "array": b"[" * DEEP + b"]" * DEEP,
    "object": b'{"a":' * DEEP + b"1" + b"}" * DEEP,
    "inner": b'{"symbol": "BTC", "size": ' + b"[" * DEEP + b"]" * DEEP + b"}",
}


def _deep(kind: str) -> bytes:
    return DEEP_BODIES[kind]


async def _still_serving(sim) -> None:
    async with Gmo(sim) as gmo:
        assert (await gmo.public("/v1/ticker", symbol="BTC"))["status"] == 0
        assert (await gmo.get("/v1/account/assets"))["status"] == 0


async def test_deeply_nested_json_on_a_signed_order_is_5106(sim) -> None:
    async with Gmo(sim) as gmo:
        for kind in ("array", "object", "inner"):
            reply = await gmo.send("POST", "/v1/order", raw=_deep(kind))
            assert code_of(reply) == "ERR-5106", kind
    await _still_serving(sim)


async def test_deeply_nested_json_on_controls_is_400(sim) -> None:
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        for name in ("rates", "state", "account", "silence"):
            for kind in ("array", "object", "inner"):
                reply = await client.post(
                    f"/_sim/{name}",
                    content=_deep(kind),
                    headers={"Content-Type": "application/json"},
                )
                assert reply.status_code == 400, (name, kind)
                assert reply.json()["ok"] is False
    await _still_serving(sim)


async def test_deeply_nested_websocket_command_is_invalid(sim) -> None:
    from tests.sim.test_server_support import connect, recv_json

    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(_deep("object").decode())
        assert (await recv_json(ws))["error"].startswith("ERR-5106")


async def test_malformed_auth_headers_get_their_codes(sim) -> None:
    path = "/v1/account/margin"
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:

        async def code(key: bytes, ts: bytes, signature: bytes) -> str:
            headers = [(b"API-KEY", key), (b"API-TIMESTAMP", ts), (b"API-SIGN", signature)]
            reply = await client.get("/private" + path, headers=headers)
            assert reply.status_code == 200, reply.text
            return code_of(reply.json())

        key = sim.api_key.encode()
        ts = stamp(clock=sim.clock)
        good = sign(sim.api_secret, ts, "GET", path).encode()
        # a non-ASCII signature (UTF-8 and Latin-1 bytes)
        assert await code(key, ts.encode(), "é".encode() * 32) == "ERR-5010"
        assert await code(key, ts.encode(), b"\xe9" * 64) == "ERR-5010"
        assert await code(key, ts.encode(), good[:-1] + "²".encode()) == "ERR-5010"
        # digits that are not ASCII digits: superscript two in Latin-1 and UTF-8
        for stamp_bytes in (b"\xb2", "²".encode(), b"\xb2" * 13, ts.encode()[:-1] + b"\xb9"):
            assert await code(key, stamp_bytes, good) == "ERR-5007", stamp_bytes
        # a key that is not ASCII is simply unknown
        assert await code("ключ".encode(), ts.encode(), good) == "ERR-5012"
        assert await code(b"\xff\xfe", ts.encode(), good) == "ERR-5012"
    await _still_serving(sim)


async def test_kline_dates_out_of_range_never_fail(sim) -> None:
    async with Gmo(sim) as gmo:
        for interval in ("4hour", "8hour", "12hour", "1day", "1week", "1month"):
            reply = await gmo.public("/v1/klines", symbol="BTC", interval=interval, date="9999")
            assert reply["status"] == 0 and reply["data"] == [], interval
        for date in ("99991231", "00000000", "20211399"):
            reply = await gmo.public("/v1/klines", symbol="BTC", interval="1min", date=date)
            assert reply["status"] == 0 and reply["data"] == [] or code_of(reply) == "ERR-5207"
        for date in ("0000", "²⁰²⁴", "2O24", "1e10"):
            reply = await gmo.public("/v1/klines", symbol="BTC", interval="1day", date=date)
            assert code_of(reply) == "ERR-5207", date
        this_year = sim.clock.now().year
        reply = await gmo.public("/v1/klines", symbol="BTC", interval="1day", date=str(this_year))
        assert reply["status"] == 0 and reply["data"]


async def test_malformed_query_values_are_5106(sim) -> None:
    async with Gmo(sim) as gmo:
        for params in ({"page": "²"}, {"count": "¹"}, {"page": "1" * 40}, {"count": "-1"}):
            reply = await gmo.public("/v1/trades", symbol="BTC", **params)
            assert code_of(reply) == "ERR-5106", params
        assert code_of(await gmo.get("/v1/orders", orderId="²")) == "ERR-5106"
        assert code_of(await gmo.get("/v1/activeOrders", symbol="BTC", page="³")) == "ERR-5106"
        history = "/v1/account/fiatDeposit/history"
        for since in (
            "9999-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00+09:00",
            "9999-12-31T23:00-05:00",
        ):
            assert code_of(await gmo.get(history, fromTimestamp=since)) == "ERR-5106", since
    await _still_serving(sim)


async def test_malformed_body_values_are_5106(sim) -> None:
    order = {"symbol": "BTC", "side": "BUY", "executionType": "LIMIT", "price": "1", "size": "1"}
    bodies = [
        {**order, "symbol": ["BTC"]},
        {**order, "side": {"BUY": 1}},
        {**order, "size": "1e99999999"},
        {**order, "price": "sNaN"},
        {"orderId": "²"},
        {"orderId": [[[1]]]},
    ]
    await sim.control("limits", {"rest_per_s": 1000})
    async with Gmo(sim) as gmo:
        for body in bodies:
            for path in ("/v1/order", "/v1/cancelOrder", "/v1/cancelOrders", "/v1/cancelBulkOrder"):
                reply = await gmo.post(path, body)
                assert reply["status"] == 1, (path, body)
        for raw in (b"\xff\xfe{", b'{"orderId": 1' + b"9" * 5000 + b"}", b"NaN", b'"x"'):
            assert code_of(await gmo.send("POST", "/v1/cancelOrder", raw=raw)) == "ERR-5106"
        assert code_of(await gmo.send("PUT", "/v1/ws-auth", {"token": {"a": 1}})) == "ERR-5106"
    await _still_serving(sim)


async def test_unknown_paths_and_methods_get_the_error_envelope(sim) -> None:
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        for path in ("/public/v1/nothing", "/private/v2/order", "/%ff%fe", "/ü"):
            reply = await client.get(path)
            assert reply.status_code == 404, path
            assert json.loads(reply.content)["messages"][0]["message_code"] == "ERR-5204"
        reply = await client.delete("/public/v1/ticker")
        assert reply.status_code == 405
        assert reply.json()["messages"][0]["message_code"] == "ERR-5204"

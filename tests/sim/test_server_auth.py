"""The built-in exchange's private-API gate: authentication, timestamps, rate limits, status."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from gmo_tui.exchange.codec import parse_ts
from gmo_tui.exchange.errors import ERROR_MESSAGES
from tests.sim.test_server_support import Gmo, code_of, stamp

MARGIN = "/v1/account/margin"


async def test_signed_request_succeeds_and_reply_has_responsetime(sim) -> None:
    async with Gmo(sim) as gmo:
        reply = await gmo.get(MARGIN)
    assert reply["status"] == 0
    assert set(reply) == {"status", "data", "responsetime"}
    assert reply["responsetime"].endswith("Z") and len(reply["responsetime"]) == 24


async def test_missing_or_empty_key_is_5011(sim) -> None:
    async with Gmo(sim, api_key="") as gmo:
        assert code_of(await gmo.get(MARGIN)) == "ERR-5011"
        reply = await gmo.http.get("/private" + MARGIN)
    body = reply.json()
    assert body["messages"][0] == {
        "message_code": "ERR-5011",
        "message_string": ERROR_MESSAGES["ERR-5011"],
    }
    assert body["status"] == 1 and reply.status_code == 200


async def test_unknown_key_is_5012(sim) -> None:
    async with Gmo(sim, api_key="nobody") as gmo:
        assert code_of(await gmo.get(MARGIN)) == "ERR-5012"


async def test_bad_signature_is_5010(sim) -> None:
    async with Gmo(sim, api_secret="wrong-secret") as gmo:
        assert code_of(await gmo.get(MARGIN)) == "ERR-5010"


async def test_timestamp_missing_or_not_numeric_is_5007(sim) -> None:
    async with Gmo(sim) as gmo:
        for ts in ("", "12ab", "-5"):
            headers = gmo.headers("GET", MARGIN, ts=ts)
            reply = (await gmo.http.get("/private" + MARGIN, headers=headers)).json()
            assert code_of(reply) == "ERR-5007", ts
        headers = gmo.headers("GET", MARGIN)
        del headers["API-TIMESTAMP"]
        assert (
            code_of((await gmo.http.get("/private" + MARGIN, headers=headers)).json()) == "ERR-5007"
        )


async def test_timestamp_window_5008_and_5009(sim) -> None:
    tolerance = sim.state.timestamp_tolerance_s
    async with Gmo(sim) as gmo:
        for offset, expected in ((tolerance + 2, "ERR-5008"), (-tolerance - 2, "ERR-5009")):
            ts = stamp(offset, clock=sim.clock)
            reply = (
                await gmo.http.get("/private" + MARGIN, headers=gmo.headers("GET", MARGIN, ts=ts))
            ).json()
            assert code_of(reply) == expected
        for offset in (tolerance - 1.5, -(tolerance - 1.5)):
            ts = stamp(offset, clock=sim.clock)
            reply = (
                await gmo.http.get("/private" + MARGIN, headers=gmo.headers("GET", MARGIN, ts=ts))
            ).json()
            assert reply["status"] == 0, offset


async def test_skewed_server_clock_rejects_client_time_until_client_follows(sim) -> None:
    await sim.control("skew", {"seconds": 120})
    async with Gmo(sim) as gmo:
        real_now = time.time()
        ts = str(int(real_now * 1000))
        reply = (
            await gmo.http.get("/private" + MARGIN, headers=gmo.headers("GET", MARGIN, ts=ts))
        ).json()
        assert code_of(reply) == "ERR-5009"
        # responsetime tells the client how far the server's clock is ahead
        offset = parse_ts(reply["responsetime"]).timestamp() - real_now
        assert 118 < offset < 122
        followed = str(int((time.time() + offset) * 1000))
        reply = (
            await gmo.http.get("/private" + MARGIN, headers=gmo.headers("GET", MARGIN, ts=followed))
        ).json()
        assert reply["status"] == 0
    await sim.control("skew", {"seconds": -120})
    async with Gmo(sim) as gmo:
        ts = str(int(time.time() * 1000))
        reply = (
            await gmo.http.get("/private" + MARGIN, headers=gmo.headers("GET", MARGIN, ts=ts))
        ).json()
        assert code_of(reply) == "ERR-5008"


async def test_third_party_signature_over_raw_body_is_accepted(sim) -> None:
    """The seed's Python example: json.dumps with spaces, signed over exactly those bytes."""
    path = "/v1/ws-auth"
    body = json.dumps({})  # "{}"
    ts = stamp(clock=sim.clock)
    text = ts + "POST" + path + body
    signature = hmac.new(
        sim.api_secret.encode("ascii"), text.encode("ascii"), hashlib.sha256
    ).hexdigest()
    headers = {"API-KEY": sim.api_key, "API-TIMESTAMP": ts, "API-SIGN": signature}
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        reply = (await client.post("/private" + path, content=body, headers=headers)).json()
        assert reply["status"] == 0 and isinstance(reply["data"], str)
        # spaced JSON: the bytes as received are what counts
        spaced = json.dumps({"orderId": 123456, "price": "1"})
        assert " " in spaced
        ts = stamp(clock=sim.clock)
        text = ts + "POST" + "/v1/changeOrder" + spaced
        signature = hmac.new(sim.api_secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        headers = {"API-KEY": sim.api_key, "API-TIMESTAMP": ts, "API-SIGN": signature}
        reply = (
            await client.post("/private/v1/changeOrder", content=spaced, headers=headers)
        ).json()
        # authenticated: the engine answers about the (unknown) order, not about the signature
        assert code_of(reply) not in {"ERR-5010", "ERR-5011", "ERR-5012"}
        # the same body re-serialised without spaces no longer matches that signature
        compact = json.dumps({"orderId": 123456, "price": "1"}, separators=(",", ":"))
        reply = (
            await client.post("/private/v1/changeOrder", content=compact, headers=headers)
        ).json()
        assert code_of(reply) == "ERR-5010"


async def test_put_and_delete_sign_no_body(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        body = json.dumps({"token": token}).encode()
        ts = stamp(clock=sim.clock)
        signature = hmac.new(
            sim.api_secret.encode(), (ts + "PUT" + "/v1/ws-auth").encode(), hashlib.sha256
        ).hexdigest()
        headers = {"API-KEY": sim.api_key, "API-TIMESTAMP": ts, "API-SIGN": signature}
        reply = (await gmo.http.put("/private/v1/ws-auth", content=body, headers=headers)).json()
        assert reply["status"] == 0 and "data" not in reply
        # signing the body too (as for POST) is refused
        bad = hmac.new(
            sim.api_secret.encode(), (ts + "PUT/v1/ws-auth").encode() + body, hashlib.sha256
        ).hexdigest()
        headers["API-SIGN"] = bad
        reply = (await gmo.http.put("/private/v1/ws-auth", content=body, headers=headers)).json()
        assert code_of(reply) == "ERR-5010"


async def test_rest_rate_limit_per_key_and_method_group(sim) -> None:
    async with Gmo(sim) as gmo:
        replies = [await gmo.get(MARGIN) for _ in range(21)]
        assert [r["status"] for r in replies[:20]] == [0] * 20
        assert code_of(replies[20]) == "ERR-5003"
        # POSTs have their own window
        assert (await gmo.post("/v1/ws-auth"))["status"] == 0


async def test_tier_two_allows_thirty_per_second(sim) -> None:
    await sim.control("tier", {"tier": 2})
    async with Gmo(sim) as gmo:
        replies = [await gmo.get(MARGIN) for _ in range(31)]
    assert all(r["status"] == 0 for r in replies[:30])
    assert code_of(replies[30]) == "ERR-5003"
    await sim.control("limits", {"rest_per_s": 1000})
    async with Gmo(sim) as gmo:
        volume = await gmo.get("/v1/account/tradingVolume")
    assert volume["data"]["tierLevel"] == 2


async def test_put_and_delete_count_with_post(sim) -> None:
    await sim.control("limits", {"rest_per_s": 3})
    async with Gmo(sim) as gmo:
        token = (await gmo.post("/v1/ws-auth"))["data"]
        assert (await gmo.send("PUT", "/v1/ws-auth", {"token": token}))["status"] == 0
        assert (await gmo.send("DELETE", "/v1/ws-auth", {"token": token}))["status"] == 0
        assert code_of(await gmo.post("/v1/ws-auth")) == "ERR-5003"
        assert (await gmo.get(MARGIN))["status"] == 0


async def test_maintenance_answers_5201_but_status_still_answers(sim) -> None:
    await sim.control("status", {"status": "MAINTENANCE"})
    async with Gmo(sim) as gmo:
        status = await gmo.public("/v1/status")
        assert status["status"] == 0 and status["data"] == {"status": "MAINTENANCE"}
        for reply in (
            await gmo.public("/v1/ticker"),
            await gmo.get(MARGIN),
            await gmo.post("/v1/ws-auth"),
        ):
            assert reply["status"] == 5 and code_of(reply) == "ERR-5201"
    await sim.control("status", {"status": "MAINTENANCE", "emergency": True})
    async with Gmo(sim) as gmo:
        reply = await gmo.get(MARGIN)
        assert reply["status"] == 5 and code_of(reply) == "ERR-5202"
    await sim.control("status", {"status": "OPEN"})
    async with Gmo(sim) as gmo:
        assert (await gmo.get(MARGIN))["status"] == 0


async def test_preopen_blocks_orders_only(sim) -> None:
    await sim.control("status", {"status": "PREOPEN"})
    order = {
        "symbol": "BTC",
        "side": "BUY",
        "executionType": "LIMIT",
        "price": "1000000",
        "size": "0.001",
    }
    async with Gmo(sim) as gmo:
        for path, body in (
            ("/v1/order", order),
            ("/v1/changeOrder", {"orderId": 1, "price": "1"}),
            ("/v1/closeOrder", {}),
            ("/v1/closeBulkOrder", {}),
        ):
            assert code_of(await gmo.post(path, body)) == "ERR-5203", path
        assert (await gmo.get(MARGIN))["status"] == 0
        assert (await gmo.public("/v1/status"))["data"]["status"] == "PREOPEN"
        assert (await gmo.public("/v1/orderbooks", symbol="BTC"))["status"] == 0


async def test_unknown_paths_are_404(sim) -> None:
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        for path in ("/public/v1/nothing", "/private/v1/nothing", "/v1/status", "/"):
            assert (await client.get(path)).status_code == 404, path


async def test_controls_are_404_unless_enabled(make_sim) -> None:
    sim = await make_sim(control=False, frozen=True)
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        assert (await client.post("/_sim/status", json={"status": "OPEN"})).status_code == 404
        assert (await client.get("/public/v1/status")).json()["data"]["status"] == "OPEN"


async def test_secrets_never_in_replies(sim) -> None:
    async with Gmo(sim, api_secret="wrong") as gmo:
        reply = await gmo.http.get("/private" + MARGIN, headers=gmo.headers("GET", MARGIN))
    assert sim.api_secret not in reply.text and sim.api_key not in reply.text

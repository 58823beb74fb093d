"""Every ``/_sim/`` control does what it says, seen from a client on loopback."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets

from tests.sim.test_server_support import Gmo, code_of, connect, no_frame, recv_json, recv_until

FAR_BUY = {
    "symbol": "BTC",
    "side": "BUY",
    "executionType": "LIMIT",
    "price": "10000000",
    "size": "0.001",
}


def sub(channel: str, symbol: str | None = None, option: str | None = None) -> str:
    body = {"command": "subscribe", "channel": channel}
    if symbol:
        body["symbol"] = symbol
    if option:
        body["option"] = option
    return json.dumps(body)


async def test_delay_holds_every_reply(sim) -> None:
    async with Gmo(sim) as gmo:
        await gmo.public("/v1/status")
        await sim.control("delay", {"ms": 300})
        began = time.perf_counter()
        await gmo.public("/v1/ticker", symbol="BTC")
        await gmo.get("/v1/account/assets")
        assert time.perf_counter() - began >= 0.6
        await sim.control("delay", {"ms": 0})
        began = time.perf_counter()
        await gmo.public("/v1/ticker", symbol="BTC")
        assert time.perf_counter() - began < 0.25


async def test_drop_sockets_closes_every_websocket(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with (
            connect(gmo.ws_url("/ws/public/v1")) as pub,
            connect(gmo.ws_url(f"/ws/private/v1/{token}")) as prv,
        ):
            reply = await sim.control("drop_sockets", {})
            assert reply == {"ok": True, "dropped": 2}
            for ws in (pub, prv):
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(ws.recv(), 3)
        # the token survives a dropped connection: reconnecting works
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as again:
            await again.send(sub("orderEvents"))
            assert await no_frame(again, 0.2)


async def test_silence_per_channel_and_whole_socket(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    await sim.control("rates", {"tickers_per_s": 20, "books_per_s": 20})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await sim.control("silence", {"channels": ["ticker"]})
        await ws.send(sub("ticker", "BTC"))
        await ws.send(sub("orderbooks", "BTC"))
        frames = [await recv_json(ws) for _ in range(5)]
        assert {f["channel"] for f in frames} == {"orderbooks"}
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await sim.control("silence", {"all": True})
        await ws.send(sub("ticker", "ETH"))
        await ws.send(sub("orderbooks", "ETH"))
        assert await no_frame(ws, 0.5)
        assert len(sim.state.hub.conns) == 1  # open, just silent
        await sim.control("silence", {})
        await recv_until(ws, lambda f: f.get("channel") == "ticker")


async def test_lost_reply_really_places_the_order(sim) -> None:
    async with Gmo(sim) as gmo:
        before = (await gmo.get("/v1/activeOrders", symbol="BTC"))["data"].get("list", [])
        await sim.control("lose_next_order", {})
        body = json.dumps(FAR_BUY).encode()
        with pytest.raises(httpx.TransportError):
            await gmo.http.post(
                "/private/v1/order", content=body, headers=gmo.headers("POST", "/v1/order", body)
            )
        after = (await gmo.get("/v1/activeOrders", symbol="BTC"))["data"]["list"]
        assert len(after) == len(before) + 1
        assert after[0]["price"] == "10000000" and after[0]["size"] == "0.001"
        # only the next one: the following order gets its reply
        assert (await gmo.post("/v1/order", FAR_BUY))["status"] == 0


async def test_fill_while_cancel_in_flight_answers_5122(sim) -> None:
    async with Gmo(sim) as gmo:
        order_id = int((await gmo.post("/v1/order", FAR_BUY))["data"])
        await sim.control("fill_on_cancel", {"orderId": order_id})
        assert code_of(await gmo.post("/v1/cancelOrder", {"orderId": order_id})) == "ERR-5122"
        order = (await gmo.get("/v1/orders", orderId=order_id))["data"]["list"][0]
        assert order["status"] == "EXECUTED" and order["executedSize"] == "0.001"


async def test_force_fill(sim) -> None:
    async with Gmo(sim) as gmo:
        order_id = int((await gmo.post("/v1/order", {**FAR_BUY, "size": "0.002"}))["data"])
        assert (await sim.control("fill", {"orderId": order_id, "size": "0.001"}))["ok"]
        order = (await gmo.get("/v1/orders", orderId=order_id))["data"]["list"][0]
        assert order["executedSize"] == "0.001" and order["status"] == "ORDERED"
        executions = (await gmo.get("/v1/executions", orderId=order_id))["data"]["list"]
        assert len(executions) == 1 and executions[0]["price"] == "10000000"
        await sim.control("fill", {"orderId": order_id})
        order = (await gmo.get("/v1/orders", orderId=order_id))["data"]["list"][0]
        assert order["status"] == "EXECUTED"


async def test_bad_control_bodies_are_400(sim) -> None:
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        for name, body in (
            ("status", {"status": "CLOSED"}),
            ("clock", {"advance": -1}),
            ("tier", {"tier": 3}),
        ):
            reply = await client.post(f"/_sim/{name}", json=body)
            assert reply.status_code == 400 and reply.json()["ok"] is False, name


async def test_chaos_sends_malformed_frames(sim) -> None:
    await sim.control("rates", {"tickers_per_s": 50})
    await sim.control("chaos", {"malformed": 1.0})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("ticker", "BTC"))
        text = await asyncio.wait_for(ws.recv(), 3)
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
        await sim.control("chaos", {"malformed": 0.0, "out_of_order": 0.0})
        frame = await recv_until(ws, lambda f: True)
        assert frame["channel"] == "ticker"


async def test_chaos_reorders_frames(sim) -> None:
    await sim.control("rates", {"trades_per_s": 200})
    await sim.control("chaos", {"out_of_order": 0.5})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("trades", "ETH"))
        stamps = [(await recv_json(ws))["timestamp"] for _ in range(60)]
    assert stamps != sorted(stamps)


async def test_rates_control_changes_message_rates(sim) -> None:
    await sim.control("rates", {"tickers_per_s": 0.2})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("ticker", "SOL"))
        await recv_json(ws)  # the snapshot on subscribe
        slow = 0
        began = time.perf_counter()
        while time.perf_counter() - began < 0.6:
            if not await no_frame(ws, 0.1):
                slow += 1
        reply = await sim.control("rates", {"tickers_per_s": 40})
        assert reply["tickers_per_s"] == 40
        fast = 0
        began = time.perf_counter()
        while time.perf_counter() - began < 0.6:
            try:
                await asyncio.wait_for(ws.recv(), 0.1)
                fast += 1
            except TimeoutError:
                pass
    assert slow <= 1 and fast >= 8


async def test_state_and_reset_faults(sim) -> None:
    await sim.control("delay", {"ms": 50})
    await sim.control("skew", {"seconds": 30})
    await sim.control("lose_next_order", {})
    assert (await sim.control("reset_faults", {}))["ok"]
    assert sim.state.faults.delay_ms == 0 and not sim.state.faults.lose_next_order
    info = await sim.control("state", {})
    assert info["status"] == "OPEN" and info["connections"] == 0 and info["frozen"] is False
    assert abs(sim.clock.timestamp() - time.time()) < 2

"""The built-in exchange's WebSockets: commands, limits, public channels, private events."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.sim.test_server_support import Gmo, connect, eventually, no_frame, recv_json, recv_until


def sub(
    channel: str, symbol: str | None = None, option: str | None = None, command: str = "subscribe"
) -> str:
    body: dict[str, str] = {"command": command, "channel": channel}
    if symbol:
        body["symbol"] = symbol
    if option:
        body["option"] = option
    return json.dumps(body)


async def test_second_command_within_a_second_is_refused(sim) -> None:
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("ticker", "BTC"))
        first = await recv_json(ws)
        assert first["channel"] == "ticker" and first["symbol"] == "BTC"
        await ws.send(sub("trades", "BTC"))
        error = await recv_until(ws, lambda f: "error" in f)
        assert error == {"error": "ERR-5003 Request too many."}
        await asyncio.sleep(1.0)
        await ws.send(sub("orderbooks", "BTC"))
        book = await recv_until(ws, lambda f: f.get("channel") == "orderbooks")
        assert book["symbol"] == "BTC"


async def test_private_socket_has_the_same_command_limit(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            await ws.send(sub("orderEvents"))
            await ws.send(sub("executionEvents"))
            assert await recv_json(ws) == {"error": "ERR-5003 Request too many."}


async def test_ticker_and_orderbook_snapshots(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("orderbooks", "ETH"))
        book = await recv_until(ws, lambda f: f.get("channel") == "orderbooks")
        assert len(book["asks"]) >= 20 and len(book["bids"]) >= 20
        asks = [float(level["price"]) for level in book["asks"]]
        bids = [float(level["price"]) for level in book["bids"]]
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True) and bids[0] < asks[0]
        assert all(isinstance(level["size"], str) for level in book["asks"])
        await ws.send(sub("ticker", "ETH"))
        ticker = await recv_until(ws, lambda f: f.get("channel") == "ticker")
        assert float(ticker["bid"]) <= float(ticker["ask"])
        # snapshots keep coming as the market maker re-quotes (rates: 2 books/s)
        await recv_until(ws, lambda f: f.get("channel") == "orderbooks", timeout=5)


async def test_unsubscribe_stops_frames(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    await sim.control("rates", {"tickers_per_s": 20})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("ticker", "XRP"))
        await recv_until(ws, lambda f: f.get("channel") == "ticker")
        await recv_until(ws, lambda f: f.get("channel") == "ticker")
        await ws.send(sub("ticker", "XRP", command="unsubscribe"))
        await asyncio.sleep(0.2)
        while not await no_frame(ws, 0.3):
            pass
        assert await no_frame(ws, 0.5)


async def test_trades_follow_the_takers_and_taker_only_resubscribe_replaces(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    await sim.control("rates", {"trades_per_s": 30})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(sub("trades", "BTC"))
        trade = await recv_until(ws, lambda f: f.get("channel") == "trades")
        assert trade["symbol"] == "BTC" and trade["side"] in ("BUY", "SELL")
        assert set(trade) == {"channel", "price", "side", "size", "timestamp", "symbol"}
        conn = next(iter(sim.state.hub.conns))
        await ws.send(sub("trades", "BTC", option="TAKER_ONLY"))
        assert await eventually(lambda: conn.subs.get(("trades", "BTC")) == "TAKER_ONLY")
        await recv_until(ws, lambda f: f.get("channel") == "trades")
        await ws.send(sub("trades", "BTC"))
        assert await eventually(lambda: conn.subs.get(("trades", "BTC")) is None)
        assert len(conn.subs) == 1
        await recv_until(ws, lambda f: f.get("channel") == "trades")


async def test_a_user_order_hit_by_a_taker_fills(sim) -> None:
    """Synthetic takers fill a demo user's order resting at the top of the book."""
    await sim.control("rates", {"trades_per_s": 50})
    async with Gmo(sim) as gmo:
        book = (await gmo.public("/v1/orderbooks", symbol="XRP"))["data"]
        best_bid, best_ask = book["bids"][0]["price"], book["asks"][0]["price"]
        price = str(round((float(best_bid) + float(best_ask)) / 2, 3))
        sell = await gmo.post(
            "/v1/order",
            {
                "symbol": "XRP",
                "side": "SELL",
                "executionType": "LIMIT",
                "price": price,
                "size": "1",
            },
        )
        assert sell["status"] == 0, sell
        for _ in range(100):
            orders = await gmo.get("/v1/orders", orderId=sell["data"])
            if orders["data"]["list"][0]["status"] == "EXECUTED":
                break
            await asyncio.sleep(0.05)
        assert orders["data"]["list"][0]["status"] == "EXECUTED"


async def test_private_events_for_an_order(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            for channel in (
                "orderEvents",
                "executionEvents",
                "positionEvents",
                "positionSummaryEvents",
            ):
                await ws.send(sub(channel))
            await asyncio.sleep(0.1)
            reply = await gmo.post(
                "/v1/order",
                {"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.01"},
            )
            assert reply["status"] == 0, reply
            order_id = int(reply["data"])
            seen: dict[str, dict] = {}
            while len(seen) < 4:
                frame = await recv_json(ws)
                seen.setdefault(frame["channel"], frame)
            assert (
                seen["orderEvents"]["orderId"] == order_id
                and seen["orderEvents"]["msgType"] == "NOR"
            )
            assert (
                seen["executionEvents"]["orderId"] == order_id
                and seen["executionEvents"]["msgType"] == "ER"
            )
            assert seen["positionEvents"]["msgType"] == "OPR"
            assert seen["positionSummaryEvents"]["msgType"] == "UPDATE"
            assert isinstance(seen["executionEvents"]["executionId"], int)


async def test_position_summary_init_and_periodic_with_the_clock(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo:
        reply = await gmo.post(
            "/v1/order",
            {"symbol": "ETH_JPY", "side": "SELL", "executionType": "MARKET", "size": "0.1"},
        )
        assert reply["status"] == 0, reply
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            await ws.send(sub("positionSummaryEvents", option="PERIODIC"))
            init = await recv_json(ws)
            assert (
                init["msgType"] == "INIT" and init["symbol"] == "ETH_JPY" and init["side"] == "SELL"
            )
            assert await no_frame(ws, 0.3)
            await sim.control("clock", {"advance": 5})
            periodic = await recv_json(ws)
            assert periodic["msgType"] == "PERIODIC" and periodic["symbol"] == "ETH_JPY"
            # without the option: INIT only, no PERIODIC
            await ws.send(sub("positionSummaryEvents"))
            assert (await recv_json(ws))["msgType"] == "INIT"
            await sim.control("clock", {"advance": 6})
            assert await no_frame(ws, 0.4)


async def test_position_summaries_are_per_summary_so_a_flat_account_gets_none(sim) -> None:
    """As the docs' frame (a symbol and a side) says: no position, no summary, INIT and
    PERIODIC included; the close of the last position says so once (UPDATE, zero), then none."""
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            await ws.send(sub("positionSummaryEvents", option="PERIODIC"))
            assert await no_frame(ws, 0.3)  # no INIT
            await sim.control("clock", {"advance": 5})
            assert await no_frame(ws, 0.3)  # no PERIODIC
            order = {"symbol": "ETH_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.1"}
            assert (await gmo.post("/v1/order", order))["status"] == 0
            opened = await recv_json(ws)
            assert opened["msgType"] == "UPDATE" and opened["sumPositionQuantity"] == "0.1"
            close = {**order, "side": "SELL"}
            reply = await gmo.post("/v1/closeBulkOrder", close)
            assert reply["status"] == 0, reply
            closed = await recv_json(ws)
            assert closed["msgType"] == "UPDATE" and closed["sumPositionQuantity"] == "0"
            await sim.control("clock", {"advance": 5})
            assert await no_frame(ws, 0.3)  # flat again: no PERIODIC


async def test_unknown_token_is_refused_and_maintenance_is_503(sim) -> None:
    async with Gmo(sim) as gmo:
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect(gmo.ws_url("/ws/private/v1/not-a-token")):
                pass
        assert refused.value.response.status_code == 401
        await sim.control("status", {"status": "MAINTENANCE"})
        for path in ("/ws/public/v1", "/ws/private/v1/anything"):
            with pytest.raises(websockets.InvalidStatus) as unavailable:
                async with connect(gmo.ws_url(path)):
                    pass
            assert unavailable.value.response.status_code == 503
        await sim.control("status", {"status": "OPEN"})


async def test_maintenance_closes_open_sockets_and_kills_tokens(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            await sim.control("status", {"status": "MAINTENANCE"})
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 3)
        await sim.control("status", {"status": "OPEN"})
        with pytest.raises(websockets.InvalidStatus):
            async with connect(gmo.ws_url(f"/ws/private/v1/{token}")):
                pass


async def test_invalid_commands_get_an_error(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        for text in (
            "not json",
            json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "NOPE"}),
        ):
            await ws.send(text)
            assert "ERR-5106" in (await recv_json(ws))["error"]

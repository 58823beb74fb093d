"""Conformance: every documented endpoint and channel, driven over real loopback sockets, answers
with the shape of the seed's response examples (tests/fixtures/seed_examples.json): the same field
names and the same JSON types (numbers as strings, ids as numbers).

The expected shapes come from the seed's examples, not from the project's models. A field the
seed marks optional (``cancelType`` only for cancelled orders, ``positionId`` for margin only, the
per-kind ``todayLimit*`` of tradingVolume, ``fee`` of crypto histories) may be absent; every field
sent must be one the seed shows.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gmo_tui.exchange.codec import format_ts
from tests.sim.test_server_support import Gmo, connect, recv_until

SEED = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "seed_examples.json").read_text()
)
OPTIONAL = frozenset(
    {
        "cancelType",
        "positionId",
        "todayLimitOpenSize",
        "todayLimitBuySize",
        "todayLimitSellSize",
        "fee",
    }
)


def _merged(items: list[Any]) -> tuple[Any, frozenset[str]]:
    """One example element out of a list's examples, and the keys not in every element."""
    if not items or not isinstance(items[0], dict):
        return (items[0] if items else None), frozenset()
    merged: dict[str, Any] = {}
    for item in items:
        for key, value in item.items():
            merged.setdefault(key, value)
    sometimes = frozenset(k for k in merged if any(k not in item for item in items))
    return merged, sometimes


def conform(ours: Any, example: Any, where: str = "", optional: frozenset[str] = OPTIONAL) -> None:
    if isinstance(example, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        extra = set(ours) - set(example) - optional
        missing = set(example) - set(ours) - optional
        assert not extra, f"{where}: fields the seed does not show: {sorted(extra)}"
        assert not missing, f"{where}: fields missing: {sorted(missing)}"
        for key in set(ours) & set(example):
            conform(ours[key], example[key], f"{where}.{key}", optional)
    elif isinstance(example, list):
        assert isinstance(ours, list), f"{where}: expected an array, got {ours!r}"
        element, sometimes = _merged(example)
        assert ours or not example, f"{where}: empty (the scenario should produce entries)"
        for i, item in enumerate(ours):
            conform(item, element, f"{where}[{i}]", optional | sometimes)
    else:
        assert type(ours) is type(example), (
            f"{where}: {ours!r} is {type(ours).__name__}, seed has {type(example).__name__}"
        )


def conform_reply(reply: dict[str, Any], name: str) -> None:
    example = SEED[name]
    assert reply["status"] == 0, (name, reply)
    conform(reply, example, name)


# ---------------------------------------------------------------------------- scenario


class Scenario:
    """A demo account with resting orders, a margin position, executions and history."""

    def __init__(self, gmo: Gmo) -> None:
        self.gmo = gmo

    async def build(self) -> Scenario:
        gmo = self.gmo
        await self.sim_control("limits", {"rest_per_s": 1000, "ws_commands_per_s": 100})
        book = (await gmo.public("/v1/orderbooks", symbol="BTC"))["data"]
        low = str(int(float(book["bids"][0]["price"]) * 0.9))
        self.resting = int(
            (await gmo.post("/v1/order", self.limit("BTC", "BUY", low, "0.001")))["data"]
        )
        self.cancelled = int(
            (await gmo.post("/v1/order", self.limit("BTC", "BUY", low, "0.001")))["data"]
        )
        assert (await gmo.post("/v1/cancelOrder", {"orderId": self.cancelled}))["status"] == 0
        spot = await gmo.post(
            "/v1/order",
            {"symbol": "BTC", "side": "BUY", "executionType": "MARKET", "size": "0.001"},
        )
        self.spot_market = int(spot["data"])
        margin = await gmo.post(
            "/v1/order",
            {"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.05"},
        )
        self.margin_market = int(margin["data"])
        positions = (await gmo.get("/v1/openPositions", symbol="BTC_JPY"))["data"]["list"]
        self.position = positions[0]
        self.execution_ids = [
            e["executionId"]
            for e in (await gmo.get("/v1/latestExecutions", symbol="BTC_JPY"))["data"]["list"]
        ]
        return self

    async def sim_control(self, name: str, body: dict[str, Any]) -> None:
        await self.gmo.sim.control(name, body)

    @staticmethod
    def limit(symbol: str, side: str, price: str, size: str) -> dict[str, str]:
        return {
            "symbol": symbol,
            "side": side,
            "executionType": "LIMIT",
            "price": price,
            "size": size,
        }


@pytest.fixture
async def world(sim):
    async with Gmo(sim) as gmo:
        yield await Scenario(gmo).build()


# ---------------------------------------------------------------------------- public REST


@pytest.mark.parametrize(
    ("name", "path", "params"),
    [
        ("rest:Service Status", "/v1/status", {}),
        ("rest:Ticker", "/v1/ticker", {"symbol": "BTC"}),
        ("rest:Ticker", "/v1/ticker", {}),
        ("rest:Order Books", "/v1/orderbooks", {"symbol": "BTC"}),
        ("rest:Trade History", "/v1/trades", {"symbol": "BTC", "page": 1, "count": 10}),
        (
            "rest:KLine Data",
            "/v1/klines",
            {"symbol": "BTC", "interval": "1min", "date": "20210417"},
        ),
        ("rest:Trade rules", "/v1/symbols", {}),
    ],
)
async def test_public_rest(sim, name: str, path: str, params: dict[str, Any]) -> None:
    async with Gmo(sim) as gmo:
        conform_reply(await gmo.public(path, **params), name)


async def test_ticker_without_symbol_lists_every_symbol(sim) -> None:
    async with Gmo(sim) as gmo:
        symbols = {s["symbol"] for s in (await gmo.public("/v1/symbols"))["data"]}
        tickers = {t["symbol"] for t in (await gmo.public("/v1/ticker"))["data"]}
    assert tickers == symbols and {"BTC", "BTC_JPY", "XRP", "SOL_JPY"} <= symbols


# ---------------------------------------------------------------------------- private REST (GET)


async def test_private_account_endpoints(world) -> None:
    gmo = world.gmo
    conform_reply(await gmo.get("/v1/account/margin"), "rest:Margin")
    conform_reply(await gmo.get("/v1/account/assets"), "rest:Assets")
    conform_reply(await gmo.get("/v1/account/tradingVolume"), "rest:Trading Volume")
    since = format_ts(gmo.sim.clock.now() - timedelta(minutes=30))
    conform_reply(
        await gmo.get("/v1/account/fiatDeposit/history", fromTimestamp=since),
        "rest:Fiat deposit history",
    )
    conform_reply(
        await gmo.get("/v1/account/fiatWithdrawal/history", fromTimestamp=since),
        "rest:Fiat withdrawal history",
    )
    conform_reply(
        await gmo.get("/v1/account/deposit/history", symbol="BTC", fromTimestamp=since),
        "rest:CryptoCurrency deposit history",
    )
    conform_reply(
        await gmo.get("/v1/account/withdrawal/history", symbol="BTC", fromTimestamp=since),
        "rest:CryptoCurrency withdrawal history",
    )


async def test_private_order_queries(world) -> None:
    gmo = world.gmo
    ids = f"{world.resting},{world.cancelled},{world.margin_market}"
    orders = await gmo.get("/v1/orders", orderId=ids)
    conform_reply(orders, "rest:Orders")
    assert {o["orderId"] for o in orders["data"]["list"]} == {
        world.resting,
        world.cancelled,
        world.margin_market,
    }
    cancelled = next(o for o in orders["data"]["list"] if o["orderId"] == world.cancelled)
    assert cancelled["status"] == "CANCELED" and cancelled["cancelType"] == "USER"
    conform_reply(
        await gmo.get("/v1/activeOrders", symbol="BTC", page=1, count=10), "rest:Active Orders"
    )
    conform_reply(await gmo.get("/v1/executions", orderId=world.margin_market), "rest:Executions")
    conform_reply(
        await gmo.get("/v1/executions", executionId=",".join(map(str, world.execution_ids))),
        "rest:Executions",
    )
    conform_reply(
        await gmo.get("/v1/latestExecutions", symbol="BTC", page=1, count=100),
        "rest:Latest Executions",
    )
    conform_reply(
        await gmo.get("/v1/openPositions", symbol="BTC_JPY", page=1, count=100),
        "rest:Open Positions",
    )
    conform_reply(await gmo.get("/v1/positionSummary", symbol="BTC_JPY"), "rest:Position Summary")
    conform_reply(await gmo.get("/v1/positionSummary"), "rest:Position Summary")


# ---------------------------------------------------------------------------- private REST (POST)


async def test_private_order_operations(world) -> None:
    gmo = world.gmo
    book = (await gmo.public("/v1/orderbooks", symbol="BTC_JPY"))["data"]
    low = int(float(book["bids"][0]["price"]) * 0.9)
    placed = await gmo.post(
        "/v1/order",
        {
            **Scenario.limit("BTC_JPY", "BUY", str(low), "0.01"),
            "timeInForce": "FAS",
            "losscutPrice": str(low // 2),
        },
    )
    conform_reply(placed, "rest:Order")
    order_id = int(placed["data"])
    conform_reply(
        await gmo.post("/v1/changeOrder", {"orderId": order_id, "price": str(low - 1000)}),
        "rest:Change Order",
    )
    conform_reply(await gmo.post("/v1/cancelOrder", {"orderId": order_id}), "rest:Cancel Order")
    second = int(
        (await gmo.post("/v1/order", Scenario.limit("BTC", "BUY", str(low), "0.001")))["data"]
    )
    cancelled = await gmo.post("/v1/cancelOrders", {"orderIds": [second, order_id]})
    conform_reply(cancelled, "rest:Cancel Orders")
    assert (
        cancelled["data"]["success"] == [second]
        and cancelled["data"]["failed"][0]["orderId"] == order_id
    )
    third = int(
        (await gmo.post("/v1/order", Scenario.limit("BTC", "BUY", str(low), "0.001")))["data"]
    )
    bulk = await gmo.post(
        "/v1/cancelBulkOrder", {"symbols": ["BTC", "BTC_JPY"], "side": "BUY", "desc": True}
    )
    conform_reply(bulk, "rest:Cancel Bulk Order")
    assert third in bulk["data"] and world.resting in bulk["data"]


async def test_private_position_operations(world) -> None:
    gmo = world.gmo
    position = world.position
    losscut = str(int(float(position["price"]) * 0.6))
    conform_reply(
        await gmo.post(
            "/v1/changeLosscutPrice",
            {"positionId": position["positionId"], "losscutPrice": losscut},
        ),
        "rest:Change Margin Liquidation",
    )
    close = await gmo.post(
        "/v1/closeOrder",
        {
            "symbol": "BTC_JPY",
            "side": "SELL",
            "executionType": "MARKET",
            "settlePosition": [{"positionId": position["positionId"], "size": "0.01"}],
        },
    )
    conform_reply(close, "rest:Close Order")
    bulk = await gmo.post(
        "/v1/closeBulkOrder",
        {"symbol": "BTC_JPY", "side": "SELL", "executionType": "MARKET", "size": "0.01"},
    )
    conform_reply(bulk, "rest:Close Bulk Order")
    conform_reply(
        await gmo.post("/v1/account/transfer", {"amount": "1000", "transferType": "DEPOSIT"}),
        "rest:Transfer",
    )


async def test_ws_auth_operations(sim) -> None:
    async with Gmo(sim) as gmo:
        created = await gmo.post("/v1/ws-auth", {})
        conform_reply(created, "rest:Create Access Token")
        token = created["data"]
        conform_reply(
            await gmo.send("PUT", "/v1/ws-auth", {"token": token}), "rest:Extend Access Token"
        )
        conform_reply(
            await gmo.send("DELETE", "/v1/ws-auth", {"token": token}), "rest:Delete Access Token"
        )


async def test_every_private_operation_is_served(world) -> None:
    """All 25 private operations answer with GMO's envelope (never 404/405)."""
    from gmo_tui.sim.private_routes import PRIVATE_OPERATIONS

    gmo = world.gmo
    gets = [
        "/v1/account/margin", "/v1/account/assets", "/v1/account/tradingVolume",
        "/v1/account/fiatDeposit/history", "/v1/account/fiatWithdrawal/history",
        "/v1/account/deposit/history", "/v1/account/withdrawal/history", "/v1/orders",
        "/v1/activeOrders", "/v1/executions", "/v1/latestExecutions", "/v1/openPositions",
        "/v1/positionSummary",
    ]  # fmt: skip
    posts = [
        "/v1/account/transfer", "/v1/order", "/v1/changeOrder", "/v1/cancelOrder", "/v1/cancelOrders",
        "/v1/cancelBulkOrder", "/v1/closeOrder", "/v1/closeBulkOrder", "/v1/changeLosscutPrice", "/v1/ws-auth",
    ]  # fmt: skip
    replies = [await gmo.get(p) for p in gets] + [await gmo.post(p, {}) for p in posts]
    replies += [
        await gmo.send("PUT", "/v1/ws-auth", {}),
        await gmo.send("DELETE", "/v1/ws-auth", {}),
    ]
    assert len(replies) == PRIVATE_OPERATIONS == 25
    for reply in replies:
        assert (
            set(reply) <= {"status", "data", "messages", "responsetime"} and "responsetime" in reply
        )


# ---------------------------------------------------------------------------- WebSockets


def command(channel: str, symbol: str | None = None, option: str | None = None) -> str:
    body = {"command": "subscribe", "channel": channel}
    if symbol:
        body["symbol"] = symbol
    if option:
        body["option"] = option
    return json.dumps(body)


async def test_public_channels(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    await sim.control("rates", {"trades_per_s": 20})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        for channel in ("ticker", "orderbooks", "trades"):
            await ws.send(command(channel, "BTC"))
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 3:
            frame = await recv_until(ws, lambda f: "channel" in f)
            seen.setdefault(frame["channel"], frame)
    conform(seen["ticker"], SEED["ws:Ticker"], "ws:Ticker")
    conform(seen["orderbooks"], SEED["ws:Order Books"], "ws:Order Books")
    conform(seen["trades"], SEED["ws:Trades"], "ws:Trades")


async def test_private_channels(world) -> None:
    gmo = world.gmo
    token = await gmo.token()
    async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
        for channel in ("executionEvents", "orderEvents", "positionEvents"):
            await ws.send(command(channel))
        await ws.send(command("positionSummaryEvents", option="PERIODIC"))
        init = await recv_until(ws, lambda f: f.get("channel") == "positionSummaryEvents")
        assert init["msgType"] == "INIT"
        conform(
            init, SEED["ws:Position Summary Notifications"], "ws:Position Summary Notifications"
        )
        await asyncio.sleep(0.05)
        reply = await gmo.post(
            "/v1/order",
            {"symbol": "BTC_JPY", "side": "BUY", "executionType": "MARKET", "size": "0.01"},
        )
        assert reply["status"] == 0
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 4:
            frame = await recv_until(ws, lambda f: "channel" in f)
            if frame["channel"] != "positionSummaryEvents" or frame["msgType"] == "UPDATE":
                seen.setdefault(frame["channel"], frame)
        await gmo.sim.control("clock", {"advance": 5})
        periodic = await recv_until(ws, lambda f: f.get("msgType") == "PERIODIC")
    conform(
        seen["executionEvents"], SEED["ws:Execution Notifications"], "ws:Execution Notifications"
    )
    conform(seen["orderEvents"], SEED["ws:Order Notifications"], "ws:Order Notifications")
    conform(seen["positionEvents"], SEED["ws:Position Notifications"], "ws:Position Notifications")
    conform(
        seen["positionSummaryEvents"], SEED["ws:Position Summary Notifications"], "summary UPDATE"
    )
    conform(periodic, SEED["ws:Position Summary Notifications"], "summary PERIODIC")


# ---------------------------------------------------------------------------- errors


async def test_error_envelope_shape(sim) -> None:
    async with Gmo(sim) as gmo:
        reply = await gmo.public("/v1/orderbooks", symbol="NOPE")
    assert set(reply) == {"status", "messages", "responsetime"}
    assert reply["status"] == 1 and isinstance(reply["responsetime"], str)
    [message] = reply["messages"]
    assert (
        set(message) == {"message_code", "message_string"} and message["message_code"] == "ERR-5106"
    )


def test_the_checker_itself_rejects_wrong_types_and_names() -> None:
    example = SEED["rest:Executions"]
    good = json.loads(json.dumps(example))
    conform(good, example)
    wrong_type = json.loads(json.dumps(example))
    wrong_type["data"]["list"][0]["price"] = 1900000
    wrong_id = json.loads(json.dumps(example))
    wrong_id["data"]["list"][0]["executionId"] = "92123912"
    renamed = json.loads(json.dumps(example))
    renamed["data"]["list"][0]["lossgain"] = renamed["data"]["list"][0].pop("lossGain")
    for bad in (wrong_type, wrong_id, renamed):
        with pytest.raises(AssertionError):
            conform(bad, example)

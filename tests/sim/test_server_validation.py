"""Request validation: the seed's error codes for missing or malformed parameters."""

from __future__ import annotations

from datetime import timedelta

from gmo_tui.exchange.codec import format_ts
from gmo_tui.exchange.errors import ERROR_MESSAGES
from tests.sim.test_server_support import Gmo, code_of

ORDER = {
    "symbol": "BTC",
    "side": "BUY",
    "executionType": "LIMIT",
    "price": "10000000",
    "size": "0.001",
}


async def test_history_window_rules(sim) -> None:
    now = sim.clock.now()
    since = format_ts(now - timedelta(minutes=30))
    async with Gmo(sim) as gmo:
        path = "/v1/account/fiatDeposit/history"
        # toTimestamp defaults to fromTimestamp + 30 min: the seeded recent deposit is found
        listed = await gmo.get(path, fromTimestamp=since)
        assert listed["status"] == 0 and len(listed["data"]) >= 1
        exact = await gmo.get(path, fromTimestamp=since, toTimestamp=format_ts(now))
        assert exact["status"] == 0
        too_long = await gmo.get(
            path, fromTimestamp=since, toTimestamp=format_ts(now + timedelta(seconds=1))
        )
        assert code_of(too_long) == "ERR-846"
        assert too_long["messages"][0]["message_string"] == ERROR_MESSAGES["ERR-846"]
        backwards = await gmo.get(path, fromTimestamp=format_ts(now), toTimestamp=since)
        assert code_of(backwards) == "ERR-5106"
        assert code_of(await gmo.get(path)) == "ERR-5106"
        assert code_of(await gmo.get(path, fromTimestamp="yesterday")) == "ERR-5106"
        assert (
            code_of(await gmo.get("/v1/account/deposit/history", fromTimestamp=since)) == "ERR-5106"
        )
        long_crypto = await gmo.get(
            "/v1/account/withdrawal/history",
            symbol="BTC",
            fromTimestamp=since,
            toTimestamp=format_ts(now + timedelta(hours=1)),
        )
        assert code_of(long_crypto) == "ERR-846"


async def test_executions_and_orders_id_rules(sim) -> None:
    async with Gmo(sim) as gmo:
        assert code_of(await gmo.get("/v1/executions", orderId="1", executionId="2")) == "ERR-5208"
        assert code_of(await gmo.get("/v1/executions")) == "ERR-5106"
        eleven = ",".join(str(i) for i in range(1, 12))
        assert code_of(await gmo.get("/v1/executions", executionId=eleven)) == "ERR-5106"
        assert code_of(await gmo.get("/v1/orders", orderId=eleven)) == "ERR-5106"
        ten = ",".join(str(i) for i in range(1, 11))
        assert (await gmo.get("/v1/orders", orderId=ten))["status"] == 0
        assert code_of(await gmo.get("/v1/orders", orderId="12,abc")) == "ERR-5106"
        assert code_of(await gmo.get("/v1/orders")) == "ERR-5106"


async def test_order_parameters(sim) -> None:
    async with Gmo(sim) as gmo:
        for change, expected in (
            ({"size": None}, "ERR-5106"),
            ({"side": "UP"}, "ERR-5106"),
            ({"executionType": "ICEBERG"}, "ERR-5106"),
            ({"price": None}, "ERR-5106"),
            ({"price": "abc"}, "ERR-5106"),
            ({"symbol": "NOPE"}, "ERR-5106"),
            ({"timeInForce": "GTC"}, "ERR-5111"),
            ({"size": "0.00001"}, "ERR-5114"),
            ({"size": "100"}, "ERR-5126"),
        ):
            body = {k: v for k, v in {**ORDER, **change}.items() if v is not None}
            reply = await gmo.post("/v1/order", body)
            assert code_of(reply) == expected, (change, reply)
            assert reply["messages"][0]["message_string"] == ERROR_MESSAGES[expected]
        assert code_of(await gmo.send("POST", "/v1/order", raw=b"{not json")) == "ERR-5106"
        assert code_of(await gmo.send("POST", "/v1/order", raw=b"[1, 2]")) == "ERR-5106"
        # numbers sent as JSON numbers are accepted like strings
        assert (await gmo.post("/v1/order", {**ORDER, "price": 10000000, "size": 0.001}))[
            "status"
        ] == 0


async def test_query_parameters(sim) -> None:
    async with Gmo(sim) as gmo:
        assert code_of(await gmo.get("/v1/activeOrders")) == "ERR-5106"
        assert code_of(await gmo.get("/v1/activeOrders", symbol="BTC", count=101)) == "ERR-5106"
        assert code_of(await gmo.get("/v1/activeOrders", symbol="BTC", page=0)) == "ERR-5106"
        assert code_of(await gmo.get("/v1/openPositions", symbol="BTC")) == "ERR-5106"
        assert code_of(await gmo.public("/v1/trades", symbol="BTC", count="x")) == "ERR-5106"
        assert code_of(await gmo.public("/v1/orderbooks")) == "ERR-5106"
        assert code_of(await gmo.post("/v1/cancelBulkOrder", {"symbols": []})) == "ERR-5106"
        assert (
            code_of(
                await gmo.post(
                    "/v1/closeOrder",
                    {"symbol": "BTC_JPY", "side": "SELL", "executionType": "MARKET"},
                )
            )
            == "ERR-5106"
        )
        assert (
            code_of(
                await gmo.post(
                    "/v1/account/transfer", {"amount": "1000", "transferType": "SIDEWAYS"}
                )
            )
            == "ERR-5106"
        )


async def test_engine_rule_errors_reach_the_client(sim) -> None:
    async with Gmo(sim) as gmo:
        assert code_of(await gmo.post("/v1/cancelOrder", {"orderId": 999999999})) == "ERR-5123"
        order_id = int((await gmo.post("/v1/order", ORDER))["data"])
        assert (await gmo.post("/v1/cancelOrder", {"orderId": order_id}))["status"] == 0
        assert code_of(await gmo.post("/v1/cancelOrder", {"orderId": order_id})) == "ERR-5122"
        huge = {**ORDER, "side": "BUY", "price": "14000000", "size": "1"}
        assert code_of(await gmo.post("/v1/order", huge)) in {"ERR-201", "ERR-208"}

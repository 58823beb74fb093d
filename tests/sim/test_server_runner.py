"""Running the built-in exchange: start-up time, the thread variant, the CLI server, frozen mode."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx

from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.runner import SimServer, SimThread
from gmo_tui.sim.state import demo_credentials
from tests.sim.test_server_support import Gmo

PUBLIC_PATHS = [
    ("/public/v1/status", {}),
    ("/public/v1/ticker", {}),
    ("/public/v1/orderbooks", {"symbol": "BTC"}),
    ("/public/v1/trades", {"symbol": "ETH", "count": 50}),
    ("/public/v1/klines", {"symbol": "BTC", "interval": "1min", "date": "20260105"}),
    ("/public/v1/symbols", {}),
]


async def test_starts_in_well_under_two_seconds_and_stops_fast() -> None:
    began = time.perf_counter()
    sim = SimServer(port=0, seed=42, rates=MarketRates())
    await sim.start()
    started = time.perf_counter() - began
    try:
        assert sim.endpoint.startswith("http://127.0.0.1:") and sim.port > 0
        config = sim._server.config
        sim_config = {
            "ws_ping_interval": config.ws_ping_interval,
            "ws_ping_timeout": config.ws_ping_timeout,
        }
        async with httpx.AsyncClient(base_url=sim.endpoint) as client:
            assert (await client.get("/public/v1/status")).json()["data"]["status"] == "OPEN"
    finally:
        began = time.perf_counter()
        await sim.stop()
        stopped = time.perf_counter() - began
    assert started < 2.0, started
    # the server pings every minute and gives up after three unanswered pings
    assert sim_config["ws_ping_interval"] == 60 and sim_config["ws_ping_timeout"] == 180
    assert stopped < 0.5, stopped


async def test_demo_account_is_funded_with_deterministic_credentials(make_sim) -> None:
    # the shared fixtures use the suite's canary credentials: ask for the demo ones
    sim = await make_sim(api_key=None, api_secret=None)
    assert (sim.api_key, sim.api_secret) == demo_credentials(42)
    assert demo_credentials(42) != demo_credentials(43)
    async with Gmo(sim) as gmo:
        assets = {a["symbol"]: a["amount"] for a in (await gmo.get("/v1/account/assets"))["data"]}
        assert assets["JPY"] == "10000000" and assets["BTC"] == "0.5" and assets["ETH"] == "5"
        assert assets["XRP"] == "10000"
        margin = (await gmo.get("/v1/account/margin"))["data"]
        assert margin["availableAmount"] == "10000000"


async def test_explicit_credentials_replace_the_demo_ones(make_sim) -> None:
    sim = await make_sim(api_key="my-key", api_secret="my-secret", frozen=True)
    assert sim.api_key == "my-key"
    async with Gmo(sim) as gmo:
        assert (await gmo.get("/v1/account/margin"))["status"] == 0
    async with Gmo(
        sim, api_key=demo_credentials(42)[0], api_secret=demo_credentials(42)[1]
    ) as demo:
        assert (await demo.get("/v1/account/margin"))["messages"][0]["message_code"] == "ERR-5012"


def test_sim_thread_serves_from_its_own_loop() -> None:
    thread = SimThread(seed=42, frozen=True)
    began = time.perf_counter()
    endpoint = thread.start()
    assert time.perf_counter() - began < 2.0
    try:
        reply = httpx.get(endpoint + "/public/v1/orderbooks", params={"symbol": "BTC"}).json()
        assert reply["status"] == 0 and len(reply["data"]["asks"]) >= 20
        assert thread.api_key == demo_credentials(42)[0]
    finally:
        thread.stop()
    try:
        httpx.get(endpoint + "/public/v1/status", timeout=1)
        raise AssertionError("still serving after stop()")
    except httpx.TransportError:
        pass


def test_serve_prints_endpoint_and_demo_credentials() -> None:
    code = "from gmo_tui.sim.runner import serve; serve(port=0, seed=5, control=True)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        key_line = proc.stdout.readline()
        secret_line = proc.stdout.readline()
        assert "http://127.0.0.1:" in first
        endpoint = first.split(" on ")[1].split()[0]
        key, secret = demo_credentials(5)
        assert key in key_line and secret in secret_line
        assert httpx.get(endpoint + "/public/v1/status").json()["data"]["status"] == "OPEN"
        assert httpx.post(endpoint + "/_sim/state", json={}).json()["ok"] is True
    finally:
        proc.terminate()
        proc.wait(10)


async def test_frozen_servers_answer_byte_for_byte_alike(make_sim) -> None:
    one = await make_sim(frozen=True)
    two = await make_sim(frozen=True)
    async with httpx.AsyncClient() as client:
        for path, params in PUBLIC_PATHS:
            a = await client.get(one.endpoint + path, params=params)
            b = await client.get(two.endpoint + path, params=params)
            assert a.content == b.content, path
        assert b'"responsetime":"2026-01-05T00:00:00.000Z"' in a.content
    # and nothing moves: the same request a little later is still identical
    async with httpx.AsyncClient(base_url=one.endpoint) as client:
        first = (await client.get("/public/v1/orderbooks", params={"symbol": "XRP"})).content
        import asyncio

        await asyncio.sleep(0.5)
        assert (
            await client.get("/public/v1/orderbooks", params={"symbol": "XRP"})
        ).content == first


async def test_frozen_via_rates(make_sim) -> None:
    sim = await make_sim(rates=MarketRates.frozen())
    assert sim.state.frozen and sim.clock.now().isoformat().startswith("2026-01-05T00:00:00")


async def test_app_works_in_process_over_asgi_transport() -> None:
    from gmo_tui.exchange.auth import sign
    from gmo_tui.sim.server import create_app
    from gmo_tui.sim.state import SimState

    state = SimState(seed=42, frozen=True, control=True)
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        status = (await client.get("/public/v1/status")).json()
        assert status == {
            "status": 0,
            "data": {"status": "OPEN"},
            "responsetime": "2026-01-05T00:00:00.000Z",
        }
        ts = str(state.clock.now_ms())
        headers = {
            "API-KEY": state.api_key,
            "API-TIMESTAMP": ts,
            "API-SIGN": sign(state.api_secret, ts, "GET", "/v1/account/assets"),
        }
        assets = (await client.get("/private/v1/account/assets", headers=headers)).json()
        assert assets["status"] == 0 and {"JPY", "BTC"} <= {a["symbol"] for a in assets["data"]}
        assert (await client.post("/_sim/clock", json={"advance": 60})).json()[
            "now"
        ] == "2026-01-05T00:01:00.000Z"

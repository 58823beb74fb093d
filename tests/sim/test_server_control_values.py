"""Every ``/_sim/`` control value is validated (type, finite, in range) and a refused call changes
nothing: the exchange answers exactly as before it."""

from __future__ import annotations

import json
import math
import time
from typing import Any

import httpx
import pytest

from tests.sim.test_server_support import Gmo

NAN = float("nan")
INF = float("inf")

REFUSED: list[tuple[str, dict[str, Any]]] = [
    ("skew", {"seconds": NAN}),
    ("skew", {"seconds": INF}),
    ("skew", {"seconds": 1e12}),
    ("skew", {"seconds": "5"}),
    ("clock", {"advance": 1e308}),
    ("clock", {"advance": NAN}),
    ("clock", {"advance": 10**400}),
    ("delay", {"ms": 1e300}),
    ("delay", {"ms": NAN}),
    ("delay", {"ms": -1}),
    ("rates", {"books_per_s": NAN}),
    ("rates", {"trades_per_s": 5, "tickers_per_s": INF}),
    ("rates", {"idle_factor": -0.5}),
    ("rates", {"books_per_s": True}),
    ("rates", {"idle_factor": 2}),
    ("chaos", {"malformed": NAN}),
    ("chaos", {"malformed": 0.5, "out_of_order": 0.6}),
    ("limits", {"ws_commands_per_s": NAN}),
    ("limits", {"ws_commands_per_s": 0}),
    ("limits", {"rest_per_s": 1e300}),
    ("limits", {"rest_per_s": 0.5}),
    ("limits", {"rest_per_s": 5, "ws_commands_per_s": -1}),
    ("account", {"apiKey": "k-nan", "apiSecret": "s", "jpy": NAN}),
    ("account", {"apiKey": "k-neg", "apiSecret": "s", "jpy": -1e29}),
    ("account", {"apiKey": "k-str", "apiSecret": "s", "jpy": "Infinity"}),
    ("account", {"apiKey": "k-big", "apiSecret": "s", "jpy": "1e40"}),
    ("account", {"apiKey": "k-sp ace", "apiSecret": "s"}),
    ("account", {"apiKey": "k" * 500, "apiSecret": "s"}),
    ("account", {"apiKey": ["k"], "apiSecret": "s"}),
    ("tier", {"tier": 2, "apiKey": ["unhashable"]}),
    ("tier", {"tier": 2.0}),
    ("status", {"status": "OPEN", "emergency": "yes"}),
    ("status", {"status": ["OPEN"]}),
    ("silence", {"all": "no"}),
    ("silence", {"channels": ["nonsense"]}),
    ("fill", {"orderId": 1, "size": NAN}),
    ("fill", {"orderId": 1, "size": "-1"}),
    ("fill_on_cancel", {"orderId": -5}),
    ("fill_on_cancel", {"orderId": 10**30}),
]


def _snapshot(sim) -> dict[str, Any]:
    state = sim.state
    faults = state.faults
    return {
        "skew": state.clock.skew,
        "advanced": state.clock.advanced,
        "delay": faults.delay_ms,
        "rates": state.market.rates,
        "chaos": (faults.chaos_malformed, faults.chaos_out_of_order),
        "silence": (faults.silent_all, set(faults.silent_channels)),
        "fill_on_cancel": set(faults.fill_on_cancel),
        "limits": (state.limiter.override, state.ws_commands_per_s),
        "accounts": set(state.accounts),
        "tiers": {key: acc.tier for key, acc in state.accounts.items()},
        "status": (state.status, state.emergency),
    }


def _post(client: httpx.AsyncClient, name: str, body: dict[str, Any]):
    # NaN and Infinity go out as Python's json writes them (the exchange must refuse them)
    content = json.dumps(body, allow_nan=True).encode()
    return client.post(
        f"/_sim/{name}", content=content, headers={"Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    ("name", "body"), REFUSED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(REFUSED)]
)
async def test_bad_control_value_is_refused_without_side_effect(sim, name, body) -> None:
    before = _snapshot(sim)
    async with httpx.AsyncClient(base_url=sim.endpoint, timeout=5) as client:
        reply = await _post(client, name, body)
        assert reply.status_code == 400, reply.text
        assert reply.json()["ok"] is False and reply.json()["error"]
    assert _snapshot(sim) == before
    # and the exchange still answers, promptly and correctly, with every key it has
    async with Gmo(sim) as gmo:
        assert (await gmo.public("/v1/status"))["data"]["status"] == "OPEN"
        ticker = (await gmo.public("/v1/ticker", symbol="BTC"))["data"][0]
        assert ticker["symbol"] == "BTC"
        reply = await gmo.get("/v1/account/assets")
        assert reply["status"] == 0
        assert abs(_age(reply["responsetime"])) < 5  # the clock was not moved
    info = await sim.control("state", {})
    assert info["ok"] and info["status"] == "OPEN"


def _age(responsetime: str) -> float:
    from gmo_tui.exchange.codec import parse_ts

    return parse_ts(responsetime).timestamp() - time.time()


async def test_accepted_values_at_the_bounds_still_work(sim) -> None:
    for name, body in (
        ("skew", {"seconds": -3600}),
        ("clock", {"advance": 86400}),
        ("delay", {"ms": 0}),
        ("rates", {"books_per_s": 0, "idle_factor": 1}),
        ("limits", {"rest_per_s": None, "ws_commands_per_s": 100}),
        ("account", {"apiKey": "k-zero", "apiSecret": "s-zero", "jpy": "0"}),
        ("account", {"apiKey": "k-int", "apiSecret": "s-int", "jpy": 5000}),
        ("fill_on_cancel", {"orderId": 2_000_000_001}),
    ):
        assert (await sim.control(name, body))["ok"], name
    assert sim.state.clock.skew == -3600 and sim.state.clock.advanced == 86400
    async with Gmo(sim, api_key="k-int", api_secret="s-int") as gmo:
        assets = (await gmo.get("/v1/account/assets"))["data"]
        assert {a["symbol"]: a["amount"] for a in assets}["JPY"] == "5000"
    await sim.control("reset_faults", {})
    assert not math.isnan(sim.state.clock.skew) and sim.state.clock.skew == 0

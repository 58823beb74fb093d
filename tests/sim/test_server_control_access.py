"""The ``/_sim/`` controls answer loopback clients, or others that send the control token printed
at start; they take JSON only; a non-loopback bind prints a warning.

Clients from other addresses are played in process through httpx's ASGI transport (it sets the
ASGI ``client`` address): no socket to any other address is opened.
"""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from gmo_tui.sim.control_access import CONTROL_TOKEN_HEADER
from gmo_tui.sim.runner import bind_warning, startup_lines
from gmo_tui.sim.server import create_app
from gmo_tui.sim.state import SimState


def _client(state: SimState, host: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(state), client=(host, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://sim")


@pytest.mark.parametrize("host", ["192.0.2.10", "10.0.0.7", "2001:db8::1", "::ffff:192.0.2.1"])
async def test_other_clients_need_the_control_token(host: str) -> None:
    state = SimState(seed=42, frozen=True, control=True)
    body = {"apiKey": "minted", "apiSecret": "minted-secret"}
    async with _client(state, host) as client:
        reply = await client.post("/_sim/account", json=body)
        assert reply.status_code == 403 and reply.json()["ok"] is False
        # one character off ("!" is outside the token's URL-safe alphabet, so it always differs)
        wrong = {CONTROL_TOKEN_HEADER: "!" + state.control_token[1:]}
        assert (await client.post("/_sim/account", json=body, headers=wrong)).status_code == 403
        assert (await client.post("/_sim/fill", json={"orderId": 1})).status_code == 403
        assert "minted" not in state.accounts  # nothing happened
        # GMO's own paths stay open to everybody
        assert (await client.get("/public/v1/status")).json()["data"]["status"] == "OPEN"
        right = {CONTROL_TOKEN_HEADER: state.control_token}
        reply = await client.post("/_sim/account", json=body, headers=right)
        assert reply.status_code == 200 and reply.json()["ok"] is True
    assert "minted" in state.accounts


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_loopback_clients_need_no_token(host: str) -> None:
    state = SimState(seed=42, frozen=True, control=True)
    async with _client(state, host) as client:
        reply = await client.post("/_sim/state", json={})
        assert reply.status_code == 200 and reply.json()["ok"] is True


async def test_controls_take_json_only(sim) -> None:
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        for headers in (
            {},
            {"Content-Type": "text/plain"},
            {"Content-Type": "application/x-www-form-urlencoded"},
        ):
            reply = await client.post("/_sim/delay", content=b'{"ms": 500}', headers=headers)
            assert reply.status_code == 415, headers
            assert reply.json()["ok"] is False
        assert sim.state.faults.delay_ms == 0
        reply = await client.post(
            "/_sim/delay",
            content=b'{"ms": 5}',
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        assert reply.status_code == 200 and sim.state.faults.delay_ms == 5
        await sim.control("delay", {"ms": 0})


def test_non_loopback_binds_are_warned_about() -> None:
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.org", ""):
        warning = bind_warning(host)
        assert warning is not None and "warning" in warning.lower(), host
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert bind_warning(host) is None, host


async def test_startup_lines_print_the_token_with_control_only(make_sim) -> None:
    sim = await make_sim(frozen=True)
    lines = startup_lines(sim, took=0.1)
    assert any(sim.state.control_token in line for line in lines)
    assert not any("warning" in line.lower() for line in lines)
    quiet = await make_sim(frozen=True, control=False)
    assert not any(quiet.state.control_token in line for line in startup_lines(quiet, took=0.1))
    # the printed token is the one the exchange checks
    async with _client(sim.state, "192.0.2.10") as client:
        token = sim.state.control_token
        reply = await client.post("/_sim/state", json={}, headers={CONTROL_TOKEN_HEADER: token})
        assert reply.status_code == 200


def test_sim_command_prints_the_control_token() -> None:
    code = "from gmo_tui.sim.runner import serve; serve(port=0, seed=5, control=True)"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(5)]
        assert any("control token" in line for line in lines), lines
    finally:
        proc.terminate()
        proc.wait(10)


async def test_behind_a_local_proxy_the_forwarded_client_counts(sim) -> None:
    # a reverse proxy on this machine (loopback) forwarding a remote client: uvicorn takes the
    # client address from X-Forwarded-For, so the remote client needs the token
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        reply = await client.post("/_sim/state", json={}, headers=forwarded)
        assert reply.status_code == 403
        with_token = {**forwarded, CONTROL_TOKEN_HEADER: sim.state.control_token}
        assert (await client.post("/_sim/state", json={}, headers=with_token)).status_code == 200
        assert (await client.post("/_sim/state", json={})).status_code == 200

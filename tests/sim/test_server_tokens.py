"""ws-auth tokens: 60 minutes of sim time, extend, delete, five per key, sockets closed with them."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from tests.sim.test_server_support import Gmo, code_of, connect

MINUTE = 60


async def refused(gmo: Gmo, token: str) -> bool:
    try:
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")):
            return False
    except websockets.InvalidStatus:
        return True


async def test_token_lives_sixty_minutes_of_sim_time(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        assert isinstance(token, str) and len(token) >= 20
        await sim.control("clock", {"advance": 59 * MINUTE})
        assert not await refused(gmo, token)
        await sim.control("clock", {"advance": 1 * MINUTE + 1})
        assert await refused(gmo, token)
        assert code_of(await gmo.send("PUT", "/v1/ws-auth", {"token": token})) == "ERR-5106"


async def test_extend_resets_to_sixty_minutes(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        await sim.control("clock", {"advance": 50 * MINUTE})
        assert (await gmo.send("PUT", "/v1/ws-auth", {"token": token}))["status"] == 0
        await sim.control("clock", {"advance": 50 * MINUTE})
        assert not await refused(gmo, token)  # 100 minutes after creation, 50 after extension
        await sim.control("clock", {"advance": 11 * MINUTE})
        assert await refused(gmo, token)


async def test_sixth_token_evicts_the_oldest(sim) -> None:
    async with Gmo(sim) as gmo:
        tokens = [await gmo.token() for _ in range(6)]
        assert len(set(tokens)) == 6
        assert await refused(gmo, tokens[0])
        for token in tokens[1:]:
            assert not await refused(gmo, token)
        assert sim.state.tokens.count(sim.api_key) == 5


async def test_delete_closes_the_open_socket(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            reply = await gmo.send("DELETE", "/v1/ws-auth", {"token": token})
            assert reply["status"] == 0 and "data" not in reply
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 3)
        assert await refused(gmo, token)
        assert code_of(await gmo.send("DELETE", "/v1/ws-auth", {"token": token})) == "ERR-5106"


async def test_expiry_closes_the_open_socket(sim) -> None:
    async with Gmo(sim) as gmo:
        token = await gmo.token()
        async with connect(gmo.ws_url(f"/ws/private/v1/{token}")) as ws:
            await sim.control("clock", {"advance": 61 * MINUTE})
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 3)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008


async def test_another_key_cannot_touch_my_token(sim) -> None:
    await sim.control("account", {"apiKey": "second-key", "apiSecret": "second-secret"})
    async with (
        Gmo(sim) as mine,
        Gmo(sim, api_key="second-key", api_secret="second-secret") as other,
    ):
        token = await mine.token()
        assert code_of(await other.send("PUT", "/v1/ws-auth", {"token": token})) == "ERR-5106"
        assert code_of(await other.send("DELETE", "/v1/ws-auth", {"token": token})) == "ERR-5106"
        assert not await refused(mine, token)
        # five per key, counted per key
        for _ in range(5):
            await other.token()
        assert not await refused(mine, token)


async def test_token_body_is_required_for_put_and_delete(sim) -> None:
    async with Gmo(sim) as gmo:
        assert code_of(await gmo.send("PUT", "/v1/ws-auth", {})) == "ERR-5106"
        assert code_of(await gmo.send("DELETE", "/v1/ws-auth", raw=b"not json")) == "ERR-5106"

"""`gmo-tui serve`: the page and its WebSocket over loopback; read-only by default; trading
only with the token."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
import websockets

from gmo_tui import serve


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served() -> Iterator[Callable[..., tuple[str, str]]]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[str, str]:
        port = _free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "gmo_tui", "--demo", "serve", "--port", str(port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return f"127.0.0.1:{port}", first
            time.sleep(0.1)
        raise AssertionError("gmo-tui serve did not listen")

    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


async def _app_output(url: str, **kw: object) -> int:
    """Bytes of terminal output the served app sends until it has drawn a screen."""
    total = 0
    async with websockets.connect(url, open_timeout=30, **kw) as ws:
        async with asyncio.timeout(90):
            while total < 20_000:  # a drawn 100x30 screen is far more than this
                total += len(await ws.recv())
    return total


async def test_serve_answers_its_page_and_runs_the_app_over_its_websocket(served) -> None:
    address, banner = served()
    assert "read-only (order entry disabled)" in banner
    async with httpx.AsyncClient() as client:
        page = await client.get(f"http://{address}/")
    assert page.status_code == 200
    assert f"ws://{address}/ws" in page.text
    assert await _app_output(f"ws://{address}/ws?width=100&height=30") >= 20_000


async def test_trading_needs_the_token_in_the_url(served) -> None:
    address, banner = served("--allow-trading")
    assert "trading allowed; open http://" in banner
    token = banner.strip().rsplit("token=", 1)[1]
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"http://{address}/")).status_code == 403
        assert (await client.get(f"http://{address}/?token=wrong")).status_code == 403
        page = await client.get(f"http://{address}/?token={token}")
        assert page.status_code == 200
        assert page.cookies.get(serve.TOKEN_COOKIE) == token
    with pytest.raises(websockets.InvalidStatus):
        await _app_output(f"ws://{address}/ws")
    cookie = f"{serve.TOKEN_COOKIE}={token}"
    output = await _app_output(
        f"ws://{address}/ws?width=100&height=30", additional_headers={"Cookie": cookie}
    )
    assert output >= 20_000


def test_read_only_is_what_the_served_app_reads(monkeypatch) -> None:
    monkeypatch.delenv(serve.READ_ONLY_ENV, raising=False)
    assert not serve.read_only() and serve.read_only_reason() is None
    monkeypatch.setenv(serve.READ_ONLY_ENV, "1")
    assert serve.read_only() and "order entry is disabled" in (serve.read_only_reason() or "")
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("192.168.1.5")
    assert os.path.basename(sys.executable) in serve.app_command(["--demo"])

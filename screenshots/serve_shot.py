"""A PNG of `gmo-tui --demo serve` in headless Chromium: ``python screenshots/serve_shot.py``.

Starts the served app on a free loopback port and Chromium with its DevTools protocol on
another, opens the page, waits for the app to draw, and writes ``screenshots/serve.png``.
Needs ``chromium`` on the PATH (``apt-get install -y chromium``) and the ``serve`` extra.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

OUT = Path(__file__).resolve().parent / "serve.png"
WIDTH, HEIGHT = 1440, 900


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


async def _shoot(devtools: int, url: str) -> bytes:
    for _ in range(100):
        try:
            pages = httpx.get(f"http://127.0.0.1:{devtools}/json").json()
            break
        except httpx.HTTPError:
            await asyncio.sleep(0.1)
    target = next(p for p in pages if p["type"] == "page")
    async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as cdp:
        ids = iter(range(1, 1000))

        async def call(method: str, **params: object) -> dict:
            n = next(ids)
            await cdp.send(json.dumps({"id": n, "method": method, "params": params}))
            while True:
                reply = json.loads(await cdp.recv())
                if reply.get("id") == n:
                    return reply.get("result", {})

        await call(
            "Emulation.setDeviceMetricsOverride",
            width=WIDTH,
            height=HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )
        await call("Page.navigate", url=url)
        await asyncio.sleep(15)  # the app starts (its own exchange too) and draws
        shot = await call("Page.captureScreenshot", format="png")
    return base64.b64decode(shot["data"])


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("no chromium on the PATH", file=sys.stderr)
        return 2
    port, devtools = _free_port(), _free_port()
    served = subprocess.Popen(
        [sys.executable, "-m", "gmo_tui", "--demo", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory() as profile:
        browser = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--remote-debugging-port={devtools}",
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_port(port)
            _wait_port(devtools)
            OUT.write_bytes(asyncio.run(_shoot(devtools, f"http://127.0.0.1:{port}/")))
        finally:
            browser.terminate()
            served.terminate()
            browser.wait(10)
            served.wait(10)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

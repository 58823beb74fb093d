"""The built-in exchange's body limit: oversized requests are refused before their body is read.

A declared Content-Length over the limit answers HTTP 413 at once (the body is never read), a
chunked body is cut off at the limit, and a private request's key, timestamp and signature
headers are checked before its body is read. The peak memory of a separate ``gmo-tui sim``
process stays flat under four 256 MB POSTs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import httpx

from gmo_tui.sim.request_body import MAX_BODY_BYTES
from tests.sim.test_server_support import Gmo, code_of, raw_request, read_reply, stamp

HUGE = 256 * 1024 * 1024


def _head(path: str, *lines: str, method: str = "POST") -> str:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *lines])


def _gmo_error(body: bytes) -> str:
    reply = json.loads(body)
    assert reply["status"] == 1, reply
    return reply["messages"][0]["message_code"]


async def test_oversized_content_length_is_413_before_the_body_is_read(sim) -> None:
    # only the headers are sent: a server that waited for the 256 MB would time out here
    for path in ("/private/v1/order", "/public/v1/ticker", "/_sim/state", "/no/such/path"):
        head = _head(path, "Content-Type: application/json", f"Content-Length: {HUGE}")
        status, headers, body = await raw_request(sim, head)
        assert status == 413, path
        assert headers["connection"] == "close", path
        assert _gmo_error(body) == "ERR-5106", path
    # one byte over the limit is refused, the limit itself is not
    async with Gmo(sim) as gmo:
        at_limit = b" " * (MAX_BODY_BYTES - 2) + b"{}"
        assert code_of(await gmo.send("POST", "/v1/order", raw=at_limit)) == "ERR-5106"
        over = at_limit + b" "
        reply = await gmo.http.post(
            "/private/v1/order", content=over, headers=gmo.headers("POST", "/v1/order", over)
        )
        assert reply.status_code == 413
        assert (await gmo.get("/v1/account/assets"))["status"] == 0


async def _send_chunked(sim, head: str) -> tuple[int, dict[str, str], bytes, int]:
    """Offer 32 MB in 64 KiB chunks until the server answers; the reply and the bytes sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    writer.write(head.encode() + b"\r\n\r\n")
    reply = asyncio.create_task(read_reply(reader))
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"[" * (64 * 1024))
    sent = 0
    try:
        # 32 MB offered; the server answers (and hangs up) after the first 64 KiB
        while sent < 32 * 1024 * 1024 and not reply.done():
            writer.write(chunk)
            await writer.drain()
            sent += 64 * 1024
    except (ConnectionError, OSError):
        pass
    status, headers, body = await asyncio.wait_for(reply, 5)
    writer.close()
    return status, headers, body, sent


async def test_chunked_body_is_cut_off_at_the_limit(sim) -> None:
    # headers that pass the checks made before the body is read, so the body is read
    signed = _head(
        "/private/v1/order",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        f"API-KEY: {sim.api_key}",
        f"API-TIMESTAMP: {stamp(clock=sim.clock)}",
        "API-SIGN: " + "0" * 64,
    )
    control = _head("/_sim/rates", "Content-Type: application/json", "Transfer-Encoding: chunked")
    for head in (signed, control):
        status, headers, body, sent = await _send_chunked(sim, head)
        assert status == 413 and headers["connection"] == "close"
        assert _gmo_error(body) == "ERR-5106"
        assert sent < 16 * 1024 * 1024
    async with Gmo(sim) as gmo:
        assert (await gmo.get("/v1/account/assets"))["status"] == 0


async def test_private_headers_are_checked_before_the_body_is_read(sim) -> None:
    # a 60 KB body is declared and never sent: each refusal must come from the headers alone
    good = stamp(clock=sim.clock)
    cases = {
        "ERR-5011": [],
        "ERR-5012": ["API-KEY: nobody", f"API-TIMESTAMP: {good}", "API-SIGN: " + "0" * 64],
        "ERR-5007": [f"API-KEY: {sim.api_key}", "API-TIMESTAMP: soon", "API-SIGN: " + "0" * 64],
        "ERR-5009": [
            f"API-KEY: {sim.api_key}",
            f"API-TIMESTAMP: {stamp(-600, clock=sim.clock)}",
            "API-SIGN: " + "0" * 64,
        ],
        "ERR-5010": [f"API-KEY: {sim.api_key}", f"API-TIMESTAMP: {good}", "API-SIGN: not-hex"],
    }
    for code, lines in cases.items():
        head = _head(
            "/private/v1/order", "Content-Type: application/json", "Content-Length: 60000", *lines
        )
        status, headers, body = await raw_request(sim, head)
        assert status == 200 and _gmo_error(body) == code, code
        assert headers["connection"] == "close", code  # the unread body is not taken in


PROBE = """
from gmo_tui.sim.runner import serve
serve(port=0, seed=7)
"""


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _post_huge(endpoint: str, path: str) -> int | None:
    """POST 256 MB (declared up front, streamed); the status if the server answered."""
    block = b"x" * (1024 * 1024)

    def body():
        for _ in range(HUGE // len(block)):
            yield block

    headers = {"Content-Length": str(HUGE), "Content-Type": "application/json"}
    with contextlib.suppress(httpx.TransportError):
        return httpx.post(endpoint + path, content=body(), headers=headers, timeout=60).status_code
    return None


def test_peak_memory_stays_flat_under_four_256mb_posts() -> None:
    proc = subprocess.Popen([sys.executable, "-c", PROBE], stdout=subprocess.PIPE, text=True)
    try:
        endpoint = proc.stdout.readline().split(" on ")[1].split()[0]
        assert httpx.get(endpoint + "/public/v1/status").json()["data"]["status"] == "OPEN"
        before = _peak_kib(proc.pid)
        paths = ("/private/v1/order", "/private/v1/order", "/public/v1/ticker", "/x")
        statuses = [_post_huge(endpoint, path) for path in paths]
        after = _peak_kib(proc.pid)
        print(f"built-in exchange peak RSS: {before / 1024:.1f} MB -> {after / 1024:.1f} MB")
        assert after - before < 32 * 1024, (before, after)
        assert set(statuses) <= {413, None}, statuses  # None: cut off while sending
        assert httpx.get(endpoint + "/public/v1/status").json()["data"]["status"] == "OPEN"
    finally:
        proc.terminate()
        proc.wait(10)

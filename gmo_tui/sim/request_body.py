"""The built-in exchange's request-body limit and its bounded body reader.

GMO's largest request body (``cancelOrders`` with 100 ids) is a few kilobytes, so
:data:`MAX_BODY_BYTES` (64 KiB) refuses nothing a client needs. A request whose Content-Length
declares more is answered HTTP 413 before anything else happens (:func:`declared_too_large`,
used by the ASGI entry point), and a body sent without a length (chunked) is read only up to the
limit (:func:`read_body` raises :class:`BodyTooLarge` past it). Either way the reply carries
``Connection: close``, so the rest of the body is never read. WebSocket messages have the same
limit (the runner's ``ws_max_size``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from gmo_tui.sim.replies import fail

MAX_BODY_BYTES = 64 * 1024
TOO_LARGE_MESSAGE = f"The request body is larger than {MAX_BODY_BYTES} bytes."


class BodyTooLarge(Exception):
    """The body went past :data:`MAX_BODY_BYTES`."""


class BodyLost(Exception):
    """The client went away before its body was complete."""


def declared_too_large(scope: dict[str, Any], limit: int = MAX_BODY_BYTES) -> bool:
    """True when the request's Content-Length declares more than ``limit`` bytes.

    A missing or malformed Content-Length is left to the HTTP parser (h11 refuses malformed
    ones with HTTP 400) and to :func:`read_body`."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.strip()
            if text.isdigit() and (len(text) > 18 or int(text) > limit):
                return True
    return False


def body_expected(request: Request) -> bool:
    """True when the request has a body on its way (chunked, or a non-zero Content-Length)."""
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0").strip() != "0"


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request's body, read chunk by chunk and never past ``limit`` bytes."""
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise BodyTooLarge
    except ClientDisconnect:
        raise BodyLost from None
    return bytes(body)


def too_large(now: datetime) -> Response:
    """HTTP 413 with GMO's error envelope (ERR-5106); the connection is closed after it."""
    return fail(
        now, "ERR-5106", TOO_LARGE_MESSAGE, http_status=413, headers={"Connection": "close"}
    )

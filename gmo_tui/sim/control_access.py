"""Who may use the ``/_sim/`` controls: loopback clients, or others with the control token.

The controls fill orders and mint funded accounts, so (when ``--control`` enables them at all) a
request is refused with HTTP 403 unless it comes from a loopback address or carries the
exchange's control token (printed at start) in the :data:`CONTROL_TOKEN_HEADER` header. Behind a
reverse proxy on the same machine the client is the one its ``X-Forwarded-For`` names (the
runner believes that header from loopback only), so forwarded clients need the token. Bodies
must be ``application/json`` (HTTP 415 otherwise), which also keeps a web page from posting to
them without a CORS preflight the exchange never grants.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.requests import Request

CONTROL_TOKEN_HEADER = "SIM-CONTROL-TOKEN"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


def is_loopback(host: str | None) -> bool:
    """True for a loopback address (IPv4, IPv6 or IPv4-mapped IPv6) or the name localhost."""
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def refusal(request: Request, token: str) -> tuple[int, str] | None:
    """``(http_status, reason)`` when this control request must be refused, else None."""
    client = request.client
    if not is_loopback(client.host if client is not None else None):
        sent = request.headers.get(CONTROL_TOKEN_HEADER, "").encode("latin-1")
        if not hmac.compare_digest(sent, token.encode()):
            return 403, f"controls answer loopback clients, or a {CONTROL_TOKEN_HEADER} header"
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return 415, "the body must be application/json"
    return None

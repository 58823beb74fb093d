"""Private API signing exactly as documented, and credentials that never print themselves.

``API-SIGN = hex(HMAC-SHA256(secret, timestamp + METHOD + path + body))``: ``path`` starts at
``/v1`` (no ``/private``, no query) and ``body`` is the exact JSON text sent, for POST only.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field


def signature_payload(timestamp: str, method: str, path: str, body: bytes | str = b"") -> bytes:
    method = method.upper()
    if isinstance(body, str):
        body = body.encode()
    if method != "POST":
        body = b""
    return timestamp.encode() + method.encode() + path.encode() + body


def sign(secret: str, timestamp: str, method: str, path: str, body: bytes | str = b"") -> str:
    """The hex HMAC-SHA256 signature GMO Coin expects in ``API-SIGN``."""
    payload = signature_payload(timestamp, method, path, body)
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def redact(secret: str) -> str:
    """Never more than a hint: the length and nothing of the value."""
    return f"<redacted {len(secret)} chars>" if secret else "<empty>"


@dataclass(frozen=True, slots=True)
class Credentials:
    """An API key and secret. ``repr``/``str`` never show either value."""

    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    source: str = "unknown"

    def headers(self, timestamp: str, method: str, path: str, body: bytes = b"") -> dict[str, str]:
        return {
            "API-KEY": self.api_key,
            "API-TIMESTAMP": timestamp,
            "API-SIGN": sign(self.api_secret, timestamp, method, path, body),
        }

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.api_key, self.api_secret) if s)

    def __repr__(self) -> str:
        return f"Credentials(api_key={redact(self.api_key)}, source={self.source!r})"

    __str__ = __repr__

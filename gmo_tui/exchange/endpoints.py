"""One base URL -> the four GMO Coin endpoints (REST public/private, WebSocket public/private).

The app takes a single ``--endpoint`` (default ``https://api.coin.z.com``; the built-in exchange
is e.g. ``http://127.0.0.1:8765``). REST lives under ``/public`` and ``/private``; WebSocket URLs
use the same host with ``http`` -> ``ws`` and ``https`` -> ``wss``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gmo_tui.exchange.errors import ValidationError

DEFAULT_ENDPOINT = "https://api.coin.z.com"

_WS_SCHEMES = {"http": "ws", "https": "wss"}


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The URLs derived from one base URL (no trailing slash)."""

    base: str

    @classmethod
    def from_base(cls, base: str = DEFAULT_ENDPOINT) -> Endpoints:
        """Validate ``base`` (http/https, a host, no query or fragment) and normalise it."""
        text = (base or "").strip()
        parts = urlsplit(text)
        if parts.scheme not in _WS_SCHEMES:
            raise ValidationError(f"endpoint must start with http:// or https://: {text!r}")
        if not parts.netloc:
            raise ValidationError(f"endpoint has no host: {text!r}")
        if parts.query or parts.fragment:
            raise ValidationError(f"endpoint must not carry a query or fragment: {text!r}")
        return cls(base=text.rstrip("/"))

    @property
    def rest_public(self) -> str:
        """Prefix of public REST paths: ``{base}/public`` (then ``/v1/...``)."""
        return f"{self.base}/public"

    @property
    def rest_private(self) -> str:
        """Prefix of private REST paths: ``{base}/private`` (then ``/v1/...``)."""
        return f"{self.base}/private"

    @property
    def ws_base(self) -> str:
        scheme, rest = self.base.split("://", 1)
        return f"{_WS_SCHEMES[scheme]}://{rest}"

    @property
    def ws_public(self) -> str:
        return f"{self.ws_base}/ws/public/v1"

    def ws_private(self, token: str) -> str:
        """The private stream URL; it embeds the token, so never log it."""
        if not token:
            raise ValidationError("a private WebSocket URL needs a token")
        return f"{self.ws_base}/ws/private/v1/{token}"

    @property
    def is_default(self) -> bool:
        return self.base == DEFAULT_ENDPOINT

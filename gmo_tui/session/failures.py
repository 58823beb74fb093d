"""Which failures pass (retried with backoff) and what a failure says about the endpoint."""

from __future__ import annotations

from gmo_tui.exchange.errors import (
    ProtocolError,
    RateLimitError,
    ServiceUnavailableError,
    TransportError,
)

RETRYABLE = (TransportError, ProtocolError, ServiceUnavailableError, RateLimitError, OSError)
"""Failures that pass: the endpoint unreachable or down, maintenance, the rate limit."""


def unreachable(exc: BaseException) -> bool:
    """The endpoint did not answer (refused, timed out, DNS …), as opposed to answering no."""
    return isinstance(exc, TransportError | OSError)


def socket_says_down(detail: str) -> bool:
    """A stream's reconnect reason that hints at maintenance or an unreachable endpoint."""
    return any(hint in detail for hint in ("503", "Refused", "refused", "OSError"))

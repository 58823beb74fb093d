"""One redaction filter for every log line: API key, secret, WS tokens and private WS URLs.

Any layer can register a secret with :func:`register_secret` (e.g. each WS token); :func:`install`
makes a handler redact every line it writes (:class:`RedactingFormatter`); :class:`RedactingFilter`
redacts records in place, for a logger of one's own.
"""

from __future__ import annotations

import logging
import re
import threading

_LOCK = threading.Lock()
_SECRETS: set[str] = set()
_PRIVATE_WS = re.compile(r"(/ws/private/v1/)[^\s\"'/?#]+")
_HEADER = re.compile(
    r"(?i)(API-KEY|API-SIGN|token)([\"']?\s*[:=]\s*[\"']?)([A-Za-z0-9+/=_\-.]{8,})"
)
MASK = "***"


def register_secret(value: str | None) -> None:
    """Every later log line has ``value`` replaced by ``***`` (values under 4 chars are ignored)."""
    if value and len(value) >= 4:
        with _LOCK:
            _SECRETS.add(value)


def forget_secret(value: str | None) -> None:
    with _LOCK:
        _SECRETS.discard(value or "")


def redact_text(text: str) -> str:
    """``text`` with every registered secret, private WS URL token and auth header value masked."""
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _PRIVATE_WS.sub(r"\1" + MASK, text)
    return _HEADER.sub(lambda m: m.group(1) + m.group(2) + MASK, text)


class RedactingFilter(logging.Filter):
    """Formats the record's message once, redacts it, and drops the arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not kill logging
            message = str(record.msg)
        record.msg = redact_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class RedactingFormatter(logging.Formatter):
    """Wraps a formatter: the finished line (message, arguments, traceback) is redacted.

    Unlike a filter it leaves the record alone, so other handlers see what they always saw.
    """

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact_text(self.inner.format(record))


def install(
    handler: logging.Handler, formatter: logging.Formatter | None = None
) -> logging.Handler:
    """Make every line ``handler`` writes pass through :func:`redact_text`."""
    handler.setFormatter(RedactingFormatter(formatter or handler.formatter))
    return handler

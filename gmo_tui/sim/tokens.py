"""Private WebSocket access tokens (``/v1/ws-auth``): create, extend, delete, expire.

A token lives 60 minutes of sim-clock time; extending resets it to 60 minutes; each API key
holds at most 5 tokens (a sixth evicts the oldest). Listeners are told when a token dies
(deleted, evicted or expired) so that the WebSocket hub closes its sockets.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

TOKEN_LIFETIME_S = 60 * 60
MAX_TOKENS_PER_KEY = 5

# ``listener(token)`` for every token any store issues (the test suite's secret canary scans
# its output for them); add with :func:`watch_issued`.
_ISSUE_WATCHERS: list[Callable[[str], None]] = []


def watch_issued(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(token)`` for every token issued from now on; returns the remover."""
    _ISSUE_WATCHERS.append(listener)
    return lambda: _ISSUE_WATCHERS.remove(listener) if listener in _ISSUE_WATCHERS else None


@dataclass
class _Token:
    api_key: str
    expires_at: float
    created_seq: int


class TokenStore:
    """Tokens by value; times are sim-clock unix seconds from ``now``."""

    def __init__(self, now: Callable[[], float], *, lifetime_s: float = TOKEN_LIFETIME_S) -> None:
        self._now = now
        self.lifetime_s = lifetime_s
        self._tokens: dict[str, _Token] = {}
        self._seq = 0
        self._listeners: list[Callable[[str], None]] = []

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        """``listener(token)`` is called when a token is deleted, evicted or found expired."""
        self._listeners.append(listener)

    def _revoke(self, token: str) -> None:
        if self._tokens.pop(token, None) is not None:
            for listener in self._listeners:
                listener(token)

    def create(self, api_key: str) -> str:
        self.expire()
        mine = sorted(
            (t for t, v in self._tokens.items() if v.api_key == api_key),
            key=lambda t: self._tokens[t].created_seq,
        )
        while len(mine) >= MAX_TOKENS_PER_KEY:
            self._revoke(mine.pop(0))
        token = secrets.token_urlsafe(32)
        self._seq += 1
        self._tokens[token] = _Token(api_key, self._now() + self.lifetime_s, self._seq)
        for watcher in _ISSUE_WATCHERS:
            watcher(token)
        return token

    def owner(self, token: str) -> str | None:
        """The API key owning a live token, or None (unknown, deleted or expired)."""
        self.expire()
        entry = self._tokens.get(token)
        return entry.api_key if entry else None

    def extend(self, api_key: str, token: str) -> bool:
        self.expire()
        entry = self._tokens.get(token)
        if entry is None or entry.api_key != api_key:
            return False
        entry.expires_at = self._now() + self.lifetime_s
        return True

    def delete(self, api_key: str, token: str) -> bool:
        self.expire()
        entry = self._tokens.get(token)
        if entry is None or entry.api_key != api_key:
            return False
        self._revoke(token)
        return True

    def expire(self) -> list[str]:
        """Drop every token past its life; returns how many died (their values stay private)."""
        now = self._now()
        dead = [t for t, v in self._tokens.items() if v.expires_at <= now]
        for token in dead:
            self._revoke(token)
        return dead

    def count(self, api_key: str) -> int:
        return sum(1 for v in self._tokens.values() if v.api_key == api_key)

    def revoke_all(self) -> None:
        for token in list(self._tokens):
            self._revoke(token)

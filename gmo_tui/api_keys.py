"""The API key and secret in the OS keyring (through the ``keyring`` package): read, store,
delete, and a description of what is there that never shows the secret.

Entries live under the service ``gmo-tui`` as the users ``api_key`` and ``api_secret``. The
keyring is the last place the app looks for credentials (after the environment and
``credentials.toml``; see :func:`gmo_tui.config.load_credentials`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from types import ModuleType

from gmo_tui import redact
from gmo_tui.exchange.auth import Credentials

log = logging.getLogger(__name__)

SERVICE = "gmo-tui"
KEY_ENTRY = "api_key"
SECRET_ENTRY = "api_secret"
HINT_MIN_LENGTH = 16
"""A key shorter than this is never hinted at (its last 4 characters would be too much of it)."""


def _keyring() -> ModuleType:
    """The ``keyring`` package, imported when first used (a demo or an environment key never
    needs it, and its backends take ~40 ms to import)."""
    import keyring
    import keyring.errors

    return keyring


class KeyringFailure(Exception):
    """The OS keyring cannot be used (no backend, locked, refused); the message says which."""


def key_hint(key: str) -> str:
    """At most the key's last 4 characters: ``…AB12``, or its length when it is short."""
    if len(key) >= HINT_MIN_LENGTH:
        return "…" + key[-4:]
    return f"({len(key)} characters)"


def backend_name() -> str:
    backend = _keyring().get_keyring()
    return f"{type(backend).__module__}.{type(backend).__name__}"


def backend_is_recommended() -> bool:
    """False for backends keyring itself ranks below 1 (e.g. a plain-text file)."""
    return float(type(_keyring().get_keyring()).priority) >= 1


@dataclass(frozen=True, slots=True)
class KeyringState:
    """What the keyring holds for gmo-tui, secret-free."""

    backend: str
    key: str | None = None
    """The stored key (show only :func:`key_hint` of it)."""
    has_secret: bool = False
    error: str | None = None
    """Why the keyring could not be read, when it could not."""

    @property
    def complete(self) -> bool:
        return bool(self.key) and self.has_secret


def _get(entry: str) -> str | None:
    try:
        return _keyring().get_password(SERVICE, entry)
    except Exception as exc:  # noqa: BLE001 - any backend failure is "keyring unusable"
        raise KeyringFailure(f"{type(exc).__name__}: {exc}") from None


def state() -> KeyringState:
    """What is stored (never the secret itself)."""
    name = backend_name()
    try:
        key, secret = _get(KEY_ENTRY), _get(SECRET_ENTRY)
    except KeyringFailure as exc:
        return KeyringState(name, error=str(exc))
    return KeyringState(name, key=key or None, has_secret=bool(secret))


def read_keyring() -> Credentials | None:
    """The stored pair, or None when there is none or the keyring cannot be read (logged)."""
    try:
        key, secret = _get(KEY_ENTRY), _get(SECRET_ENTRY)
    except KeyringFailure as exc:
        log.warning("OS keyring unavailable (%s): %s", backend_name(), exc)
        return None
    if key and secret:
        return Credentials(key, secret, source="keyring")
    return None


def store(key: str, secret: str) -> None:
    """Store the pair and read it back; on any failure nothing of it is left stored."""
    redact.register_secret(key)
    redact.register_secret(secret)
    try:
        _keyring().set_password(SERVICE, KEY_ENTRY, key)
        _keyring().set_password(SERVICE, SECRET_ENTRY, secret)
        stored = (_get(KEY_ENTRY), _get(SECRET_ENTRY))
    except Exception as exc:  # noqa: BLE001 - report, then undo
        with contextlib.suppress(KeyringFailure):
            delete()
        raise KeyringFailure(redact.redact_text(f"{type(exc).__name__}: {exc}")) from None
    if stored != (key, secret):
        with contextlib.suppress(KeyringFailure):
            delete()
        raise KeyringFailure("the keyring did not return what was stored")


def delete() -> int:
    """Remove both entries; returns how many were there. :class:`KeyringFailure` when the
    keyring cannot be used."""
    removed = 0
    for entry in (KEY_ENTRY, SECRET_ENTRY):
        try:
            _keyring().delete_password(SERVICE, entry)
        except _keyring().errors.PasswordDeleteError:
            continue
        except Exception as exc:  # noqa: BLE001
            raise KeyringFailure(f"{type(exc).__name__}: {exc}") from None
        removed += 1
    return removed

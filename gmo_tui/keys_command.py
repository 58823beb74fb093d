"""`gmo-tui keys set | show | delete`: the API key and secret in the OS keyring, and where the app
finds its credentials. Nothing here ever prints a secret; a key shows at most its last 4
characters (:func:`gmo_tui.api_keys.key_hint`).

``set`` reads the key and the secret without echo (``getpass``) from a terminal, or as two
lines from standard input otherwise (``printf '%s\\n%s\\n' "$KEY" "$SECRET" | gmo-tui keys set``).
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from gmo_tui import api_keys
from gmo_tui import config as cfg
from gmo_tui.api_keys import KeyringFailure, key_hint
from gmo_tui.i18n import _

Prompt = Callable[[str], str]


class KeysAction(StrEnum):
    """The sub-commands of ``gmo-tui keys``."""

    SET = "set"
    SHOW = "show"
    DELETE = "delete"


def run(action: KeysAction, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    """Run one ``gmo-tui keys`` sub-command; returns the exit code."""
    match action:
        case KeysAction.SET:
            return keys_set(stdin, out, err)
        case KeysAction.SHOW:
            return keys_show(out)
        case KeysAction.DELETE:
            return keys_delete(out, err)


class BadInput(ValueError):
    """What was typed or piped is not a key/secret pair (the message says which part)."""


def _clean(label: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise BadInput(
            _("the API key is empty") if label == "key" else _("the API secret is empty")
        )
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in value):
        raise BadInput(
            _("the API key holds spaces or characters no GMO Coin key has")
            if label == "key"
            else _("the API secret holds spaces or characters no GMO Coin secret has")
        )
    return value


def read_pair(stdin: TextIO, prompt: Prompt | None = None) -> tuple[str, str]:
    """(key, secret): typed without echo at a terminal (``prompt``, default
    ``getpass.getpass``), else the first two lines of ``stdin``."""
    if stdin.isatty():
        prompt = prompt or getpass.getpass
        key, secret = prompt(_("GMO Coin API key: ")), prompt(_("GMO Coin API secret: "))
    else:
        key, secret = stdin.readline(), stdin.readline()
    return _clean("key", key), _clean("secret", secret)


def keys_set(
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    *,
    env: Mapping[str, str] | None = None,
    directory: Path | None = None,
    prompt: Prompt | None = None,
) -> int:
    """Store a pair in the keyring. 0 when stored, 2 on bad input, 1 when the keyring fails."""
    try:
        key, secret = read_pair(stdin, prompt)
    except BadInput as exc:
        print(_("gmo-tui keys set: {error}; nothing stored").format(error=exc), file=err)
        return 2
    except EOFError:
        print(_("gmo-tui keys set: no input; nothing stored"), file=err)
        return 2
    try:
        api_keys.store(key, secret)
    except KeyringFailure as exc:
        print(
            _(
                "gmo-tui keys set: the OS keyring ({backend}) refused: {error}. "
                "Nothing stored; use GMO_API_KEY/GMO_API_SECRET or credentials.toml instead."
            ).format(backend=api_keys.backend_name(), error=exc),
            file=err,
        )
        return 1
    print(
        _("Stored key {hint} and its secret in {backend}.").format(
            hint=key_hint(key), backend=api_keys.backend_name()
        ),
        file=out,
    )
    if not api_keys.backend_is_recommended():
        print(
            _(
                "Warning: keyring ranks this backend as not recommended (it may keep the secret "
                "unencrypted on disk)."
            ),
            file=err,
        )
    env = os.environ if env is None else env
    if env.get("GMO_API_KEY") or env.get("GMO_API_SECRET"):
        print(_("Note: GMO_API_KEY/GMO_API_SECRET in the environment still come first."), file=out)
    file = (directory or cfg.config_dir()) / cfg.CREDENTIALS_FILE
    if file.exists():
        print(_("Note: {file} still comes before the keyring.").format(file=file), file=out)
    return 0


def _env_line(env: Mapping[str, str]) -> str:
    key, secret = env.get("GMO_API_KEY", ""), env.get("GMO_API_SECRET", "")
    if key and secret:
        return _("set, key {hint}").format(hint=key_hint(key))
    if key or secret:
        return _("only one of the two is set")
    return _("not set")


def _file_line(path: Path) -> str:
    try:
        creds = cfg.credentials_from_file(path)
    except cfg.ConfigError as exc:
        return _("refused: {error}").format(error=exc)
    return _("none") if creds is None else _("key {hint}").format(hint=key_hint(creds.api_key))


def _keyring_line() -> str:
    found = api_keys.state()
    if found.error is not None:
        return _("unusable: {error}").format(error=found.error)
    if found.complete and found.key:
        return _("key {hint} and its secret").format(hint=key_hint(found.key))
    if found.key or found.has_secret:
        return _("incomplete (one of the two entries only): run `gmo-tui keys set`")
    return _("none")


def keys_show(
    out: TextIO, *, env: Mapping[str, str] | None = None, directory: Path | None = None
) -> int:
    """Print where the app looks for credentials, what each place holds, and which it uses."""
    env = os.environ if env is None else env
    directory = directory or cfg.config_dir()
    path = directory / cfg.CREDENTIALS_FILE
    print(
        _("gmo-tui looks for credentials in this order and uses the first complete pair:"),
        file=out,
    )
    print(
        _("  1. environment GMO_API_KEY / GMO_API_SECRET: {state}").format(state=_env_line(env)),
        file=out,
    )
    print(_("  2. file {path}: {state}").format(path=path, state=_file_line(path)), file=out)
    print(
        _("  3. OS keyring ({backend}): {state}").format(
            backend=api_keys.backend_name(), state=_keyring_line()
        ),
        file=out,
    )
    try:
        creds = cfg.load_credentials(env, directory)
    except cfg.ConfigError as exc:
        print(_("In use: none; the app refuses to start: {error}").format(error=exc), file=out)
        return 0
    if creds is None:
        print(_("In use: none (public panes only; order entry needs a key)"), file=out)
    else:
        print(
            _("In use: {source}, key {hint}").format(
                source=creds.source, hint=key_hint(creds.api_key)
            ),
            file=out,
        )
    return 0


def keys_delete(out: TextIO, err: TextIO) -> int:
    """Remove the pair from the keyring. 0 when gone (or never there), 1 when the keyring fails."""
    try:
        removed = api_keys.delete()
    except KeyringFailure as exc:
        print(_("gmo-tui keys delete: the OS keyring refused: {error}").format(error=exc), file=err)
        return 1
    if removed:
        print(
            _("Deleted the gmo-tui key and secret from {backend}.").format(
                backend=api_keys.backend_name()
            ),
            file=out,
        )
    else:
        print(
            _("No gmo-tui credentials in {backend}; nothing to delete.").format(
                backend=api_keys.backend_name()
            ),
            file=out,
        )
    return 0

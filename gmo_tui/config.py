"""Settings: typed dataclasses read from ``config.toml`` in the platformdirs config dir.

Precedence: command-line flags > environment variables > ``config.toml`` > defaults. Every value
is checked before the UI starts (:mod:`gmo_tui.config_values`): a bad one is a
:class:`ConfigError` naming the file (or variable, or flag), the key and what is allowed.

The config directory, ``config.toml`` and the user's theme files are trusted only when no one
else could have written them (:func:`gmo_tui.private_files.check_trusted`, as OpenSSH does).
Credentials come from ``GMO_API_KEY``/``GMO_API_SECRET``, else a ``credentials.toml`` in the
config dir that only the user can read, else the OS keyring (:mod:`gmo_tui.api_keys`). Logging
goes to a private file in the log dir through the one redaction filter of :mod:`gmo_tui.redact`.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import platformdirs

from gmo_tui import api_keys, redact
from gmo_tui.alerts.settings import AlertSettings
from gmo_tui.config_values import (
    ConfigError,
    endpoint_problem,
    key_problem,
    positive_seconds,
    safety_limits,
    show,
)
from gmo_tui.exchange.auth import Credentials
from gmo_tui.i18n import N_, _, language_problem
from gmo_tui.keymap_clashes import BoundKey, clashes
from gmo_tui.market.safety import SafetyLimits
from gmo_tui.market.sizing import parse_sizes_table
from gmo_tui.private_files import (
    UntrustedPath,
    check_secret,
    check_trusted,
    private_dir,
    private_file,
)

__all__ = ["ConfigError", "Settings", "load_credentials", "load_settings", "setup_logging"]

APP_NAME = "gmo-tui"
DEFAULT_ENDPOINT = "https://api.coin.z.com"
CONFIG_FILE = "config.toml"
CREDENTIALS_FILE = "credentials.toml"
THEMES_DIR = "themes"


def config_dir() -> Path:
    """``GMO_TUI_CONFIG_DIR`` or the platform's user config dir for gmo-tui."""
    override = os.environ.get("GMO_TUI_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def log_dir() -> Path:
    override = os.environ.get("GMO_TUI_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app reads at start-up.

    For example::

        symbol = "ETH"
        tier = 2
        [keymap]
        "ticket.buy" = "f5"
        [safety]
        hard_max_notional = "1000000"
    """

    symbol: str = "BTC_JPY"
    """Symbol shown at start (any symbol of /v1/symbols, e.g. ``BTC`` or ``BTC_JPY``)."""
    theme: str = "gmo-dark"
    """Theme name: a file of themes/ (``gmo-dark``, ``gmo-light``, ``gmo-high-contrast``,
    ``gmo-blue-orange``), a theme from the config dir's themes/, or any built-in Textual theme."""
    endpoint: str = DEFAULT_ENDPOINT
    """Base URL of the exchange; REST and WebSocket URLs are derived from it. Any other than
    the default must be ``https://``, or ``http://`` on a loopback address."""
    tier: int = 1
    """API tier of the account (1: 20 GET + 20 POST per second; 2: 30 + 30)."""
    bell: bool = True
    """Ring the terminal bell on a fill."""
    language: str = ""
    """Language of the UI: ``"ja"`` (日本語) or ``"en"``; empty: from the locale (``LANG=ja_JP.UTF-8``
    is Japanese), else English (:mod:`gmo_tui.i18n`)."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys, the ``[keymap]`` table, e.g. ``"ticket.buy" = "f5"`` (the help
    screen lists the ids)."""
    safety: dict[str, Any] = field(default_factory=dict)
    """The ``[safety]`` table: fields of ``SafetyLimits`` (e.g. ``hard_max_notional =
    "1000000"``, ``[safety.max_size] BTC = "0.5"``)."""
    ticker_poll_seconds: float = 5.0
    """How often the watchlist polls /v1/ticker for every symbol."""
    status_poll_seconds: float = 30.0
    """How often /v1/status is polled (maintenance banner; any ERR-5201/5202 shows it at once)."""
    ws_command_interval: float = 1.05
    """Seconds between WebSocket subscribe/unsubscribe commands, shared by both streams (GMO
    allows one command a second per IP)."""
    sizes: dict[str, Any] = field(default_factory=dict)
    """The ``[sizes]`` table: symbol -> up to five order sizes for the keys ``1`` ... ``5``
    (e.g. ``BTC_JPY = ["0.01", "0.02", "0.05", "0.1", "0.2"]``); others default to 1, 2, 5,
    10 and 20 times the symbol's minimum order size."""
    confirm: dict[str, Any] = field(default_factory=dict)
    """The ``[confirm]`` table: send without a dialog below a notional in JPY, per action kind
    (``ladder_limit_below``: the ladder's ``b``/``s``; ``cancel_below``: cancels). 0, the
    default, always asks; a dialog with a warning always shows; hard limits always hold."""
    demo: bool = False
    """Run against the built-in exchange (set by ``--demo`` only)."""
    alerts: AlertSettings = field(default_factory=AlertSettings)
    """The ``[alerts]`` table: how a fired alert reaches you (``bell``, ``osc``, ``tmux``,
    ``command``, ``command_timeout``) and the defaults of alerts made from the UI
    (``stale_after``, ``losscut_pct``); see :mod:`gmo_tui.alerts`."""
    output_pacing: bool = True
    """Skip frames the terminal (or SSH link) cannot keep up with and paint the latest state,
    so the screen is never more than about a frame behind (gmo_tui/widgets/output_pacing.py)."""
    output_diff: bool = True
    """Write only the terminal cells that changed since the last frame, with only the colour
    codes that differ (about a quarter of the bytes; gmo_tui/widgets/screen_diff.py)."""

    @property
    def endpoint_is_default(self) -> bool:
        """True for GMO Coin's own endpoint; the header shows any other."""
        return self.endpoint.strip().rstrip("/") == DEFAULT_ENDPOINT

    def size_overrides(self) -> dict[str, tuple[Decimal, ...]]:
        """The ``[sizes]`` table as symbol -> sizes (checked at load)."""
        return parse_sizes_table(self.sizes)[0]

    def confirm_below(self, kind: str) -> Decimal:
        """The notional (JPY) below which ``kind`` (a key of ``CONFIRM_KINDS``) is sent without
        a dialog; 0: always ask."""
        return Decimal(str(self.confirm.get(f"{kind}_below", 0)))

    def safety_limits(self) -> SafetyLimits:
        """A ``SafetyLimits`` built from ``safety`` (:class:`ConfigError` if it is not one)."""
        return safety_limits(self.safety, CONFIG_FILE)


_ENV = {
    "GMO_TUI_SYMBOL": "symbol",
    "GMO_TUI_THEME": "theme",
    "GMO_TUI_ENDPOINT": "endpoint",
    "GMO_TUI_TIER": "tier",
    "GMO_TUI_BELL": "bell",
    "GMO_TUI_LANGUAGE": "language",
    "GMO_TUI_OUTPUT_PACING": "output_pacing",
    "GMO_TUI_OUTPUT_DIFF": "output_diff",
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


Checked = tuple[Any, str | None]
"""(typed value, None), or (None, what is allowed)."""


def _nonempty(value: Any, text_source: bool) -> Checked:
    text = _text(value)
    return (text, None) if text else (None, _("a non-empty string"))


def _endpoint(value: Any, text_source: bool) -> Checked:
    text = _text(value)
    if text is None:
        return None, _('a URL such as "https://api.coin.z.com"')
    return (text, None) if (problem := endpoint_problem(text)) is None else (None, problem)


def _tier(value: Any, text_source: bool) -> Checked:
    if text_source and isinstance(value, str) and value.strip() in ("1", "2"):
        return int(value), None
    if isinstance(value, int) and not isinstance(value, bool) and value in (1, 2):
        return value, None
    return None, _("1 or 2 (the API tier of the account)")


def _flag(value: Any, text_source: bool) -> Checked:
    if isinstance(value, bool):
        return value, None
    if text_source and isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE, None
    return None, _("true or false")


def _language(value: Any, text_source: bool) -> Checked:
    text = _text(value)
    problem = language_problem(text.lower()) if text else language_problem("")
    return (text.lower(), None) if text and problem is None else (None, problem)


def _seconds(value: Any, text_source: bool) -> Checked:
    seconds = None if isinstance(value, str) else positive_seconds(value, 1.0)
    return (seconds, None) if seconds is not None else (None, _("a number of seconds, 1 or more"))


def _alerts(value: Any, text_source: bool) -> Checked:
    if not isinstance(value, Mapping):
        return None, _("a table: [{name}]").format(name="alerts")
    try:
        return AlertSettings.from_table(dict(value)), None
    except ValueError as exc:
        return None, str(exc)


CONFIRM_KINDS = ("ladder_limit", "cancel")
"""The action kinds whose confirmation ``[confirm]`` may turn off below a notional."""


def _sizes(value: Any, text_source: bool) -> Checked:
    if not isinstance(value, Mapping):
        return None, "a table: [sizes]"
    problems = parse_sizes_table(value)[1]
    return (dict(value), None) if not problems else (None, problems[0])


def _confirm(value: Any, text_source: bool) -> Checked:
    if not isinstance(value, Mapping):
        return None, "a table: [confirm]"
    allowed = [f"{kind}_below" for kind in CONFIRM_KINDS]
    for key, amount in value.items():
        if key not in allowed:
            return None, f"[confirm] {show(key)} is not a setting; allowed: {', '.join(allowed)}"
        number = None
        if not isinstance(amount, bool) and isinstance(amount, int | float | str):
            try:
                number = Decimal(str(amount).strip())
            except InvalidOperation:
                number = None
        if number is None or not number.is_finite() or number < 0:
            return None, f"[confirm] {key} = {show(amount)}: a notional in JPY, 0 or more"
    return dict(value), None


def _table(name: str) -> Callable[[Any, bool], Checked]:
    def check(value: Any, text_source: bool) -> Checked:
        return (
            (dict(value), None)
            if isinstance(value, Mapping)
            else (None, _("a table: [{name}]").format(name=name))
        )

    return check


_CHECKS: dict[str, Callable[[Any, bool], Checked]] = {
    "symbol": _nonempty,
    "theme": _nonempty,
    "endpoint": _endpoint,
    "tier": _tier,
    "bell": _flag,
    "language": _language,
    "keymap": _table("keymap"),
    "safety": _table("safety"),
    "ticker_poll_seconds": _seconds,
    "status_poll_seconds": _seconds,
    "ws_command_interval": _seconds,
    "sizes": _sizes,
    "confirm": _confirm,
    "demo": _flag,
    "alerts": _alerts,
    "output_pacing": _flag,
    "output_diff": _flag,
}
"""One check per field of :class:`Settings`; ``text_source``: the value comes from an
environment variable or a flag (always a string) rather than TOML."""
assert set(_CHECKS) == set(Settings.__dataclass_fields__)


def _check_keymap(
    keymap: Mapping[str, Any],
    where: str,
    binding_ids: Collection[str] | None,
    bound_keys: Collection[BoundKey] | None = None,
) -> dict[str, str]:
    checked: dict[str, str] = {}
    for binding_id, keys in keymap.items():
        if binding_ids is not None and binding_id not in binding_ids:
            raise ConfigError(
                f"{where}: [keymap] {show(binding_id)} is not a binding id; the help screen "
                f"(?) lists them, e.g. {', '.join(sorted(binding_ids)[:4])}"
            )
        if (problem := key_problem(keys)) is not None:
            raise ConfigError(f"{where}: [keymap] {show(binding_id)} = {show(keys)}: {problem}")
        checked[binding_id] = keys
    found = clashes(bound_keys or (), checked)
    if found:
        binding_id, key, other = found[0]
        raise ConfigError(
            _(
                "{where}: [keymap] {id} = {keys}: {key} is also {other}, active at the same "
                "time; one would hide the other (the help screen, ?, lists every key)"
            ).format(
                where=where,
                id=show(binding_id),
                keys=show(checked[binding_id]),
                key=show(key),
                other=other,
            )
        )
    return checked


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    binding_ids: Collection[str] | None = None,
    bound_keys: Collection[BoundKey] | None = None,
    keys: Callable[[], Collection[BoundKey]] | None = None,
    **overrides: Any,
) -> Settings:
    """Defaults, then ``config.toml``, then environment, then ``overrides`` (non-None flags).

    ``path`` defaults to ``config.toml`` in :func:`config_dir`; its directory, the file and the
    directory's ``themes/`` must be trusted. ``binding_ids``: every binding id of the app, when
    known; a keymap entry for any other id is an error. ``bound_keys``: every binding's keys and
    scope, when known; a remap that gives a key to two bindings active at once is an error
    (:func:`~gmo_tui.keymap_clashes.clashes`). ``keys``: computes both, called only when the
    file has a ``[keymap]`` (finding every binding imports every screen and widget, which a
    start without a keymap need not wait for). Raises :class:`ConfigError`.
    """
    env = os.environ if env is None else env
    path = path or config_dir() / CONFIG_FILE
    check_config_dir(path.parent)
    values: dict[str, Any] = {}
    if path.exists():
        _trusted(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(
                _("{path}: not valid TOML: {error}").format(path=path, error=exc)
            ) from None
        allowed = [name for name in Settings.__dataclass_fields__ if name != "demo"]
        for key, value in data.items():
            if key not in allowed:
                raise ConfigError(
                    _("{path}: unknown setting {key}; allowed: {allowed}").format(
                        path=path, key=repr(key), allowed=", ".join(allowed)
                    )
                )
            values[key] = _checked(key, value, str(path), text_source=False)
        if "keymap" in values:
            if keys is not None:
                bound_keys = list(keys())
                binding_ids = frozenset(b.binding_id for b in bound_keys)
            values["keymap"] = _check_keymap(values["keymap"], str(path), binding_ids, bound_keys)
        if "safety" in values:
            safety_limits(values["safety"], str(path))
    for var, name in _ENV.items():
        if env.get(var):
            values[name] = _checked(
                name, env[var], _("environment variable {var}").format(var=var), text_source=True
            )
    for name, value in overrides.items():
        if value is not None:
            flag = "--" + name.replace("_", "-")
            values[name] = _checked(name, value, flag, text_source=isinstance(value, str))
    return replace(Settings(), **values)


def _checked(name: str, value: Any, where: str, *, text_source: bool) -> Any:
    typed, allowed = _CHECKS[name](value, text_source)
    if allowed is not None:
        raise ConfigError(f"{where}: {name} = {show(value)}: {allowed}")
    return typed


def _trusted(path: Path, check: Callable[[Path], None] = check_trusted) -> None:
    try:
        check(path)
    except UntrustedPath as exc:
        raise ConfigError(str(exc)) from None


def check_config_dir(directory: Path) -> None:
    """Refuse (:class:`ConfigError`) a config dir, or a theme file in its ``themes/``, that
    someone else could have written. A missing directory is fine."""
    if not directory.is_dir():
        return
    for ancestor in _ancestors_in_home(directory):
        _trusted(ancestor)
    _trusted(directory)
    themes = directory / THEMES_DIR
    if themes.is_dir():
        _trusted(themes)
        for theme in sorted(themes.glob("*.toml")):
            _trusted(theme)


def _ancestors_in_home(directory: Path) -> list[Path]:
    """The directories from the home dir (included) down to ``directory`` (excluded), when
    ``directory`` is inside home: as OpenSSH, a writable ``~/.config`` would let someone swap
    the whole config dir."""
    try:
        home = Path.home().resolve()
        inside = directory.resolve().relative_to(home)
    except (RuntimeError, ValueError, OSError):
        return []
    found = [home]
    for part in inside.parts[:-1]:
        found.append(found[-1] / part)
    return found


def load_credentials(
    env: Mapping[str, str] | None = None,
    directory: Path | None = None,
    *,
    use_keyring: bool = True,
) -> Credentials | None:
    """The API key and secret, or None when none are configured (public panes still work).

    Looks at the environment, then ``credentials.toml`` in ``directory`` (the config dir), then
    the OS keyring. Raises :class:`ConfigError` when only half of a pair is in the environment,
    or the credentials file or its directory is not private to the user, or malformed.
    """
    env = os.environ if env is None else env
    key, secret = env.get("GMO_API_KEY", ""), env.get("GMO_API_SECRET", "")
    if bool(key) != bool(secret):
        have, missing = ("GMO_API_KEY", "GMO_API_SECRET")[:: 1 if key else -1]
        raise ConfigError(f"{have} is set but {missing} is not: set both, or neither")
    if key and secret:
        creds: Credentials | None = Credentials(key, secret, source="environment")
    else:
        creds = credentials_from_file((directory or config_dir()) / CREDENTIALS_FILE)
        if creds is None and use_keyring:
            creds = api_keys.read_keyring()
    if creds is not None:
        for value in creds.secrets():
            redact.register_secret(value)
    return creds


def credentials_from_file(path: Path) -> Credentials | None:
    """The pair in ``path`` (None when there is no such file); :class:`ConfigError` when the
    file or its directory is not private to the user, or it is not ``api_key``/``api_secret``."""
    if not path.exists():
        return None
    _trusted(path.parent)
    _trusted(path, check_secret)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise ConfigError(f"{path} is not valid TOML") from None
    unknown = sorted(set(data) - {"api_key", "api_secret"})
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r}; allowed: api_key, api_secret")
    key, secret = data.get("api_key"), data.get("api_secret")
    if not isinstance(key, str) or not isinstance(secret, str) or not key or not secret:
        raise ConfigError(f'{path} must define both api_key = "..." and api_secret = "..."')
    return Credentials(key.strip(), secret.strip(), source=str(path))


HOW_TO_ADD_KEY_TEXT = N_(
    "No API key. Set GMO_API_KEY and GMO_API_SECRET, or write api_key / api_secret to "
    "{path} (chmod 600), or run `gmo-tui keys set`. "
    "Try `gmo-tui --demo` for a funded demo."
)
HOW_TO_ADD_KEY = HOW_TO_ADD_KEY_TEXT.format(path=config_dir() / CREDENTIALS_FILE)


def how_to_add_key() -> str:
    """:data:`HOW_TO_ADD_KEY` in the current language."""
    return _(HOW_TO_ADD_KEY_TEXT).format(path=config_dir() / CREDENTIALS_FILE)


def setup_logging(level: int = logging.INFO, directory: Path | None = None) -> Path:
    """Log to ``gmo-tui.log`` (0600, in a 0700 log dir) through the redaction filter; returns
    the path."""
    directory = private_dir(directory or log_dir())
    path = private_file(directory / "gmo-tui.log")
    handler = redact.install(
        logging.FileHandler(path, encoding="utf-8"),
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"),
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_gmo_tui", False)]:
        root.removeHandler(old)
        old.close()
    handler._gmo_tui = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    return path

"""Settings: typed dataclasses read from ``config.toml`` in the platformdirs config dir.

Precedence: command-line flags > environment variables > ``config.toml`` > defaults.
Credentials come from ``GMO_API_KEY``/``GMO_API_SECRET``, else a ``credentials.toml`` in the
config dir that must not be readable by group or others (refused like OpenSSH does), else the OS
keyring when the ``keyring`` package is importable. Logging goes to a file in the log dir through
the one redaction filter of :mod:`gmo_tui.redact`.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import platformdirs

from gmo_tui import redact
from gmo_tui.exchange.auth import Credentials

APP_NAME = "gmo-tui"
DEFAULT_ENDPOINT = "https://api.coin.z.com"
CONFIG_FILE = "config.toml"
CREDENTIALS_FILE = "credentials.toml"


class ConfigError(Exception):
    """The configuration or credentials file cannot be used (the message says why)."""


def config_dir() -> Path:
    """``GMO_TUI_CONFIG_DIR`` or the platform's user config dir for gmo-tui."""
    override = os.environ.get("GMO_TUI_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME))


def log_dir() -> Path:
    override = os.environ.get("GMO_TUI_LOG_DIR")
    return Path(override) if override else Path(platformdirs.user_log_dir(APP_NAME))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the app reads at start-up."""

    symbol: str = "BTC_JPY"
    """Symbol shown at start (any symbol of /v1/symbols, e.g. ``BTC`` or ``BTC_JPY``)."""
    theme: str = "gmo-dark"
    """Theme name: a file of themes/ (``gmo-dark``, ``gmo-light``, ``gmo-high-contrast``,
    ``gmo-blue-orange``), a theme from the config dir's themes/, or any built-in Textual theme."""
    endpoint: str = DEFAULT_ENDPOINT
    """Base URL of the exchange; REST and WebSocket URLs are derived from it."""
    tier: int = 1
    """API tier of the account (1: 20 GET + 20 POST per second; 2: 30 + 30)."""
    bell: bool = True
    """Ring the terminal bell on a fill."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id -> keys, e.g. ``{"ticket.buy" = "B"}`` (see the help screen for the ids)."""
    safety: dict[str, Any] = field(default_factory=dict)
    """Safety limits passed to ``SafetyLimits`` (e.g. ``max_notional_jpy = "1000000"``)."""
    ticker_poll_seconds: float = 5.0
    """How often the watchlist polls /v1/ticker for every symbol."""
    status_poll_seconds: float = 30.0
    """How often /v1/status is polled (maintenance banner; any ERR-5201/5202 shows it at once)."""
    ws_command_interval: float = 1.05
    """Seconds between WebSocket subscribe/unsubscribe commands, shared by both streams (GMO
    allows one command a second per IP)."""
    demo: bool = False
    """Run against the built-in exchange (set by ``--demo``)."""
    output_pacing: bool = True
    """Skip frames the terminal (or SSH link) cannot keep up with and paint the latest state,
    so the screen is never more than about a frame behind (gmo_tui/widgets/output_pacing.py)."""

    def safety_limits(self) -> Any:
        """A ``SafetyLimits`` from :mod:`gmo_tui.market.safety` built from ``safety``."""
        from gmo_tui.market.safety import SafetyLimits

        defaults = SafetyLimits()
        kwargs: dict[str, Any] = {}
        for key, value in self.safety.items():
            if not hasattr(defaults, key):
                raise ConfigError(f"unknown safety limit {key!r} in {CONFIG_FILE}")
            current = getattr(defaults, key)
            if isinstance(value, dict):
                kwargs[key] = {str(k): Decimal(str(v)) for k, v in value.items()}
            elif isinstance(current, Decimal):
                kwargs[key] = Decimal(str(value))
            elif isinstance(current, float):
                kwargs[key] = float(value)
            elif isinstance(current, int) or current is None:
                kwargs[key] = int(value)
            else:
                kwargs[key] = value
        return SafetyLimits(**kwargs)


_ENV = {
    "GMO_TUI_SYMBOL": "symbol",
    "GMO_TUI_THEME": "theme",
    "GMO_TUI_ENDPOINT": "endpoint",
    "GMO_TUI_TIER": "tier",
    "GMO_TUI_BELL": "bell",
    "GMO_TUI_OUTPUT_PACING": "output_pacing",
}


def _coerce(name: str, value: Any) -> Any:
    default = Settings.__dataclass_fields__[name].default
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    if isinstance(default, Decimal):
        return Decimal(str(value))
    if name in ("keymap", "safety"):
        if not isinstance(value, dict):
            raise ConfigError(f"`{name}` must be a table in {CONFIG_FILE}")
        return dict(value)
    return str(value)


def load_settings(
    path: Path | None = None, env: dict[str, str] | None = None, **overrides: Any
) -> Settings:
    """Defaults, then ``config.toml``, then environment, then ``overrides`` (non-None flags)."""
    env = os.environ if env is None else env
    path = path or config_dir() / CONFIG_FILE
    values: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
        known = set(Settings.__dataclass_fields__)
        for key, value in data.items():
            if key not in known:
                raise ConfigError(f"{path}: unknown setting {key!r}")
            values[key] = _coerce(key, value)
    for var, name in _ENV.items():
        if env.get(var):
            values[name] = _coerce(name, env[var])
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value)
    return replace(Settings(), **values)


def _check_private(path: Path) -> None:
    if os.name != "posix":
        return
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} is accessible by group or others (mode {stat.S_IMODE(mode):o}); "
            f"refusing to use it. Run: chmod 600 {path}"
        )


def load_credentials(
    env: dict[str, str] | None = None, directory: Path | None = None, *, use_keyring: bool = True
) -> Credentials | None:
    """The API key and secret, or None when none are configured (public panes still work).

    Raises :class:`ConfigError` when the credentials file exists but is group/other accessible
    or malformed.
    """
    env = os.environ if env is None else env
    key, secret = env.get("GMO_API_KEY", ""), env.get("GMO_API_SECRET", "")
    if key and secret:
        creds = Credentials(key, secret, source="environment")
    else:
        creds = _from_file((directory or config_dir()) / CREDENTIALS_FILE)
        if creds is None and use_keyring:
            creds = _from_keyring()
    if creds is not None:
        for value in creds.secrets():
            redact.register_secret(value)
    return creds


def _from_file(path: Path) -> Credentials | None:
    if not path.exists():
        return None
    _check_private(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        raise ConfigError(f"{path} is not valid TOML") from None
    key, secret = str(data.get("api_key", "")), str(data.get("api_secret", ""))
    if not key or not secret:
        raise ConfigError(f"{path} must define both api_key and api_secret")
    return Credentials(key, secret, source=str(path))


def _from_keyring() -> Credentials | None:
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        key = keyring.get_password(APP_NAME, "api_key")
        secret = keyring.get_password(APP_NAME, "api_secret")
    except Exception:  # noqa: BLE001 - a broken keyring backend must not stop the app
        return None
    if key and secret:
        return Credentials(key, secret, source="keyring")
    return None


HOW_TO_ADD_KEY = (
    "No API key. Set GMO_API_KEY and GMO_API_SECRET, or write api_key / api_secret to "
    f"{config_dir() / CREDENTIALS_FILE} (chmod 600). Try `gmo-tui --demo` for a funded demo."
)


def setup_logging(level: int = logging.INFO, directory: Path | None = None) -> Path:
    """Log to ``gmo-tui.log`` in the log dir through the redaction filter; returns the path."""
    directory = directory or log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "gmo-tui.log"
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

"""What each setting may hold: checks that turn a raw value (TOML, environment or flag) into a
typed one, or a :class:`ConfigError` naming where it came from, the key and what is allowed.

* :func:`endpoint_problem`: the endpoint rule (``https://``, or ``http://`` on a loopback
  address only);
* :func:`key_problem`: a keymap value, a comma-separated list of Textual key names;
* :func:`safety_limits`: the ``[safety]`` table as a ``SafetyLimits``.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import math
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from textual.keys import REPLACED_KEYS, Keys, key_to_character

from gmo_tui.exchange.endpoints import Endpoints
from gmo_tui.exchange.errors import ValidationError
from gmo_tui.i18n import N_, _
from gmo_tui.market.safety import SafetyLimits


class ConfigError(Exception):
    """The configuration or credentials cannot be used (the message says where and why)."""


def show(value: Any) -> str:
    """``value`` as it would be written in TOML (strings quoted), for error messages."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, bool | int | float | str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


# ------------------------------------------------------------------ endpoint

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """``localhost`` or an address of 127.0.0.0/8 or ::1."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` may not be the exchange endpoint, or None when it may."""
    try:
        Endpoints.from_base(url)
    except ValidationError as exc:
        return str(exc)
    parts = urlsplit(url.strip())
    try:
        host, _port = parts.hostname or "", parts.port
    except ValueError:
        return _("the port is not a number from 0 to 65535")
    if parts.username is not None or parts.password is not None:
        return _("an endpoint must not carry a user name or password")
    if parts.scheme == "https" and host:
        return None
    if parts.scheme == "http" and is_loopback(host):
        return None
    return (
        "the endpoint must be https://, or http:// on a loopback address "
        "(127.0.0.0/8, ::1, localhost), so the API key never crosses a network in clear"
    )


# ------------------------------------------------------------------ key names

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
_NAMED_KEYS = frozenset(
    name
    for name in (k.value.rpartition("+")[2] for k in Keys)
    if len(name) > 1 and not name.startswith("<")
)
KEY_EXAMPLE = N_('e.g. "B", "ctrl+b", "f5" or "question_mark,f1"')


def _key_name_ok(name: str) -> bool:
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    if name in _NAMED_KEYS or name in REPLACED_KEYS:
        return True
    if name != name.lower():
        return False
    return key_to_character(name) is not None


def key_problem(keys: Any) -> str | None:
    """Why ``keys`` is not a keymap value (comma-separated Textual key names), or None."""
    if not isinstance(keys, str):
        return _("a key binding must be a string of key names, {example}").format(
            example=_(KEY_EXAMPLE)
        )
    for key in keys.split(","):
        key = key.strip()
        if not key:
            return _("an empty key name; {example}").format(example=_(KEY_EXAMPLE))
        *modifiers, name = key.split("+") if len(key) > 1 else [key]
        unknown = [m for m in modifiers if m not in MODIFIERS]
        if unknown:
            allowed = ", ".join(sorted(MODIFIERS))
            return _("{modifier} in {key} is not a modifier ({allowed})").format(
                modifier=repr(unknown[0]), key=repr(key), allowed=allowed
            )
        if not _key_name_ok(name):
            char = f" ({unicodedata.name(name, '?')})" if len(name) == 1 else ""
            return _("{name}{char} is not a key name; {example}").format(
                name=repr(name), char=char, example=_(KEY_EXAMPLE)
            )
    return None


# ------------------------------------------------------------------ safety

_PAIRS = (
    ("soft_collar_pct", "hard_collar_pct"),
    ("soft_collar_ticks", "hard_collar_ticks"),
    ("soft_max_notional", "hard_max_notional"),
    ("soft_slippage_pct", "max_slippage_pct"),
)


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _safety_value(default: Any, value: Any) -> tuple[Any, str | None]:
    """(typed value, None) or (None, what is allowed)."""
    if isinstance(default, Mapping):
        if not isinstance(value, Mapping):
            return None, _('a table of symbol = size, e.g. [safety.max_size] BTC = "0.5"')
        sizes: dict[str, Decimal] = {}
        for symbol, size in value.items():
            number = _decimal(size)
            if number is None or number <= 0:
                return None, _('{symbol} = {size}: a size above 0, e.g. "0.5"').format(
                    symbol=symbol, size=show(size)
                )
            sizes[str(symbol)] = number
        return sizes, None
    if isinstance(default, Decimal):
        number = _decimal(value)
        if number is None or number < 0:
            return None, _('a number of 0 or more, e.g. "5" (quote it to keep it exact)')
        return number, None
    if isinstance(default, float):
        number = _decimal(value)
        if number is None or number <= 0:
            return None, _("a number of seconds above 0, e.g. 5")
        return float(number), None
    # int | None (tick counts)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return None, _("a whole number of ticks of 1 or more, e.g. 10")
    return value, None


def safety_limits(table: Mapping[str, Any], where: str) -> SafetyLimits:
    """``SafetyLimits`` from the ``[safety]`` table; ``where`` names the file in errors."""
    defaults = dataclasses.asdict(SafetyLimits())
    names = list(defaults)
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(
                _("{where}: [safety] {key} is not a safety limit; allowed: {allowed}").format(
                    where=where, key=key, allowed=", ".join(names)
                )
            )
        typed, allowed = _safety_value(defaults[key], value)
        if allowed is not None:
            raise ConfigError(f"{where}: [safety] {key} = {show(value)}: {allowed}")
        kwargs[key] = typed
    for soft, hard in _PAIRS:  # only when both are set: a lone hard limit may undercut a default
        low, high = kwargs.get(soft), kwargs.get(hard)
        if low is not None and high is not None and low > high:
            raise ConfigError(
                _(
                    "{where}: [safety] {soft} ({low}) is above {hard} ({high}); "
                    "the soft limit must not exceed the hard one"
                ).format(where=where, soft=soft, low=low, hard=hard, high=high)
            )
    return SafetyLimits(**kwargs)


def positive_seconds(value: Any, minimum: float) -> float | None:
    """``value`` as float seconds when it is a finite number >= ``minimum``, else None."""
    number = _decimal(value)
    if number is None or number < Decimal(str(minimum)):
        return None
    seconds = float(number)
    return seconds if math.isfinite(seconds) else None

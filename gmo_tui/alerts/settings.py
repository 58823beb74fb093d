"""The ``[alerts]`` table of config.toml, checked: :meth:`AlertSettings.from_table` raises
``ValueError`` with a message naming the field and what it accepts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from gmo_tui.alerts.hook import command_argv
from gmo_tui.alerts.terminal import Osc
from gmo_tui.i18n import _

__all__ = ["AlertSettings"]

DEFAULT_STALE_AFTER = Decimal(30)
DEFAULT_LOSSCUT_PCT = Decimal(5)
_FIELDS = {"bell", "osc", "tmux", "command", "command_timeout", "stale_after", "losscut_pct"}


@dataclass(frozen=True, slots=True)
class AlertSettings:
    bell: bool = True
    osc: Osc = Osc.OFF
    tmux: bool | None = None
    """Wrap OSC sequences for tmux: ``None`` (``"auto"``) when ``TMUX`` is set."""
    command: tuple[str, ...] = ()
    command_timeout: float = 10.0
    stale_after: Decimal = DEFAULT_STALE_AFTER
    """Default seconds for a stream alert made from the UI."""
    losscut_pct: Decimal = DEFAULT_LOSSCUT_PCT
    """Default distance for a losscut alert made from the UI."""

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> AlertSettings:
        unknown = sorted(set(table) - _FIELDS)
        if unknown:
            raise ValueError(
                _("[alerts]: unknown field {field} (known: {known})").format(
                    field=repr(unknown[0]), known=", ".join(sorted(_FIELDS))
                )
            )
        bell = table.get("bell", True)
        if not isinstance(bell, bool):
            raise ValueError(_("[alerts] bell must be true or false"))
        try:
            osc = Osc(table.get("osc", Osc.OFF.value))
        except ValueError:
            raise ValueError(_('[alerts] osc must be "off", "osc9", "osc777" or "both"')) from None
        tmux_value = table.get("tmux", "auto")
        if tmux_value == "auto":
            tmux: bool | None = None
        elif isinstance(tmux_value, bool):
            tmux = tmux_value
        else:
            raise ValueError(_('[alerts] tmux must be true, false or "auto"'))
        raw_command = table.get("command", "")
        command: tuple[str, ...] = ()
        if raw_command:
            if not isinstance(raw_command, str | list):
                raise ValueError(_("[alerts] command must be a string or a list of strings"))
            try:
                command = tuple(command_argv(raw_command))
            except ValueError as exc:
                raise ValueError(_("[alerts] command: {problem}").format(problem=exc)) from None
        timeout = table.get("command_timeout", 10)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout:
            raise ValueError(_("[alerts] command_timeout must be a number of seconds above 0"))
        return cls(
            bell=bell,
            osc=osc,
            tmux=tmux,
            command=command,
            command_timeout=float(timeout),
            stale_after=_positive(table, "stale_after", DEFAULT_STALE_AFTER),
            losscut_pct=_positive(table, "losscut_pct", DEFAULT_LOSSCUT_PCT),
        )


def _positive(table: dict[str, Any], name: str, default: Decimal) -> Decimal:
    value = table.get(name)
    if value is None:
        return default
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) else Decimal(-1)
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number <= 0:
        raise ValueError(_("[alerts] {name} must be a number above 0").format(name=name))
    return number

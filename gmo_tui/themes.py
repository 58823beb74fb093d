"""Theme loading: TOML files (themes/*.toml shipped in the package, plus the user's config
dir themes/) into Textual ``Theme`` objects carrying the domain variables (bid, ask, pnl-up…)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

from textual.theme import Theme

from gmo_tui.private_files import check_trusted

log = logging.getLogger(__name__)

PACKAGE_THEMES = Path(__file__).resolve().parent / "themes"
DOMAIN_DEFAULTS = {
    "bid": "#2ecc71",
    "ask": "#ff5c5c",
    "bid-bar": "#12381f",
    "ask-bar": "#3d1616",
    "pnl-up": "#2ecc71",
    "pnl-down": "#ff5c5c",
    "own-order": "#f0b429",
    "large-trade": "#ffd166",
    "spread": "#8b949e",
}
_COLOURS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)


def theme_from_toml(text: str, *, fallback_name: str = "") -> Theme:
    """One theme from the text of a theme file (``name``, colours, ``[variables]``)."""
    data = tomllib.loads(text)
    name = str(data.get("name") or fallback_name)
    if not name:
        raise ValueError("a theme needs a name")
    if "primary" not in data:
        raise ValueError(f"theme {name!r} needs a primary colour")
    variables = dict(DOMAIN_DEFAULTS)
    variables.update({str(k): str(v) for k, v in data.get("variables", {}).items()})
    kwargs = {key: str(data[key]) for key in _COLOURS if key in data}
    return Theme(name=name, dark=bool(data.get("dark", True)), variables=variables, **kwargs)


def load_themes(*directories: Path) -> list[Theme]:
    """Every ``*.toml`` theme of the package, then of ``directories`` (later ones win by name)."""
    found: dict[str, Theme] = {}
    for directory in (PACKAGE_THEMES, *directories):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                if directory is not PACKAGE_THEMES:
                    check_trusted(path)  # UntrustedPath is a ValueError: skipped with the fix
                theme = theme_from_toml(path.read_text(encoding="utf-8"), fallback_name=path.stem)
            except (ValueError, tomllib.TOMLDecodeError) as exc:
                log.warning("skipping theme %s: %s", path, exc)
                continue
            found[theme.name] = theme
    return list(found.values())

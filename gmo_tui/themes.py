"""Theme loading: TOML files (themes/*.toml shipped in the package, plus the user's config
dir themes/) into Textual ``Theme`` objects carrying the domain variables (bid, ask, pnl-up…),
and the legibility contract every theme is held to: :data:`COLOUR_PAIRS`, each foreground /
background pair the panes draw, checked for WCAG contrast by :func:`contrast_failures`.

Colours are resolved the way Textual really paints them (:class:`Paint`): a Line-API pane's
component classes come through ``get_component_rich_style(partial=True)``, which drops a
colour's alpha and turns ``auto`` into plain white; colours a pane passes to Rich as text styles
(``app.theme_variables[...]``) are used as written; only ordinary widget CSS blends alpha over
the parent's background and resolves ``auto`` against it. That is why every shipped theme gives
``text``, ``text-muted`` and ``text-disabled`` as solid colours (a theme file that does not gets
them computed from its foreground and background at load)."""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
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
    # the ladder's cursor row: a solid colour (a translucent one loses its alpha in a Line pane)
    "cursor": "#274b73",
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
# Textual's text variables are "auto N%": solid colours instead, so Line panes can draw them
_SOLID_TEXT = {"text": 1.0, "text-muted": 0.7, "text-disabled": 0.5}
_CURSOR_ALPHA = 0.4

TEXT_MINIMUM = 4.5
"""WCAG AA for text: every number and word on screen."""
DEPTH_BAR_MINIMUM = 3.0
"""Numbers drawn over a depth bar (the bar is partial and decorative)."""


class Paint(Enum):
    """How a pane turns a colour expression into the colour on screen."""

    LINE = "line"
    """A Line-API component class (``get_component_rich_style(partial=True)``): alpha dropped
    on both colours, ``auto`` is white; no background means the pane's background."""
    RICH = "rich"
    """A theme variable handed to Rich as a text style (alpha dropped, ``auto`` is white) on a
    background set by the widget's CSS (blended over ``over``)."""
    CSS = "css"
    """Ordinary widget CSS: the background blended over ``over``, ``auto`` text the contrasting
    off-white/off-black, a translucent foreground blended over the background."""


@dataclass(frozen=True, slots=True)
class ColourPair:
    """One foreground drawn on one background somewhere in the app."""

    where: str
    fg: str
    bg: str
    paint: Paint = Paint.CSS
    over: str = "$background"
    minimum: float = TEXT_MINIMUM


def _pairs(
    where: str,
    fgs: tuple[str, ...],
    bg: str,
    paint: Paint = Paint.CSS,
    *,
    over: str = "$background",
    minimum: float = TEXT_MINIMUM,
) -> list[ColourPair]:
    return [ColourPair(f"{where}: {fg}", fg, bg, paint, over, minimum) for fg in fgs]


_SIDES = ("$bid", "$ask")
_PNL = ("$pnl-up", "$pnl-down")
_LINE, _RICH, _CSS = Paint.LINE, Paint.RICH, Paint.CSS
_HEADER_STYLES = ("$warning", "$primary", "$success", "$error", *_PNL, *_SIDES)

COLOUR_PAIRS: tuple[ColourPair, ...] = (
    # OrderBookLadder (widgets/order_book.py): Line API on the pane background
    ColourPair("ladder header (.ladder--header)", "$text-muted", "$background", _LINE),
    *_pairs(
        "ladder levels", (*_SIDES, "$own-order", "$foreground", "$spread"), "$background", _LINE
    ),
    *_pairs(
        "ladder over the bid depth bar",
        ("$bid", "$own-order", "$foreground"),
        "$bid-bar",
        _LINE,
        minimum=DEPTH_BAR_MINIMUM,
    ),
    *_pairs(
        "ladder over the ask depth bar",
        ("$ask", "$own-order", "$foreground"),
        "$ask-bar",
        _LINE,
        minimum=DEPTH_BAR_MINIMUM,
    ),
    *_pairs(
        "ladder cursor row (.ladder--cursor)",
        (*_SIDES, "$own-order", "$foreground"),
        "$cursor",
        _LINE,
    ),
    # TradesTape (widgets/trades_tape.py); a large print is the same pair reversed
    ColourPair("tape header (.tape--header)", "$text-muted", "$background", _LINE),
    ColourPair("tape time column (.tape--time)", "$text-muted", "$background", _LINE),
    *_pairs("tape prints", _SIDES, "$background", _LINE),
    # CandleChart (widgets/chart.py)
    ColourPair("chart title and OHLC (.chart--title)", "$text", "$background", _LINE),
    ColourPair("chart axes and times (.chart--axis)", "$text-muted", "$background", _LINE),
    ColourPair("chart volume (.chart--volume)", "$secondary", "$background", _LINE),
    *_pairs("chart candles", _PNL, "$background", _LINE),
    # MarketHeader (widgets/market_header.py): CSS colours, Rich styles from theme_variables
    ColourPair("header text", "$foreground", "$panel"),
    *_pairs("header", _HEADER_STYLES, "$panel", _RICH),
    # StatusBar (widgets/status_bar.py)
    ColourPair("status bar text", "$text-muted", "$panel"),
    *_pairs(
        "status bar stream state",
        ("$success", "$warning", "$error", "$text-muted"),
        "$panel",
        _RICH,
    ),
    # Footer (app.tcss puts it on $panel)
    ColourPair("footer key", "$footer-key-foreground", "$panel"),
    ColourPair("footer description", "$footer-description-foreground", "$panel"),
    # tables (KeyedTable = DataTable on $surface): orders, positions, executions, watchlist
    ColourPair("table cells", "$foreground", "$surface"),
    ColourPair("table header", "$foreground", "$panel"),
    *_pairs("table cells", (*_SIDES, *_PNL), "$surface", _RICH),
    # a focused DataTable is tinted: background-tint $foreground 5%
    ColourPair("table cells (focused)", "$foreground", "$foreground 5%", over="$surface"),
    *_pairs("table cells (focused)", (*_SIDES, *_PNL), "$foreground 5%", _RICH, over="$surface"),
    ColourPair(
        "table cursor row (focused)",
        "$block-cursor-foreground",
        "$block-cursor-background",
        over="$surface",
    ),
    *_pairs(
        "table cursor row (focused)",
        (*_SIDES, *_PNL),
        "$block-cursor-background",
        _RICH,
        over="$surface",
    ),
    ColourPair(
        "table cursor row (blurred)",
        "$block-cursor-blurred-foreground",
        "$block-cursor-blurred-background",
        over="$surface",
    ),
    *_pairs(
        "table cursor row (blurred)",
        (*_SIDES, *_PNL),
        "$block-cursor-blurred-background",
        _RICH,
        over="$surface",
    ),
    # OrderTicket (widgets/order_ticket.py, widgets/cycler.py) and AccountPanel
    ColourPair("ticket labels and estimate", "$text-muted", "$background"),
    ColourPair("ticket error", "$error", "$background"),
    ColourPair("ticket input", "$foreground", "$boost"),
    ColourPair("ticket input (focused)", "$foreground", "$cursor"),
    ColourPair("ticket input invalid (focused)", "$error", "$cursor"),
    *_pairs("ticket side", _SIDES, "$boost"),
    *_pairs("ticket side (focused)", _SIDES, "$cursor"),
    *_pairs("input placeholder", ("$text-disabled",), "$boost"),
    *_pairs("input placeholder (focused)", ("$text-disabled",), "$cursor"),
    *_pairs("search placeholder", ("$text-disabled",), "$surface"),
    ColourPair(
        "tabs (inactive; app.tcss Tab { color: $text-muted; })", "$text-muted", "$background"
    ),
    ColourPair("account panel without a key", "$warning", "$background"),
    # BannerBar (widgets/banner_bar.py): a reversed error line (auth, maintenance, config)
    ColourPair("banner", "$panel", "$error"),
    # AlertStrip (widgets/alert_strip.py): a fired alert, reversed warning, until dismissed
    ColourPair("alert strip", "$background", "$warning"),
    ColourPair("pane titles", "$text-muted", "$background"),
    # dialogs (screens/confirm.py, value_dialog.py, help.py, symbol_search.py) on $surface
    *_pairs("dialog", ("$foreground", "$warning", "$error", "$text-muted"), "$surface", _CSS),
    # notices (Toast on $panel-lighten-1)
    *_pairs(
        "notice",
        ("$foreground", "$text-success", "$text-warning", "$text-error"),
        "$panel-lighten-1",
        _CSS,
    ),
)
"""Every foreground/background pair the panes draw: a new pane adds its pairs here. Text over
a highlight (the ladder's cursor row, a focused ticket field) is on ``$cursor``, a solid colour:
a translucent ``$primary N%`` is drawn at full strength by a Line pane and fails."""


@dataclass(frozen=True, slots=True)
class ContrastFailure:
    pair: ColourPair
    ratio: float
    fg: str
    bg: str

    def __str__(self) -> str:
        return (
            f"{self.pair.where}: {self.fg} on {self.bg} has contrast {self.ratio:.2f}"
            f" (needs {self.pair.minimum:g})"
        )


_AUTO = re.compile(r"^auto(?:\s+(?P<pct>\d+(?:\.\d+)?)%)?$")
_ALPHA = re.compile(r"^(?P<colour>.+?)\s+(?P<pct>\d+(?:\.\d+)?)%$")
WHITE = Color(255, 255, 255)


@dataclass(frozen=True, slots=True)
class _Value:
    colour: Color
    auto: bool = False


def _value(expr: str, variables: dict[str, str], depth: int = 0) -> _Value:
    """``$name``, ``$name 40%``, ``#hex``, ``auto 60%`` … as a colour (alpha kept)."""
    if depth > 8:
        raise ValueError(f"colour variables loop at {expr!r}")
    text = expr.strip()
    alpha = 1.0
    auto = _AUTO.match(text)
    if auto:
        pct = auto.group("pct")
        return _Value(WHITE.with_alpha(float(pct) / 100 if pct else 1.0), auto=True)
    match = _ALPHA.match(text)
    if match:
        text, alpha = match.group("colour").strip(), float(match.group("pct")) / 100
    if text.startswith("$"):
        name = text[1:]
        if name not in variables:
            raise ValueError(f"no colour variable ${name}")
        inner = _value(variables[name], variables, depth + 1)
        colour = inner.colour.multiply_alpha(alpha)
        return _Value(colour, inner.auto)
    if text == "transparent":
        return _Value(Color(0, 0, 0, 0))
    return _Value(Color.parse(text).multiply_alpha(alpha))


def resolve_pair(pair: ColourPair, variables: dict[str, str]) -> tuple[Color, Color]:
    """The opaque foreground and background of ``pair`` as the pane paints them."""
    over = _value(pair.over, variables).colour.with_alpha(1.0)
    bg_value = _value(pair.bg, variables)
    bg = bg_value.colour
    if pair.paint is Paint.LINE:
        bg = bg.with_alpha(1.0) if bg.a > 0 else over
    else:
        bg = over + bg
    fg_value = _value(pair.fg, variables)
    fg = fg_value.colour
    if pair.paint is Paint.CSS:
        if fg_value.auto:
            fg = bg.get_contrast_text(fg.a)
        fg = bg + fg
    else:
        fg = fg.with_alpha(1.0) if fg.a > 0 else bg
    return fg, bg


def contrast_ratio(a: Color, b: Color) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1 … 21)."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            s = v / 255
            return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def theme_variables(theme: Theme) -> dict[str, str]:
    """The CSS variables the app gets under ``theme`` (as ``App.get_css_variables`` builds them
    with the app's ``get_theme_variable_defaults`` = :data:`DOMAIN_DEFAULTS`)."""
    return {**DOMAIN_DEFAULTS, **theme.to_color_system().generate(), **theme.variables}


def contrast_failures(
    theme: Theme, pairs: tuple[ColourPair, ...] = COLOUR_PAIRS
) -> list[ContrastFailure]:
    """Every pair of ``pairs`` that ``theme`` draws below its minimum contrast."""
    variables = theme_variables(theme)
    failures = []
    for pair in pairs:
        fg, bg = resolve_pair(pair, variables)
        ratio = contrast_ratio(fg, bg)
        if ratio < pair.minimum:
            failures.append(ContrastFailure(pair, ratio, fg.hex, bg.hex))
    return failures


def _solid_defaults(variables: dict[str, str], data: dict[str, Any], dark: bool) -> None:
    """Solid ``text*`` and ``cursor`` colours for a theme file that does not give them."""
    given = data.get("variables", {})
    fallback = Theme(name="_", primary=str(data["primary"]), dark=dark)
    generated = fallback.to_color_system().generate()
    names = {key: str(data[key]) for key in _COLOURS if key in data}
    background = Color.parse(names.get("background", generated["background"]))
    foreground = Color.parse(names.get("foreground", generated["foreground"]))
    for name, weight in _SOLID_TEXT.items():
        if name not in given:
            variables[name] = background.blend(foreground, weight).hex
    if "cursor" not in given:
        primary = Color.parse(str(data["primary"]))
        variables["cursor"] = background.blend(primary, _CURSOR_ALPHA).hex


_CHECKED_VARIABLES = {
    *DOMAIN_DEFAULTS,
    *_SOLID_TEXT,
    "block-cursor-background",
    "block-cursor-foreground",
    "block-cursor-blurred-background",
    "block-cursor-blurred-foreground",
    "footer-key-foreground",
    "footer-description-foreground",
}


def _check_colour(theme: str, key: str, value: str) -> None:
    if value.strip().startswith("$"):
        return  # another variable: resolved with the theme's variables
    try:
        _value(value, {})
    except (ColorParseError, ValueError) as exc:
        raise ValueError(f"theme {theme!r}: {key} = {value!r} is not a colour ({exc})") from None


def theme_from_toml(text: str, *, fallback_name: str = "") -> Theme:
    """One theme from the text of a theme file (``name``, colours, ``[variables]``)."""
    data = tomllib.loads(text)
    name = str(data.get("name") or fallback_name)
    if not name:
        raise ValueError("a theme needs a name")
    if "primary" not in data:
        raise ValueError(f"theme {name!r} needs a primary colour")
    dark = bool(data.get("dark", True))
    given = data.get("variables", {})
    if not isinstance(given, dict):
        raise ValueError(f"theme {name!r}: [variables] must be a table")
    colours = {key: None if data.get(key) is None else str(data[key]) for key in _COLOURS}
    for key, value in [("primary", str(data["primary"])), *colours.items(), *given.items()]:
        if value is not None and (key in _COLOURS or key in _CHECKED_VARIABLES):
            _check_colour(name, str(key), str(value))
    variables = dict(DOMAIN_DEFAULTS)
    _solid_defaults(variables, data, dark)
    variables.update({str(k): str(v) for k, v in given.items()})
    return Theme(
        name=name,
        dark=dark,
        variables=variables,
        primary=str(data["primary"]),
        secondary=colours["secondary"],
        warning=colours["warning"],
        error=colours["error"],
        success=colours["success"],
        accent=colours["accent"],
        foreground=colours["foreground"],
        background=colours["background"],
        surface=colours["surface"],
        panel=colours["panel"],
        boost=colours["boost"],
    )


def load_themes(*directories: Path, problems: list[str] | None = None) -> list[Theme]:
    """Every ``*.toml`` theme of the package, then of ``directories`` (later ones win by name).
    A user theme that fails the contrast contract is loaded with a warning naming the pairs;
    every warning is also appended to ``problems`` (for the screen)."""
    found: dict[str, Theme] = {}
    for directory in (PACKAGE_THEMES, *directories):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                if directory is not PACKAGE_THEMES:
                    check_trusted(path)  # UntrustedPath is a ValueError: skipped with the fix
                theme = theme_from_toml(path.read_text(encoding="utf-8"), fallback_name=path.stem)
                failures = contrast_failures(theme)
            except (ValueError, ColorParseError, OSError) as exc:  # TOMLDecodeError too
                warning = f"skipping theme {path}: {exc}"
                log.warning("%s", warning)
                if problems is not None:
                    problems.append(warning)
                continue
            if failures and directory != PACKAGE_THEMES:
                warning = (
                    f"theme {theme.name} ({path}) is hard to read in {len(failures)} places: "
                    + "; ".join(str(f) for f in failures)
                )
                log.warning("%s", warning)
                if problems is not None:
                    problems.append(warning)
            found[theme.name] = theme
    return list(found.values())

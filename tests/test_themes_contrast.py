"""Every theme is legible: each foreground/background pair the panes draw (COLOUR_PAIRS in
gmo_tui/themes.py) reaches WCAG 4.5:1 (3:1 over depth bars) in every shipped theme, user themes
that miss are loaded with a warning, and the colours are resolved the way Textual paints them
(checked against Textual itself)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import Container
from textual.widget import Widget

from gmo_tui.themes import (
    COLOUR_PAIRS,
    DOMAIN_DEFAULTS,
    PACKAGE_THEMES,
    TEXT_MINIMUM,
    WIDGET_FIXES,
    ColourPair,
    Paint,
    contrast_failures,
    contrast_ratio,
    load_themes,
    resolve_pair,
    theme_from_toml,
    theme_variables,
)

REPO = Path(__file__).resolve().parent.parent
SHIPPED = {t.name: t for t in load_themes()}

# gmo-light as shipped before issue 15 (themes/gmo-light.toml on main), loaded the way the old
# theme_from_toml did: its colours and variables over the domain defaults, nothing else.
OLD_GMO_LIGHT = """
name = "gmo-light"
dark = false
primary = "#0b5cad"
secondary = "#5a4fcf"
accent = "#b35c00"
foreground = "#1b1f24"
background = "#f6f8fa"
surface = "#ffffff"
panel = "#e7ebf0"
success = "#1a7f37"
warning = "#9a6700"
error = "#cf222e"

[variables]
bid = "#1a7f37"
ask = "#cf222e"
bid-bar = "#d5f0dc"
ask-bar = "#fadcdc"
pnl-up = "#1a7f37"
pnl-down = "#cf222e"
own-order = "#9a6700"
large-trade = "#8250df"
spread = "#57606a"
"""


def _old_loader(text: str):
    import tomllib

    from textual.theme import Theme

    data = tomllib.loads(text)
    keys = (
        *("primary", "secondary", "warning", "error", "success", "accent", "foreground"),
        *("background", "surface", "panel", "boost"),
    )
    return Theme(
        name=data["name"],
        dark=data["dark"],
        variables={**DOMAIN_DEFAULTS, **data["variables"]},
        **{k: data[k] for k in keys if k in data},
    )


def test_shipped_themes_include_a_light_and_a_colour_blind_safe_one():
    assert {"gmo-dark", "gmo-light", "gmo-high-contrast", "gmo-blue-orange"} <= set(SHIPPED)
    assert SHIPPED["gmo-light"].dark is False
    bob = SHIPPED["gmo-blue-orange"].variables
    assert (bob["bid"], bob["ask"]) == ("#56b4e9", "#e69f00")  # Okabe-Ito blue / orange


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_pair_of_every_shipped_theme_is_legible(name):
    failures = contrast_failures(SHIPPED[name])
    assert not failures, "\n".join(str(f) for f in failures)


def test_the_high_contrast_theme_reaches_wcag_aaa():
    aaa = tuple(
        replace(p, minimum=7.0 if p.minimum == TEXT_MINIMUM else TEXT_MINIMUM) for p in COLOUR_PAIRS
    )
    failures = contrast_failures(SHIPPED["gmo-high-contrast"], aaa)
    assert not failures, "\n".join(str(f) for f in failures)


def test_the_contrast_check_catches_the_white_on_white_of_the_old_gmo_light():
    failures = {f.pair.where: f for f in contrast_failures(_old_loader(OLD_GMO_LIGHT))}
    for where in (
        "ladder header (.ladder--header)",
        "tape header (.tape--header)",
        "tape time column (.tape--time)",
        "chart title and OHLC (.chart--title)",
        "chart axes and times (.chart--axis)",
    ):
        assert where in failures, where
        assert failures[where].fg == "#FFFFFF" and failures[where].ratio < 1.1


def test_a_theme_file_without_solid_text_colours_gets_them_computed():
    """The old gmo-light file through today's loader: its text is drawn dark, not white."""
    theme = theme_from_toml(OLD_GMO_LIGHT)
    failures = {f.pair.where for f in contrast_failures(theme)}
    assert "ladder header (.ladder--header)" not in failures
    assert "chart title and OHLC (.chart--title)" not in failures
    for name in ("text", "text-muted", "text-disabled", "cursor"):
        assert Color.parse(theme.variables[name]).a == 1.0


def test_the_package_copy_of_the_themes_is_the_repository_copy():
    top = {p.name: p.read_bytes() for p in (REPO / "themes").glob("*.toml")}
    packaged = {p.name: p.read_bytes() for p in PACKAGE_THEMES.glob("*.toml")}
    assert top and top == packaged


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio(Color(255, 255, 255), Color(255, 255, 255)) == pytest.approx(1.0)
    # WebAIM: #767676 on white is 4.54:1
    assert contrast_ratio(Color.parse("#767676"), Color(255, 255, 255)) == pytest.approx(
        4.54, abs=0.01
    )


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")


def test_a_user_theme_that_fails_loads_with_a_warning(tmp_path, caplog):
    folder = tmp_path / "themes"
    shipped_light = (PACKAGE_THEMES / "gmo-light.toml").read_text(encoding="utf-8")
    _write(folder, "mine-ok", shipped_light.replace('"gmo-light"', '"mine-ok"'))
    bad = shipped_light.replace('"gmo-light"', '"mine-bad"').replace(
        'bid = "#116329"', 'bid = "#eeeeee"'
    )
    _write(folder, "mine-bad", bad)
    with caplog.at_level(logging.WARNING, logger="gmo_tui.themes"):
        themes = {t.name: t for t in load_themes(folder)}
    assert {"mine-ok", "mine-bad"} <= set(themes)  # a warning, not a refusal
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "mine-bad" in warnings[0] and "ladder levels: $bid" in warnings[0]
    assert "#EEEEEE" in warnings[0]


def test_a_user_theme_with_a_bad_colour_is_skipped_with_a_clear_warning(tmp_path, caplog):
    folder = tmp_path / "themes"
    _write(folder, "typo", 'name = "typo"\nprimary = "#123456"\n[variables]\nbid = "greenish"\n')
    _write(folder, "noprimary", 'name = "noprimary"\nprimary = "nope"\n')
    with caplog.at_level(logging.WARNING, logger="gmo_tui.themes"):
        themes = {t.name for t in load_themes(folder)}
    assert "typo" not in themes and "noprimary" not in themes and "gmo-dark" in themes
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "bid = 'greenish' is not a colour" in text and "did you mean 'green'" in text
    assert "primary = 'nope' is not a colour" in text


def test_shipped_themes_load_without_warnings(caplog):
    with caplog.at_level(logging.WARNING, logger="gmo_tui.themes"):
        load_themes()
    assert not caplog.records


def test_each_widget_fix_is_needed_today():
    """The widget lines listed in WIDGET_FIXES draw pairs that fail in a shipped theme."""
    for fix in WIDGET_FIXES:
        worst = min(
            contrast_ratio(*resolve_pair(pair, theme_variables(theme)))
            for pair in fix.today
            for theme in SHIPPED.values()
        )
        assert worst < 4.5, fix.line


# ---------------------------------------------------------------- the resolver against Textual
def _line_widget(pairs: list[tuple[int, ColourPair]]) -> type[Widget]:
    css = "\n".join(
        f"Probe > .p--{i} {{ color: {p.fg}; background: {p.bg}; }}"
        if not p.bg.startswith("$background")
        else f"Probe > .p--{i} {{ color: {p.fg}; }}"
        for i, p in pairs
    )
    return type(
        "Probe",
        (Widget,),
        {"COMPONENT_CLASSES": {f"p--{i}" for i, _ in pairs}, "DEFAULT_CSS": css},
    )


class _ProbeApp(App[None]):
    CSS = "Screen { background: $background; }"

    def __init__(self, theme_name: str, children: list[Widget], extra_css: str) -> None:
        super().__init__()
        self._theme_name = theme_name
        self._children = children
        self._extra_css = extra_css

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def compose(self) -> ComposeResult:
        yield from self._children

    def on_mount(self) -> None:
        for theme in SHIPPED.values():
            self.register_theme(theme)
        self.theme = self._theme_name
        self.stylesheet.add_source(self._extra_css, read_from=("probe", "extra"))
        self.refresh_css()


def _triplet(colour) -> str:
    return Color(*colour.triplet).hex


@pytest.mark.parametrize("name", sorted(SHIPPED))
async def test_resolved_colours_are_what_textual_paints(name):
    """LINE pairs against get_component_rich_style(partial=True) over the pane's rich_style;
    CSS pairs against a widget's rich_style inside a container on the pair's ``over``; RICH
    pairs (a variable handed to Rich) use the variable's colour as written."""
    indexed = list(enumerate(COLOUR_PAIRS))
    line = [(i, p) for i, p in indexed if p.paint is Paint.LINE]
    boxed = [(i, p) for i, p in indexed if p.paint is not Paint.LINE]
    probe_class = _line_widget(line)
    probe = probe_class()
    boxes = [Container(Widget(id=f"w{i}"), id=f"c{i}") for i, _ in boxed]
    extra = "\n".join(
        f"#c{i} {{ background: {p.over}; height: 1; }}\n"
        f"#w{i} {{ background: {p.bg}; {'color: ' + p.fg + ';' if p.paint is Paint.CSS else ''} }}"
        for i, p in boxed
    )
    app = _ProbeApp(name, [probe, *boxes], extra)
    variables = theme_variables(SHIPPED[name])
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == name
        for i, pair in line:
            style: Style = probe.rich_style + probe.get_component_rich_style(
                f"p--{i}", partial=True
            )
            fg, bg = resolve_pair(pair, variables)
            assert (_triplet(style.color), _triplet(style.bgcolor)) == (fg.hex, bg.hex), pair
        for i, pair in boxed:
            widget = app.query_one(f"#w{i}")
            style = widget.rich_style
            fg, bg = resolve_pair(pair, variables)
            assert _triplet(style.bgcolor) == bg.hex, pair
            if pair.paint is Paint.CSS:
                assert _triplet(style.color) == fg.hex, pair
            else:
                rich = Style.parse(variables[pair.fg.removeprefix("$")])
                assert _triplet(rich.color) == fg.hex, pair


# ---------------------------------------------------------------- the table covers the panes
_DECLARATION = re.compile(r"(?<![-\w])(color|background):\s*(\$[\w-]+)(\s+\d+%)?\s*;")


def test_every_colour_the_panes_declare_is_in_the_table():
    """A pane's CSS ``color: $x`` / ``background: $y`` must appear in COLOUR_PAIRS (or in a
    WIDGET_FIXES entry): a new pane adds its pairs to the table."""
    fgs = {p.fg for p in COLOUR_PAIRS} | {p.fg for f in WIDGET_FIXES for p in f.today}
    bgs = {p.bg for p in COLOUR_PAIRS} | {p.bg for f in WIDGET_FIXES for p in f.today}
    bgs |= {p.over for p in COLOUR_PAIRS}
    missing = []
    sources = [*(REPO / "gmo_tui").rglob("*.py"), *(REPO / "gmo_tui").rglob("*.tcss")]
    for path in sources:
        if "sim" in path.parts or path.name == "themes.py":
            continue
        for prop, var, pct in _DECLARATION.findall(path.read_text(encoding="utf-8")):
            expr = var + (pct or "")
            if expr not in (fgs if prop == "color" else bgs):
                missing.append(f"{path.relative_to(REPO)}: {prop}: {expr}")
    assert not missing, "\n".join(missing)

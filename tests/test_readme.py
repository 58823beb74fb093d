"""The README's promises hold: its config example loads, its setup is two commands, its keys exist."""

from __future__ import annotations

import re
from pathlib import Path

from gmo_tui.config import load_settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _block(lang: str, after: str) -> str:
    start = README.index(after)
    match = re.search(rf"```{lang}\n(.*?)```", README[start:], re.S)
    assert match, f"no ```{lang} block after {after!r}"
    return match.group(1)


def test_setup_is_two_commands_one_starts_the_demo_one_runs_the_tests() -> None:
    lines = [line for line in _block("sh", "## Setup").splitlines() if line.strip()]
    assert len(lines) == 2
    assert "gmo-tui --demo" in lines[0]
    assert "pytest" in lines[1]
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    # CI installs the same extras and runs the same test command as the README.
    extras = re.search(r'pip install -e "(\.\[[^\]]+\])"', lines[1]).group(1)
    assert extras in ci
    assert "python -m pytest -q" in ci and "python -m pytest -q" in lines[1]


def test_config_example_loads_with_its_safety_limits(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(_block("toml", "### Configuration"), encoding="utf-8")
    settings = load_settings(config, env={})
    assert settings.symbol == "BTC_JPY" and settings.tier == 1
    assert settings.keymap == {"ticket.buy": "f5"}
    limits = settings.safety_limits()
    assert str(limits.hard_collar_pct) == "5" and str(limits.max_slippage_pct) == "0.5"


def test_every_binding_id_in_the_readme_exists() -> None:
    from gmo_tui import app, screens, widgets  # noqa: F401 - import the modules that bind keys

    root = Path(__file__).resolve().parent.parent / "gmo_tui"
    source = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    table = README[README.index("### Keys") : README.index("### Configuration")]
    ids = {i for i in re.findall(r"`([a-z]+\.[a-z_]+)`", table)}
    assert ids, "no binding ids found in the README's key table"
    missing = sorted(i for i in ids if f'id="{i}"' not in source)
    assert missing == []

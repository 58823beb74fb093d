"""The ``[alerts]`` table of config.toml: each mistake is one message naming the file, the field
and what it accepts (exit 2 before the UI); good values reach the app's settings. A user theme
that is hard to read is said on screen, not only in the log."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gmo_tui import cli
from gmo_tui import config as cfg
from gmo_tui.alerts import Osc
from gmo_tui.themes import PACKAGE_THEMES
from tests.app.conftest import wait_for, wait_ready


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    directory.mkdir(mode=0o700)
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(directory))
    # were a bad config ever accepted, the app would talk to a closed loopback port
    monkeypatch.setenv("GMO_TUI_ENDPOINT", "http://127.0.0.1:9")
    return directory / cfg.CONFIG_FILE


BAD = [
    ('[alerts]\nosc = "loud"\n', '[alerts] osc must be "off", "osc9", "osc777" or "both"'),
    ('[alerts]\nbell = "yes"\n', "[alerts] bell must be true or false"),
    ('[alerts]\ntmux = "sometimes"\n', '[alerts] tmux must be true, false or "auto"'),
    ("[alerts]\ncommand = 5\n", "[alerts] command must be a string or a list of strings"),
    ('[alerts]\ncommand = "\'unclosed"\n', "[alerts] command: No closing quotation"),
    ("[alerts]\ncommand_timeout = 0\n", "[alerts] command_timeout must be a number of seconds"),
    ('[alerts]\nstale_after = "soon"\n', "[alerts] stale_after must be a number above 0"),
    ("[alerts]\nlosscut_pct = -5\n", "[alerts] losscut_pct must be a number above 0"),
    ("[alerts]\nsound = true\n", "[alerts]: unknown field 'sound' (known: bell, command"),
    ("alerts = 3\n", "alerts = 3: a table: [alerts]"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("text", "says"), BAD, ids=[t for t, _ in BAD])
def test_a_bad_alerts_table_is_one_message_and_exit_2(config, capsys, text, says) -> None:
    config.write_text(text)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"gmo-tui: {config}: "), err
    assert says in lines[0], err


def test_good_alert_settings_are_read(config) -> None:
    config.write_text(
        '[alerts]\nbell = false\nosc = "osc777"\ntmux = true\n'
        'command = ["/usr/local/bin/pager-alert", "--high"]\ncommand_timeout = 2.5\n'
        "stale_after = 12\nlosscut_pct = 3.5\n"
    )
    alerts = cfg.load_settings(config, env={}).alerts
    assert (alerts.bell, alerts.osc, alerts.tmux) == (False, Osc.OSC777, True)
    assert alerts.command == ("/usr/local/bin/pager-alert", "--high")
    assert alerts.command_timeout == 2.5
    assert (alerts.stale_after, alerts.losscut_pct) == (Decimal(12), Decimal("3.5"))
    assert cfg.load_settings(config.with_name("none.toml"), env={}).alerts.osc is Osc.OFF


async def test_a_user_theme_hard_to_read_is_said_on_screen(
    sim: Any, make_app: Any, tmp_path: Path
) -> None:
    themes = tmp_path / "config" / "themes"  # the config dir of the test (conftest)
    themes.mkdir(parents=True, mode=0o700)
    light = (PACKAGE_THEMES / "gmo-light.toml").read_text(encoding="utf-8")
    bad = light.replace('"gmo-light"', '"mine-bad"').replace('bid = "#116329"', 'bid = "#eeeeee"')
    (themes / "mine-bad.toml").write_text(bad, encoding="utf-8")
    os.chmod(themes / "mine-bad.toml", 0o600)
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_ready(pilot, app, trading=False)
        said = await wait_for(
            pilot,
            lambda: [n for n in app.main.notices if "hard to read" in n],
            "the theme warning on screen",
        )
        assert "mine-bad" in said[0] and "$bid" in said[0]
        assert "mine-bad" in app.available_themes  # a warning, not a refusal
        await app.shutdown()


def test_the_readmes_alerts_example_is_real_config(config) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Alerts") :]
    start = section.index("```toml\n") + len("```toml\n")
    example = section[start : section.index("```", start)]
    config.write_text(example)
    alerts = cfg.load_settings(config, env={}).alerts
    assert alerts.osc is Osc.BOTH and alerts.command == ("notify-send-json", "--urgent")

"""Issue 12, finding 3: every config mistake is one clear message naming the file, the key and
what is allowed, with exit code 2 before the UI starts and no traceback; unknown keymap ids
and key names are errors; the Settings docstring's example and the help screen's remap hint
are real config."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.markup import to_content

from gmo_tui import cli
from gmo_tui import config as cfg
from gmo_tui.screens.help import HELP_INTRO


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a bad config ever accepted, the app would talk to a closed loopback port, never to
    the real exchange (and the test would fail on its timeout)."""
    monkeypatch.setenv("GMO_TUI_ENDPOINT", "http://127.0.0.1:9")


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    directory.mkdir(mode=0o700)
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(directory))
    return directory / cfg.CONFIG_FILE


BAD = [
    # (config.toml, what the message must say besides the file name)
    ('[keymap]\n"ticket.buy" = 5\n', '[keymap] "ticket.buy" = 5: a key binding must be a string'),
    ('tier = "abc"\n', 'tier = "abc": 1 or 2'),
    ("tier = 3\n", "tier = 3: 1 or 2"),
    ('[keymap]\n"ticket.bye" = "B"\n', '[keymap] "ticket.bye" is not a binding id'),
    ('[keymap]\n"ticket.buy" = "ctrl+bananas"\n', "'bananas' is not a key name"),
    (
        '[keymap]\n"ticket.buy" = "hyperdrive+b"\n',
        "'hyperdrive' in 'hyperdrive+b' is not a modifier",
    ),
    ('[keymap]\n"ticket.buy" = "B,"\n', "an empty key name"),
    ('[keymap]\n"ticket.buy" = "Enter"\n', "'Enter' is not a key name"),
    ('[safety]\nhard_max_notional = "abc"\n', '[safety] hard_max_notional = "abc": a number'),
    ('[safety]\nhard_collar_pct = "NaN"\n', '[safety] hard_collar_pct = "NaN": a number'),
    ("[safety]\nmax_book_age = -1\n", "[safety] max_book_age = -1: a number of seconds above 0"),
    ("[safety]\nsoft_collar_ticks = 2.5\n", "[safety] soft_collar_ticks = 2.5: a whole number"),
    ('[safety]\nmax_notional_jpy = "1"\n', "[safety] max_notional_jpy is not a safety limit"),
    ('[safety.max_size]\nBTC = "-1"\n', '[safety] max_size = a table: BTC = "-1": a size above 0'),
    (
        '[safety]\nsoft_max_notional = "9"\nhard_max_notional = "1"\n',
        "soft_max_notional (9) is above hard_max_notional (1)",
    ),
    ('colour = "red"\n', "unknown setting 'colour'; allowed: symbol"),
    ("demo = true\n", "unknown setting 'demo'"),
    ('bell = "maybe"\n', 'bell = "maybe": true or false'),
    ("ticker_poll_seconds = 0\n", "ticker_poll_seconds = 0: a number of seconds, 1 or more"),
    ("keymap = 3\n", "keymap = 3: a table: [keymap]"),
    ('symbol = ""\n', 'symbol = "": a non-empty string'),
    ("symbol = [\n", "not valid TOML"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("text", "says"), BAD, ids=[t for t, _ in BAD])
def test_bad_config_is_one_message_and_exit_2_before_the_ui(config, capsys, text, says) -> None:
    config.write_text(text)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "ConversionSyntax" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"gmo-tui: {config}: "), err
    assert says in lines[0], err


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"GMO_TUI_TIER": "abc"}, 'environment variable GMO_TUI_TIER: tier = "abc": 1 or 2'),
        ({"GMO_TUI_BELL": "loud"}, 'environment variable GMO_TUI_BELL: bell = "loud"'),
    ],
)
def test_bad_environment_value_names_the_variable(tmp_path, env, says) -> None:
    with pytest.raises(cfg.ConfigError) as caught:
        cfg.load_settings(tmp_path / "none.toml", env=env)
    assert says in str(caught.value)


def test_good_values_from_env_and_file(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'tier = 2\nbell = false\nticker_poll_seconds = 2.5\n[keymap]\n"ticket.buy" = "f5,ctrl+b"\n'
        '"app.help" = "question_mark,f1"\n"book.finer" = "["\n'
        "[safety]\nsoft_collar_ticks = 5\nhard_collar_ticks = 20\nmax_book_age = 3\n"
        "[safety.max_size]\nBTC = 0.5\n"
    )
    settings = cfg.load_settings(
        path, env={"GMO_TUI_BELL": "on"}, binding_ids=cli.binding_ids(), bound_keys=cli.bound_keys()
    )
    assert settings.tier == 2 and settings.bell is True and settings.ticker_poll_seconds == 2.5
    assert settings.keymap["ticket.buy"] == "f5,ctrl+b"
    limits = settings.safety_limits()
    assert (limits.soft_collar_ticks, limits.hard_collar_ticks) == (5, 20)
    assert str(limits.max_size["BTC"]) == "0.5"
    assert cfg.load_settings(path, env={"GMO_TUI_TIER": "1"}).tier == 1


def test_the_bindings_are_found_only_when_the_file_has_a_keymap(tmp_path) -> None:
    """The CLI hands ``keys=cli.bound_keys``: a start without ``[keymap]`` never imports every
    screen for it; with one, an unknown id and a clash are still errors."""
    calls: list[int] = []

    def keys() -> list:
        calls.append(1)
        return cli.bound_keys()

    path = tmp_path / "config.toml"
    path.write_text("tier = 2\n")
    assert cfg.load_settings(path, env={}, keys=keys).tier == 2
    assert calls == []
    path.write_text('[keymap]\n"ticket.bye" = "f5"\n')
    with pytest.raises(cfg.ConfigError, match="ticket.bye.*is not a binding id"):
        cfg.load_settings(path, env={}, keys=keys)
    path.write_text('[keymap]\n"ticket.buy" = "f5"\n"ticket.sell" = "f5"\n')
    with pytest.raises(cfg.ConfigError, match="also"):
        cfg.load_settings(path, env={}, keys=keys)
    assert calls == [1, 1]


def test_every_binding_id_of_the_app_is_known() -> None:
    ids = cli.binding_ids()
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for p in (Path(cli.__file__).parent).rglob("*.py")
        if "sim" not in p.parts
    )
    assert ids == set(re.findall(r'\bid="([a-z_]+\.[a-z_]+)"', source))
    assert {"ticket.buy", "app.help", "book.finer", "confirm.yes"} <= ids


def test_the_settings_docstring_example_is_real_config(tmp_path) -> None:
    doc = cfg.Settings.__doc__ or ""
    example = doc.split("For example::", 1)[1]
    path = tmp_path / "config.toml"
    path.write_text("\n".join(line.strip() for line in example.strip().splitlines()) + "\n")
    settings = cfg.load_settings(path, env={}, binding_ids=cli.binding_ids())
    assert settings.keymap and settings.safety
    settings.safety_limits()


def test_the_help_screens_remap_hint_is_real_config(tmp_path) -> None:
    shown = to_content(HELP_INTRO).plain  # what the screen shows, markup applied
    match = re.search(r'(\[keymap\]) ("[a-z.]+" = "[^"]+")', shown)
    assert match, shown
    path = tmp_path / "config.toml"
    path.write_text(f"{match.group(1)}\n{match.group(2)}\n")
    settings = cfg.load_settings(path, env={}, binding_ids=cli.binding_ids())
    assert len(settings.keymap) == 1


def test_the_readmes_example_message_is_what_the_app_prints(config, capsys) -> None:
    readme = (Path(cli.__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    example = re.search(r"`gmo-tui: ~/\.config/gmo-tui/config\.toml: (tier = [^`]+)`", readme)
    assert example, "the README's Configuration section shows an example message"
    config.write_text('tier = "abc"\n')
    assert cli.main([]) == 2
    assert capsys.readouterr().err == f"gmo-tui: {config}: {example.group(1)}\n"


@pytest.mark.parametrize(
    ("text", "says"),
    [('[keymap]\n"ticket.buy" = 5\n', '[keymap] "ticket.buy" = 5'), ('tier = "abc"\n', "tier")],
)
def test_the_real_entry_point_exits_2_with_one_line(config, tmp_path, text, says) -> None:
    import os
    import subprocess
    import sys

    config.write_text(text)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GMO_")}
    env.update(
        GMO_TUI_CONFIG_DIR=str(config.parent),
        GMO_TUI_LOG_DIR=str(tmp_path / "log"),
        GMO_TUI_DATA_DIR=str(tmp_path / "data"),
        GMO_TUI_ENDPOINT="http://127.0.0.1:9",
    )
    done = subprocess.run(
        [sys.executable, "-m", "gmo_tui"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"gmo-tui: {config}: ") and says in done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("keymap", "says"),
    [
        # the ladder's alert back on a: it would hide the Account pane with the book focused
        ('"book.alert" = "a"', '"book.alert" = "a": "a" is also pane.account'),
        ('"pane.account" = "b"', '"pane.account" = "b": "b" is also book.buy'),
        # a key named or typed: slash is /
        ('"pane.watchlist" = "/"', '"/" is also symbol.search'),
        # two keys of the app itself
        ('"ticket.buy" = "B,ctrl+b"', '"B" is also market.buy'),
    ],
)
def test_a_remap_that_hides_another_key_is_refused(tmp_path, keymap: str, says: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[keymap]\n{keymap}\n")
    with pytest.raises(cfg.ConfigError) as caught:
        cfg.load_settings(path, env={}, binding_ids=cli.binding_ids(), bound_keys=cli.bound_keys())
    assert says in str(caught.value) and "one would hide the other" in str(caught.value)


def test_remaps_that_hide_nothing_are_kept(tmp_path) -> None:
    """Moving the Account pane off a frees a for the ladder's alert; a dialog's key may be any
    key of the main screen (its actions do not run under a dialog); the defaults' own sharing
    (the ladder's b / s) is the design."""
    path = tmp_path / "config.toml"
    path.write_text(
        '[keymap]\n"pane.account" = "u"\n"book.alert" = "a"\n"confirm.yes" = "b"\n'
        '"book.buy" = "b,f9"\n'
    )
    settings = cfg.load_settings(
        path, env={}, binding_ids=cli.binding_ids(), bound_keys=cli.bound_keys()
    )
    assert settings.keymap["book.alert"] == "a" and settings.keymap["pane.account"] == "u"

"""Issue 12, finding 1: the app trusts only what only the user can write (the config dir,
config.toml, credentials.toml, theme files; as OpenSSH does), and the endpoint rule: any
endpoint but the default is https://, or http:// on a loopback address."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gmo_tui import cli
from gmo_tui import config as cfg
from gmo_tui.themes import load_themes


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Were a bad config ever accepted, the app would talk to a closed loopback port, never to
    the real exchange (and the test would fail on its timeout)."""
    monkeypatch.setenv("GMO_TUI_ENDPOINT", "http://127.0.0.1:9")


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    directory.mkdir(mode=0o700)
    directory.chmod(0o700)
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(directory))
    return directory


def refused(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI; it must refuse with exit code 2 and one message, and no traceback."""
    assert cli.main(list(argv)) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_the_reported_attack_is_refused_before_anything_is_sent(config_dir, capsys) -> None:
    # finding 1 as filed: a 0777 config dir and a 0666 config.toml pointing the key elsewhere
    config = config_dir / cfg.CONFIG_FILE
    config.write_text('endpoint = "http://127.0.0.1:9"\n')
    config.chmod(0o666)
    config_dir.chmod(0o777)
    err = refused(capsys)
    assert f"chmod go-w {config_dir}" in err
    config_dir.chmod(0o700)
    err = refused(capsys)
    assert f"chmod go-w {config}" in err and "writable by group or others" in err


@pytest.mark.parametrize("bits", [0o020, 0o002])
def test_group_or_other_writable_config_file_or_dir_is_refused(config_dir, bits) -> None:
    config = config_dir / cfg.CONFIG_FILE
    config.write_text('symbol = "ETH"\n')
    config.chmod(0o600 | bits)
    with pytest.raises(cfg.ConfigError, match=f"Run: chmod go-w {config}$"):
        cfg.load_settings(env={})
    config.chmod(0o644)  # readable is fine: only writing is someone else's choice
    assert cfg.load_settings(env={}).symbol == "ETH"
    config_dir.chmod(0o700 | bits)
    with pytest.raises(cfg.ConfigError, match=f"Run: chmod go-w {config_dir}$"):
        cfg.load_settings(env={})
    # the dir alone is enough: someone could drop a config.toml in it
    config.unlink()
    with pytest.raises(cfg.ConfigError, match="chmod go-w"):
        cfg.load_settings(env={})


def _owned_by_someone_else(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if os.geteuid() == 0:
        os.chown(path, 4242, 4242)
    else:  # the file is ours; the check is told we are someone else
        import gmo_tui.private_files as pf

        monkeypatch.setattr(pf.os, "geteuid", lambda: 4242)


def test_config_file_owned_by_another_user_is_refused(config_dir, monkeypatch) -> None:
    config = config_dir / cfg.CONFIG_FILE
    config.write_text('symbol = "ETH"\n')
    config.chmod(0o600)
    _owned_by_someone_else(config, monkeypatch)
    with pytest.raises(cfg.ConfigError, match="not by you.*Run: chown"):
        cfg.load_settings(env={})


def test_writable_theme_file_or_dir_is_refused_at_start_and_skipped_by_the_loader(
    config_dir, capsys, caplog
) -> None:
    themes = config_dir / "themes"
    themes.mkdir(mode=0o700)
    theme = themes / "mine.toml"
    theme.write_text('name = "mine"\nprimary = "#123456"\n')
    theme.chmod(0o666)
    err = refused(capsys)
    assert f"chmod go-w {theme}" in err
    assert "mine" not in {t.name for t in load_themes(themes)}
    assert "chmod go-w" in caplog.text
    theme.chmod(0o644)
    assert "mine" in {t.name for t in load_themes(themes)}
    themes.chmod(0o777)
    assert f"chmod go-w {themes}" in refused(capsys)


def test_credentials_in_a_writable_dir_or_owned_by_another_user_are_refused(
    tmp_path, monkeypatch
) -> None:
    creds = tmp_path / cfg.CREDENTIALS_FILE
    creds.write_text('api_key = "abcdefgh1234"\napi_secret = "secretsecret99"\n')
    creds.chmod(0o600)
    tmp_path.chmod(0o770)
    try:
        with pytest.raises(cfg.ConfigError, match=f"chmod go-w {tmp_path}"):
            cfg.load_credentials({}, tmp_path, use_keyring=False)
    finally:
        tmp_path.chmod(0o700)
    assert cfg.load_credentials({}, tmp_path, use_keyring=False) is not None
    _owned_by_someone_else(creds, monkeypatch)
    with pytest.raises(cfg.ConfigError, match="not by you"):
        cfg.load_credentials({}, tmp_path, use_keyring=False)


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://api.coin.z.com",
        "https://gmo.example.net:8443/",
        "http://127.0.0.1:8765",
        "http://127.3.2.1",
        "http://[::1]:8765",
        "http://localhost:8765",
        "HTTP://LOCALHOST:1",
    ],
)
def test_allowed_endpoints(endpoint: str, tmp_path: Path) -> None:
    settings = cfg.load_settings(tmp_path / "none.toml", env={}, endpoint=endpoint)
    assert settings.endpoint == endpoint
    assert settings.endpoint_is_default is endpoint.startswith("https://api.coin.z.com")


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://192.168.1.5:8765",  # clear text over a network
        "http://api.coin.z.com",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example",
        "http://[::2]:1",
        "ftp://127.0.0.1",
        "https://user:pw@api.example.com",
        "https://api.coin.z.com:99999",
        "127.0.0.1:8765",
    ],
)
def test_refused_endpoints_from_file_env_or_flag(endpoint: str, tmp_path: Path, capsys) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'endpoint = "{endpoint}"\n')
    with pytest.raises(cfg.ConfigError, match=rf"^{config}: endpoint = .*"):
        cfg.load_settings(config, env={})
    none = tmp_path / "none.toml"
    with pytest.raises(cfg.ConfigError, match="^environment variable GMO_TUI_ENDPOINT: endpoint"):
        cfg.load_settings(none, env={"GMO_TUI_ENDPOINT": endpoint})
    with pytest.raises(cfg.ConfigError, match="^--endpoint: endpoint"):
        cfg.load_settings(none, env={}, endpoint=endpoint)
    err = refused(capsys, "--endpoint", endpoint)
    assert "--endpoint" in err


def test_http_to_a_network_host_names_the_rule(tmp_path: Path) -> None:
    with pytest.raises(cfg.ConfigError) as caught:
        cfg.load_settings(tmp_path / "none.toml", env={}, endpoint="http://10.0.0.2:8765")
    assert "https://, or http:// on a loopback address" in str(caught.value)


def test_endpoint_is_default_for_the_header() -> None:
    assert cfg.Settings().endpoint_is_default
    assert cfg.Settings(endpoint="https://api.coin.z.com/").endpoint_is_default
    assert not cfg.Settings(endpoint="http://127.0.0.1:8765").endpoint_is_default


def test_a_writable_directory_between_home_and_the_config_dir_is_refused(
    tmp_path, monkeypatch
) -> None:
    home = tmp_path / "home"
    config_dir = home / ".config" / "gmo-tui"
    config_dir.mkdir(parents=True, mode=0o700)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(config_dir))
    (home / ".config").chmod(0o700)
    assert cfg.load_settings(env={}).symbol == "BTC_JPY"
    (home / ".config").chmod(0o777)
    with pytest.raises(cfg.ConfigError, match=f"Run: chmod go-w {home / '.config'}$"):
        cfg.load_settings(env={})
    (home / ".config").chmod(0o755)
    home.chmod(0o775)
    with pytest.raises(cfg.ConfigError, match=f"Run: chmod go-w {home}$"):
        cfg.load_settings(env={})


def test_a_symlinked_log_file_is_refused_with_a_message(tmp_path, monkeypatch, capsys) -> None:
    log = tmp_path / "log"
    log.mkdir(mode=0o700)
    (log / "gmo-tui.log").symlink_to(tmp_path / "elsewhere.txt")
    monkeypatch.setenv("GMO_TUI_LOG_DIR", str(log))
    err = refused(capsys)
    assert "cannot open the log file" in err and not (tmp_path / "elsewhere.txt").exists()

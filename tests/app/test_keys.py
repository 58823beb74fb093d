"""Issue 12, finding 4: `gmo-tui keys set | show | delete` and the keyring step of the credential
lookup, through keyring's own API with a file backend (keyrings.alt), and the app started with
the credentials the keyring holds."""

from __future__ import annotations

import getpass
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from gmo_tui import cli
from gmo_tui import config as cfg
from gmo_tui.app import GmoTuiApp
from gmo_tui.exchange.rest import GmoRestClient
from tests.app.conftest import FAST_WS_INTERVAL, wait_ready

# not the session's canary pair: these are written to the keyring's file on purpose
KEY = "KeyringTestKey0000000000000WXYZ"
SECRET = "KeyringTestSecret0000000000000000000000000000000000000000000009"


@pytest.fixture(autouse=True)
def file_keyring(tmp_path: Path) -> Iterator[PlaintextKeyring]:
    backend = PlaintextKeyring()
    backend.file_path = str(tmp_path / "keyring" / "keyring_pass.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(monkeypatch, capsys, *argv: str, stdin: io.StringIO | None = None) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", stdin or io.StringIO(""))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_set_from_stdin_stores_the_pair_in_the_keyring(monkeypatch, capsys) -> None:
    code, out, err = run(
        monkeypatch, capsys, "keys", "set", stdin=io.StringIO(f"{KEY}\n{SECRET}\n")
    )
    assert code == 0, err
    assert keyring.get_password("gmo-tui", "api_key") == KEY
    assert keyring.get_password("gmo-tui", "api_secret") == SECRET
    assert "…WXYZ" in out and KEY[:-4] not in out + err and SECRET[:8] not in out + err
    creds = cfg.load_credentials(env={})
    assert creds is not None and creds.source == "keyring"
    assert (creds.api_key, creds.api_secret) == (KEY, SECRET)


def test_set_at_a_terminal_reads_both_without_echo(monkeypatch, capsys) -> None:
    prompts: list[str] = []

    def no_echo(prompt: str = "Password: ", stream: Any = None) -> str:
        prompts.append(prompt)
        return KEY if "key" in prompt else SECRET

    monkeypatch.setattr(getpass, "getpass", no_echo)
    terminal = Terminal("must not be read\n")
    code, out, _ = run(monkeypatch, capsys, "keys", "set", stdin=terminal)
    assert code == 0 and prompts == ["GMO Coin API key: ", "GMO Coin API secret: "]
    assert terminal.tell() == 0  # nothing read with echo
    assert keyring.get_password("gmo-tui", "api_secret") == SECRET


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("", "the API key is empty"),
        (f"{KEY}\n", "the API secret is empty"),
        (f"{KEY}\nsecret with spaces\n", "the API secret holds spaces"),
    ],
)
def test_bad_input_stores_nothing(monkeypatch, capsys, given, says) -> None:
    code, _, err = run(monkeypatch, capsys, "keys", "set", stdin=io.StringIO(given))
    assert code == 2 and says in err and "nothing stored" in err
    assert keyring.get_password("gmo-tui", "api_key") is None


def test_show_lists_every_place_in_order_and_never_the_secret(
    monkeypatch, capsys, tmp_path
) -> None:
    code, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert code == 0
    lines = out.splitlines()
    assert "1. environment" in lines[1] and lines[1].endswith("not set")
    assert "2. file" in lines[2] and lines[2].endswith("none")
    assert "3. OS keyring (keyrings.alt.file.PlaintextKeyring)" in lines[3]
    assert lines[3].endswith("none") and lines[4].startswith("In use: none")

    keyring.set_password("gmo-tui", "api_key", KEY)
    keyring.set_password("gmo-tui", "api_secret", SECRET)
    _, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert "key …WXYZ and its secret" in out and "In use: keyring, key …WXYZ" in out

    directory = cfg.config_dir()
    directory.mkdir(mode=0o700)
    creds = directory / cfg.CREDENTIALS_FILE
    creds.write_text('api_key = "FileKey0000000000000000000000ABCD"\napi_secret = "FileSecret1"\n')
    creds.chmod(0o644)
    _, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert f"refused: {creds} is accessible by group or others" in out and "chmod 600" in out
    assert "In use: none; the app refuses to start" in out
    creds.chmod(0o600)
    _, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert "key …ABCD" in out and f"In use: {creds}, key …ABCD" in out

    monkeypatch.setenv("GMO_API_KEY", "EnvKey00000000000000000000000EFGH")
    monkeypatch.setenv("GMO_API_SECRET", "EnvSecret2")
    _, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert "set, key …EFGH" in out and "In use: environment, key …EFGH" in out
    for secret in (SECRET, "FileSecret1", "EnvSecret2", KEY[:-4]):
        assert secret not in out


def test_show_hints_nothing_of_a_short_key(monkeypatch, capsys) -> None:
    keyring.set_password("gmo-tui", "api_key", "short12345")
    keyring.set_password("gmo-tui", "api_secret", "s")
    _, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert "(10 characters)" in out and "2345" not in out


def test_delete_removes_them_and_is_idempotent(monkeypatch, capsys) -> None:
    run(monkeypatch, capsys, "keys", "set", stdin=io.StringIO(f"{KEY}\n{SECRET}\n"))
    code, out, _ = run(monkeypatch, capsys, "keys", "delete")
    assert code == 0 and "Deleted" in out
    assert keyring.get_password("gmo-tui", "api_key") is None
    assert keyring.get_password("gmo-tui", "api_secret") is None
    assert cfg.load_credentials(env={}) is None
    code, out, _ = run(monkeypatch, capsys, "keys", "delete")
    assert code == 0 and "nothing to delete" in out


def test_environment_and_file_come_before_the_keyring(monkeypatch, capsys, tmp_path) -> None:
    run(monkeypatch, capsys, "keys", "set", stdin=io.StringIO(f"{KEY}\n{SECRET}\n"))
    (tmp_path / cfg.CREDENTIALS_FILE).write_text('api_key = "filekey1"\napi_secret = "filesec1"\n')
    (tmp_path / cfg.CREDENTIALS_FILE).chmod(0o600)
    assert cfg.load_credentials({}, tmp_path).api_key == "filekey1"
    env = {"GMO_API_KEY": "envkey12", "GMO_API_SECRET": "envsec12"}
    assert cfg.load_credentials(env, tmp_path).source == "environment"
    with pytest.raises(cfg.ConfigError, match="GMO_API_KEY is set but GMO_API_SECRET is not"):
        cfg.load_credentials({"GMO_API_KEY": "envkey12"}, tmp_path)
    (tmp_path / cfg.CREDENTIALS_FILE).unlink()
    assert cfg.load_credentials({}, tmp_path).source == "keyring"


async def test_the_app_starts_trading_with_the_keyring_credentials(
    make_sim, monkeypatch, capsys, tmp_path
) -> None:
    sim = await make_sim(api_key=KEY, api_secret=SECRET)
    await sim.control("limits", {"ws_commands_per_s": 200, "rest_per_s": 60})
    code, _, _ = run(monkeypatch, capsys, "keys", "set", stdin=io.StringIO(f"{KEY}\n{SECRET}\n"))
    assert code == 0
    credentials = cfg.load_credentials()  # the lookup `gmo-tui` runs at start
    assert credentials is not None and credentials.source == "keyring"
    async with GmoRestClient(sim.endpoint, credentials) as rest:
        assert await rest.get_assets()  # a signed request the exchange accepts
    settings = cfg.Settings(endpoint=sim.endpoint, bell=False, ws_command_interval=FAST_WS_INTERVAL)
    app = GmoTuiApp(settings, credentials, mode="DEMO", journal_path=str(tmp_path / "j.sqlite"))
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app, trading=True)
        service = app.session.service
        assert service is not None and service.gates.enabled


def test_no_usable_keyring_is_said_plainly_and_the_app_still_starts_without_a_key(
    monkeypatch, capsys
) -> None:
    from keyring.backends.fail import Keyring as NoKeyring

    keyring.set_keyring(NoKeyring())  # what keyring uses when the OS offers none
    code, _, err = run(monkeypatch, capsys, "keys", "set", stdin=io.StringIO(f"{KEY}\n{SECRET}\n"))
    assert code == 1 and "refused" in err and "Nothing stored" in err and SECRET[:8] not in err
    code, out, _ = run(monkeypatch, capsys, "keys", "show")
    assert code == 0 and "3. OS keyring (keyring.backends.fail.Keyring): unusable" in out
    assert cfg.load_credentials(env={}) is None  # public panes only, no crash
    code, _, err = run(monkeypatch, capsys, "keys", "delete")
    assert code == 1 and "refused" in err

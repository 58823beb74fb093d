"""The command line in Japanese: ``gmo-tui keys`` output and the private-file refusals."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import keyring
import pytest

from gmo_tui import cli
from gmo_tui import config as cfg
from gmo_tui.i18n import use_language
from gmo_tui.private_files import UntrustedPath, check_secret
from tests.app.test_keys import KEY, SECRET, file_keyring  # noqa: F401 - the file keyring


def _run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_keys_show_in_japanese(monkeypatch, capsys) -> None:
    monkeypatch.delenv("GMO_API_KEY", raising=False)
    monkeypatch.delenv("GMO_API_SECRET", raising=False)
    code, out, _err = _run(monkeypatch, capsys, "--lang", "ja", "keys", "show")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "gmo-tui は次の順に認証情報を探し、最初にそろっている組を使います:"
    assert lines[1] == "  1. 環境変数 GMO_API_KEY / GMO_API_SECRET: 未設定"
    assert lines[2].startswith("  2. ファイル ") and lines[2].endswith(": なし")
    assert lines[3] == "  3. OSのキーリング(keyrings.alt.file.PlaintextKeyring): なし"
    assert lines[4] == "使用中: なし(公開情報のみ。注文にはキーが必要です)"
    keyring.set_password("gmo-tui", "api_key", KEY)
    keyring.set_password("gmo-tui", "api_secret", SECRET)
    _code, out, _err = _run(monkeypatch, capsys, "--lang", "ja", "keys", "show")
    assert "キー …WXYZ とそのシークレット" in out and "使用中: keyring、キー …WXYZ" in out
    assert SECRET not in out and KEY[:-4] not in out


def test_keys_set_refuses_bad_input_in_japanese(monkeypatch, capsys) -> None:
    code, _out, err = _run(monkeypatch, capsys, "--lang", "ja", "keys", "set", stdin=f"{KEY}\n")
    assert code == 2
    assert err.strip() == "gmo-tui keys set: APIシークレットが空です。何も保存していません"


def test_an_open_secret_file_is_refused_in_japanese(tmp_path: Path) -> None:
    use_language("ja")
    secret = tmp_path / cfg.CREDENTIALS_FILE
    secret.write_text("")
    secret.chmod(0o644)
    with pytest.raises(UntrustedPath) as caught:
        check_secret(secret)
    assert str(caught.value) == (
        f"{secret} はグループか他のユーザーがアクセスできます(モード 644)。使用しません。"
        f"実行: chmod 600 {secret}"
    )


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("serve", "アプリをブラウザに配信します(textual-serve)"),
        ("record", "カンマ区切り(例: BTC,BTC_JPY,ETH)"),
        ("replay", "ISO-8601 時刻(UTC)または +秒数"),
        ("export", "JSTの日付 FROM..TO(両端を含む)のすべての約定をCSVで書き出します。"),
    ],
)
def test_subcommand_help_in_japanese(monkeypatch, capsys, command: str, says: str) -> None:
    argv = ["--lang", "ja", command, "--help"] if command != "serve" else ["--lang", "ja", "--help"]
    with pytest.raises(SystemExit) as done:
        _run(monkeypatch, capsys, *argv)
    out = capsys.readouterr().out
    assert done.value.code == 0
    assert says in " ".join(out.split()), out

"""Which language: ``--lang``, ``GMO_TUI_LANGUAGE``, ``language`` in the config, the locale
(as gettext reads it), English by default; ``--help`` and config errors in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmo_tui import cli
from gmo_tui.config import ConfigError, load_settings
from gmo_tui.exchange.errors import ApiError, ErrorMessage, api_error
from gmo_tui.i18n import (
    _,
    choose_language,
    current_language,
    language_from_locale,
    use_language,
)
from gmo_tui.i18n.exchange_errors import describe, error_text


@pytest.mark.parametrize(
    ("env", "language"),
    [
        ({}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "ja_JP.eucJP"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "C"}, "ja"),
        ({"LANGUAGE": "en", "LC_ALL": "ja_JP.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:ja", "LANG": "en_US.UTF-8"}, "ja"),
        ({"LANGUAGE": "", "LANG": "ja_JP.UTF-8"}, "ja"),
    ],
)
def test_the_locale_decides_as_gettext_reads_it(env: dict[str, str], language: str) -> None:
    assert language_from_locale(env) == language


def test_flag_then_environment_then_config_then_locale() -> None:
    locale = {"LANG": "ja_JP.UTF-8"}
    assert choose_language("en", "ja", "ja", env=locale) == "en"
    assert choose_language(None, "en", "ja", env=locale) == "en"
    assert choose_language(None, None, "en", env=locale) == "en"
    assert choose_language(None, None, "", env=locale) == "ja"
    assert choose_language(None, None, "", env={}) == "en"


def test_japanese_and_back() -> None:
    use_language("ja")
    assert current_language() == "ja"
    assert _("Positions") == "建玉"
    assert _("Book") == "板"
    assert _("Time in force") == "執行数量条件"
    assert _("a text the catalogue lacks") == "a text the catalogue lacks"
    assert _("") == ""  # not the catalogue's header
    use_language("en")
    assert _("Positions") == "Positions"


def test_config_language_is_checked(tmp_path: Path) -> None:
    config = tmp_path / "conf"
    config.mkdir(mode=0o700)
    (config / "config.toml").write_text('language = "ja"\n')
    assert load_settings(config / "config.toml", env={}).language == "ja"
    (config / "config.toml").write_text('language = "de"\n')
    with pytest.raises(ConfigError, match=r'language = "de": "en" or "ja"'):
        load_settings(config / "config.toml", env={})
    env = {"GMO_TUI_LANGUAGE": "ja"}
    (config / "config.toml").write_text('language = "en"\n')
    assert load_settings(config / "config.toml", env=env).language == "ja"
    assert load_settings(config / "config.toml", env=env, language="en").language == "en"


def test_help_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--lang", "ja", "--help"])
    out = capsys.readouterr().out
    assert "GMOコインのためのキーボード操作のターミナル取引ツール" in out
    assert "内蔵の取引所で起動" in out
    assert "画面の言語" in out


def test_help_follows_the_locale(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "GMO_TUI_LANGUAGE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "内蔵の取引所で起動" in capsys.readouterr().out
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "run against the built-in exchange" in capsys.readouterr().out


def test_lang_flag_is_parsed_and_refuses_others(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.build_parser().parse_args(["--lang", "ja"]).lang == "ja"
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--lang", "de"])
    assert "invalid choice" in capsys.readouterr().err


def test_gmo_error_messages_in_the_current_language() -> None:
    error = api_error(1, [ErrorMessage("ERR-201", "Insufficient funds.")], path="/v1/order")
    assert isinstance(error, ApiError)
    assert describe(error) == "ERR-201: Insufficient funds."
    use_language("ja")
    assert describe(error) == "ERR-201: 取引余力が不足しています。"
    assert error_text("ERR-5201") == "定期メンテナンス中です。"
    # a code the app does not know: the exchange's own words
    unknown = api_error(1, [ErrorMessage("ERR-9999", "Something new.")])
    assert describe(unknown) == "ERR-9999: Something new."


def test_config_errors_in_japanese(tmp_path: Path) -> None:
    config = tmp_path / "conf"
    config.mkdir(mode=0o700)
    (config / "config.toml").write_text('tier = "abc"\n')
    use_language("ja")
    with pytest.raises(ConfigError, match=r'tier = "abc": 1 または 2\(口座のAPIティア\)'):
        load_settings(config / "config.toml", env={})
    (config / "config.toml").write_text('colour = "red"\n')
    with pytest.raises(ConfigError, match="不明な設定 'colour'"):
        load_settings(config / "config.toml", env={})
    (config / "config.toml").write_text('endpoint = "https://u:p@api.coin.z.com"\n')
    with pytest.raises(ConfigError, match="ユーザー名やパスワードは含められません"):
        load_settings(config / "config.toml", env={})


def test_argparse_words_in_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--lang", "ja", "sim", "--help"])
    out = capsys.readouterr().out
    assert "オプション:" in out and "このヘルプを表示して終了" in out
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "--help"])
    out = capsys.readouterr().out
    assert "positional arguments:" in out and "show this help message and exit" in out

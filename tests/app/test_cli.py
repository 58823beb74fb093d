"""The command line: flags, the `sim` sub-command, and a clear refusal of a bad config."""

from __future__ import annotations

from gmo_tui import cli


def test_flags_and_sim_subcommand():
    args = cli.build_parser().parse_args(["--demo", "--symbol", "ETH", "--theme", "gmo-light"])
    assert args.demo and args.symbol == "ETH" and args.theme == "gmo-light" and args.command is None
    args = cli.build_parser().parse_args(
        [
            "sim",
            "--host",
            "127.0.0.1",
            "--port",
            "8765",
            "--seed",
            "7",
            "--control",
            "--api-key",
            "K",
            "--api-secret",
            "S",
        ]
    )
    assert (args.command, args.port, args.seed, args.control, args.api_key) == (
        "sim",
        8765,
        7,
        True,
        "K",
    )


def test_bad_config_is_refused_with_a_message(tmp_path, monkeypatch, capsys):
    (tmp_path / "config.toml").write_text("nonsense = 1\n")
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("GMO_TUI_LOG_DIR", str(tmp_path / "log"))
    assert cli.main(["--symbol", "BTC"]) == 2
    assert "unknown setting 'nonsense'" in capsys.readouterr().err


def test_group_readable_credentials_refuse_to_start(tmp_path, monkeypatch, capsys):
    creds = tmp_path / "credentials.toml"
    creds.write_text('api_key = "abcdefgh"\napi_secret = "12345678"\n')
    creds.chmod(0o640)
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("GMO_TUI_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.delenv("GMO_API_KEY", raising=False)
    monkeypatch.delenv("GMO_API_SECRET", raising=False)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "group or others" in err and "abcdefgh" not in err

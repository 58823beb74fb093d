"""Settings precedence, credentials (env, private file, refused when group/other readable),
redacted logging, and theme files."""

from __future__ import annotations

import logging
import os
from decimal import Decimal

import pytest

from gmo_tui import config as cfg
from gmo_tui import redact
from gmo_tui.themes import DOMAIN_DEFAULTS, load_themes, theme_from_toml


def test_flags_beat_env_beat_file_beat_defaults(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'symbol = "ETH"\ntheme = "gmo-light"\ntier = 2\n[keymap]\n"ticket.buy" = "f5"\n'
    )
    settings = cfg.load_settings(path, env={"GMO_TUI_THEME": "gmo-high-contrast"}, symbol="XRP_JPY")
    assert settings.symbol == "XRP_JPY"  # flag
    assert settings.theme == "gmo-high-contrast"  # env over file
    assert settings.tier == 2 and settings.keymap == {"ticket.buy": "f5"}  # file
    assert settings.endpoint == cfg.DEFAULT_ENDPOINT  # default


def test_unknown_setting_is_an_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("colour = 'red'\n")
    with pytest.raises(cfg.ConfigError, match="colour"):
        cfg.load_settings(path, env={})


def test_safety_limits_are_typed(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[safety]\nhard_max_notional = "1000000"\nmax_book_age = 3\n[safety.max_size]\nBTC = "0.5"\n'
    )
    limits = cfg.load_settings(path, env={}).safety_limits()
    assert limits.hard_max_notional == Decimal("1000000")
    assert limits.max_book_age == 3.0 and isinstance(limits.max_book_age, float)
    assert limits.max_size == {"BTC": Decimal("0.5")}


def test_credentials_from_env_never_print(tmp_path):
    creds = cfg.load_credentials(
        {"GMO_API_KEY": "k" * 32, "GMO_API_SECRET": "s" * 64}, tmp_path, use_keyring=False
    )
    assert creds is not None and creds.source == "environment"
    assert "kkkk" not in repr(creds) and "ssss" not in str(creds)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_credentials_file_refused_when_others_can_read(tmp_path):
    path = tmp_path / cfg.CREDENTIALS_FILE
    path.write_text('api_key = "abcdefgh1234"\napi_secret = "secretsecret99"\n')
    path.chmod(0o644)
    with pytest.raises(cfg.ConfigError, match="chmod 600"):
        cfg.load_credentials({}, tmp_path, use_keyring=False)
    path.chmod(0o600)
    creds = cfg.load_credentials({}, tmp_path, use_keyring=False)
    assert creds is not None and creds.api_key == "abcdefgh1234"


def test_no_credentials_is_none(tmp_path):
    assert cfg.load_credentials({}, tmp_path, use_keyring=False) is None


def test_log_file_is_redacted(tmp_path):
    path = cfg.setup_logging(directory=tmp_path)
    redact.register_secret("SUPERSECRETKEY123")
    log = logging.getLogger("gmo_tui.test")
    log.info("key=%s url=%s", "SUPERSECRETKEY123", "ws://127.0.0.1:1/ws/private/v1/tok3n-value-xyz")
    try:
        raise RuntimeError("failed with SUPERSECRETKEY123")
    except RuntimeError:
        log.exception("boom")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text()
    assert "SUPERSECRETKEY123" not in text and "tok3n-value-xyz" not in text
    assert "key=***" in text and "/ws/private/v1/***" in text and "failed with ***" in text


def test_shipped_themes_carry_the_domain_variables():
    themes = {t.name: t for t in load_themes()}
    assert {"gmo-dark", "gmo-light", "gmo-high-contrast", "gmo-blue-orange"} <= set(themes)
    for theme in themes.values():
        assert set(DOMAIN_DEFAULTS) <= set(theme.variables)
    # colour-blind safe: bids blue, asks orange
    assert themes["gmo-blue-orange"].variables["bid"] == "#56b4e9"
    assert themes["gmo-blue-orange"].variables["ask"] == "#e69f00"


def test_user_theme_dir_adds_and_overrides(tmp_path):
    (tmp_path / "mine.toml").write_text(
        'name = "mine"\nprimary = "#123456"\n[variables]\nbid = "#00ffaa"\n'
    )
    themes = {t.name: t for t in load_themes(tmp_path)}
    assert themes["mine"].variables["bid"] == "#00ffaa"
    assert themes["mine"].variables["ask"] == DOMAIN_DEFAULTS["ask"]
    with pytest.raises(ValueError):
        theme_from_toml('name = "x"\n')

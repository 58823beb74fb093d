"""The secret canary can fail: planted pieces of the key, secret or a token are found."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.canary import CANARY_KEY, CANARY_SECRET, PIECE, PLANTED, CanaryPlugin, Scanner


def _scanner(*tokens: str) -> Scanner:
    scanner = Scanner()
    scanner.add(CANARY_KEY, "api key")
    scanner.add(CANARY_SECRET, "api secret")
    for token in tokens:
        scanner.add(token, "ws token")
    return scanner


def test_canary_credentials_are_the_sessions(sim) -> None:
    assert sim.api_key == CANARY_KEY and sim.api_secret == CANARY_SECRET
    assert os.environ["GMO_API_KEY"] == CANARY_KEY
    assert os.environ["GMO_API_SECRET"] == CANARY_SECRET
    assert "canary-env" in os.environ["GMO_TUI_DATA_DIR"]
    assert CANARY_KEY != CANARY_SECRET and len(CANARY_KEY) >= 32


def test_six_characters_of_the_secret_in_the_middle_of_text_are_found() -> None:
    piece = CANARY_SECRET[17 : 17 + PIECE]
    hits = _scanner().scan(f"INFO order placed ref=x{piece}y done", "log line")
    assert [(h.piece, h.of, h.where) for h in hits] == [(piece, "api secret", "log line")]


def test_five_characters_or_other_case_are_not_a_hit() -> None:
    scanner = _scanner()
    assert scanner.scan(CANARY_KEY[3:8], "x") == []
    assert scanner.scan(CANARY_KEY[3:9].swapcase(), "x") == []
    assert scanner.scan("an ordinary line with words like thresholds and BTC_JPY", "x") == []


def test_a_token_piece_in_a_binary_file_is_found(tmp_path: Path) -> None:
    token = "tok_" + "Zq9-Xr2_Lm7Pw4Kd8" * 2
    db = tmp_path / "journal.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (f"url=/ws/private/v1/{token[5:12]}",))
    hits = _scanner(token).scan_file(db)
    assert hits and all(h.of == "ws token" for h in hits)
    assert hits[0].where == str(db)


def test_the_plugin_fails_the_session_on_a_planted_section_and_file(tmp_path: Path) -> None:
    plugin = CanaryPlugin()
    plugin.base = tmp_path / "run"
    (plugin.base / "logs").mkdir(parents=True)
    (plugin.base / "logs" / "app.log").write_text(f"key={CANARY_KEY[:PIECE]}\n")
    (tmp_path / PLANTED).touch()  # (the real session scan skips this test's planted files)
    report = SimpleNamespace(
        nodeid="tests/x.py::test_leaky",
        when="call",
        sections=[("Captured stdout call", f"secret is {CANARY_SECRET[-PIECE:]}")],
        longrepr=None,
        longreprtext="",
    )
    plugin.pytest_runtest_logreport(report)  # type: ignore[arg-type]
    session = SimpleNamespace(exitstatus=0)
    plugin.pytest_sessionfinish(session, 0)  # type: ignore[arg-type]
    assert session.exitstatus == 1
    where = {h.where for h in plugin.hits}
    assert "logs/app.log" in where
    assert "tests/x.py::test_leaky [call] Captured stdout call" in where
    text = "\n".join(plugin.report)
    assert "FAILED" in text
    # the report names pieces, never a whole secret
    assert CANARY_KEY not in text and CANARY_SECRET not in text


def test_the_plugin_passes_a_clean_session(tmp_path: Path) -> None:
    plugin = CanaryPlugin()
    plugin.base = tmp_path
    (tmp_path / "app.log").write_text("key=***\n")
    session = SimpleNamespace(exitstatus=0)
    plugin.pytest_sessionfinish(session, 0)  # type: ignore[arg-type]
    assert session.exitstatus == 0 and plugin.hits == []
    assert "0 hits" in plugin.report[0]


def test_short_secrets_are_refused() -> None:
    with pytest.raises(ValueError):
        Scanner().add("abc", "api key")


async def test_the_app_logging_path_masks_the_canary(sim, tmp_path: Path) -> None:
    """End to end through the app's own logging: credentials from the environment (the
    canary), a WS token from the exchange, and a log file that must show none of them."""
    import logging

    from gmo_tui import config, redact
    from gmo_tui.exchange.auth import Credentials
    from gmo_tui.exchange.rest import GmoRestClient

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    creds = config.load_credentials(use_keyring=False)
    assert creds is not None and creds.api_key == CANARY_KEY  # from GMO_API_KEY/SECRET
    client = GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret))
    try:
        token = await client.create_ws_token()
        path = config.setup_logging(directory=tmp_path / "log")
        # the app's redacting file handler, on a logger that does not propagate: pytest's own
        # log capture (unredacted, scanned by the canary) must not see the planted secrets
        app_handler = next(h for h in root.handlers if getattr(h, "_gmo_tui", False))
        root.removeHandler(app_handler)
        log = logging.getLogger("gmo_tui.test_canary.planted")
        log.propagate = False
        log.setLevel(logging.INFO)
        log.addHandler(app_handler)
        log.info("credentials %r / %s / client %r", creds, creds, client)
        log.warning("private socket %s/ws/private/v1/%s", sim.ws_endpoint, token)
        try:
            raise RuntimeError(f"boom with API-KEY: {CANARY_KEY} and token={token}")
        except RuntimeError:
            log.exception("a crash report")
        await client.delete_ws_token(token)
        app_handler.flush()
        log.removeHandler(app_handler)
        app_handler.close()
        text = path.read_text()
        assert "a crash report" in text and "private socket" in text and redact.MASK in text
        scanner = _scanner(token)
        assert scanner.scan(text, str(path)) == []
    finally:
        await client.aclose()
        for handler in [h for h in root.handlers if h not in saved[0]]:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(saved[1])
        for value in (CANARY_KEY, CANARY_SECRET):
            redact.forget_secret(value)

"""The app itself, in a real pseudo-terminal against the built-in exchange, sends a fired
alert's OSC 9 and OSC 777 notifications and the bell through its driver (``[alerts] osc =
"both"``), between frames: never inside a synchronized update, so Textual's screen is not
disturbed. With ``osc = "off"`` no notification reaches the terminal."""

from __future__ import annotations

import asyncio
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import GMO_TUI, AppPty
from gmo_tui.alerts import Alert, AlertKind, AlertStore

OSC9 = b"\x1b]9;BTC_JPY above 1: BTC_JPY last "
OSC777 = b"\x1b]777;notify;BTC_JPY above 1;BTC_JPY last "
SYNC_START, SYNC_END = b"\x1b[?2026h", b"\x1b[?2026l"


def _home(tmp_path: Path, osc: str) -> dict[str, str]:
    """A private config dir with ``[alerts]``, and a data dir holding one alert that the
    first trade fires (primed: a price under its level was seen)."""
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    (config / "config.toml").write_text(
        f'[alerts]\nosc = "{osc}"\ntmux = false\nbell = true\n', encoding="utf-8"
    )
    os.chmod(config / "config.toml", 0o600)
    data = tmp_path / "data"
    alert = Alert(AlertKind.PRICE_ABOVE, Decimal(1), "BTC_JPY", primed=True, created_at=1.0)
    AlertStore(data / "alerts.json").save([alert])
    return {
        "GMO_TUI_CONFIG_DIR": str(config),
        "GMO_TUI_DATA_DIR": str(data),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }


def _run(sim: Any, env: dict[str, str], wait_for: bytes, timeout: float) -> tuple[bytes, int]:
    argv = [GMO_TUI, "--endpoint", sim.endpoint, "--symbol", "BTC_JPY"]
    with AppPty(argv, cols=100, rows=30, env=env) as app:
        found = app.wait_for_bytes(wait_for, timeout=timeout)  # not on the screen: in the bytes
        assert found is not None or wait_for == b"never", bytes(app.buffer[-2000:])
        app.send(b"q")
        app.proc.wait(15)
        return bytes(app.buffer), app.proc.returncode


async def test_the_app_writes_the_osc_notification_and_the_bell_between_frames(
    sim: Any, tmp_path: Path
) -> None:
    await sim.control("rates", {"trades_per_s": 5})
    env = _home(tmp_path, "both")
    out, code = await asyncio.to_thread(_run, sim, env, OSC777, 40)
    assert code == 0
    at = out.index(OSC9)
    end = out.index(b"\x07", out.index(OSC777)) + 1
    assert out[end : end + 1] == b"\x07", "the bell after the notifications"
    assert out.index(OSC777) > at
    before = out[:at]
    assert before.count(SYNC_START) == before.count(SYNC_END), "not inside a frame"
    assert out.count(b"\x1b]9;") == 1, "fired once"
    saved = AlertStore(Path(env["GMO_TUI_DATA_DIR"]) / "alerts.json").load()
    assert saved[0].fired_at is not None


async def test_without_osc_only_the_bell_is_sent(sim: Any, tmp_path: Path) -> None:
    await sim.control("rates", {"trades_per_s": 5})
    env = _home(tmp_path, "off")
    data = Path(env["GMO_TUI_DATA_DIR"]) / "alerts.json"

    def fired() -> bool:
        return AlertStore(data).load()[0].fired_at is not None

    def run() -> tuple[bytes, int]:
        argv = [GMO_TUI, "--endpoint", sim.endpoint, "--symbol", "BTC_JPY"]
        with AppPty(argv, cols=100, rows=30, env=env) as app:
            app.wait_for(b"BTC_JPY", timeout=30)
            for _ in range(300):
                if fired():
                    break
                app.quiet_until(0.1, 0.2)
            app.quiet_until(0.5, 3)
            app.send(b"q")
            app.proc.wait(15)
            return bytes(app.buffer), app.proc.returncode

    out, code = await asyncio.to_thread(run)
    assert code == 0 and fired()
    assert b"\x1b]9;" not in out and b"\x1b]777;" not in out

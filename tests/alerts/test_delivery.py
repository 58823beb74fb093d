"""Delivery of a fired alert: the bell, OSC 9 / OSC 777 notifications (tmux-wrapped when asked,
never with a control byte from the text), and the command hook: the alert as JSON on stdin,
no secret in its environment, killed at its time limit with its whole process group."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from gmo_tui.alerts import (
    AlertKind,
    AlertSettings,
    Delivery,
    Fired,
    Osc,
    TerminalNotifier,
    hook_environment,
    notification_bytes,
    run_hook,
)
from tests.canary import CANARY_KEY, CANARY_SECRET

FIRED = Fired(
    "a1b2c3",
    AlertKind.PRICE_ABOVE,
    "BTC above 15000000",
    "BTC last 15003000 crossed above 15000000",
    1_764_600_000.0,
    "BTC",
    {"price": str(Decimal("15003000")), "level": "15000000"},
)


def test_osc9_and_osc777_bytes() -> None:
    assert notification_bytes("T", "B", Osc.OSC9) == b"\x1b]9;T: B\x07"
    assert notification_bytes("T", "B", Osc.OSC777) == b"\x1b]777;notify;T;B\x07"
    assert notification_bytes("T", "B", Osc.BOTH) == b"\x1b]9;T: B\x07\x1b]777;notify;T;B\x07"
    assert notification_bytes("T", "B", Osc.OFF) == b""


def test_tmux_passthrough_doubles_every_escape() -> None:
    assert notification_bytes("T", "B", Osc.OSC777, tmux=True) == (
        b"\x1bPtmux;\x1b\x1b]777;notify;T;B\x07\x1b\\"
    )


def test_text_cannot_end_or_inject_a_sequence() -> None:
    data = notification_bytes("a;b\x1b]0;evil\x07", "x\x1b\\y\x9cz\nw", Osc.OSC777)
    assert data == b"\x1b]777;notify;a,b]0,evil;x\\yz w\x07"
    assert data.count(b"\x1b") == 1 and data.count(b"\x07") == 1


def test_notifier_writes_the_notification_and_the_bell_when_enabled() -> None:
    out: list[bytes] = []
    TerminalNotifier(out.append, bell=True, osc=Osc.OSC9, tmux=False).notify(FIRED)
    assert out == [b"\x1b]9;BTC above 15000000: BTC last 15003000 crossed above 15000000\x07\x07"]
    out.clear()
    TerminalNotifier(out.append, bell=False, osc=Osc.OFF, tmux=False).notify(FIRED)
    assert out == []  # nothing enabled, nothing written
    TerminalNotifier(out.append, bell=True, osc=Osc.OFF, tmux=False).notify(FIRED)
    assert out == [b"\x07"]


def test_notifier_wraps_for_tmux_when_TMUX_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    out: list[bytes] = []
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,123,0")
    TerminalNotifier(out.append, bell=False, osc=Osc.OSC777).notify(FIRED)
    assert out[0].startswith(b"\x1bPtmux;\x1b\x1b]777;notify;BTC above 15000000;")
    monkeypatch.delenv("TMUX")
    out.clear()
    TerminalNotifier(out.append, bell=False, osc=Osc.OSC777).notify(FIRED)
    assert out[0].startswith(b"\x1b]777;notify;")


def test_fired_json_is_what_the_hook_gets() -> None:
    data = json.loads(FIRED.to_json())
    assert data == {
        "id": "a1b2c3",
        "kind": "price_above",
        "symbol": "BTC",
        "title": "BTC above 15000000",
        "body": "BTC last 15003000 crossed above 15000000",
        "at": "2025-12-01T14:40:00+00:00",
        "details": {"price": "15003000", "level": "15000000"},
    }


def test_hook_environment_drops_secrets() -> None:
    env = hook_environment(
        {
            "PATH": "/usr/bin",
            "HOME": "/home/u",
            "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
            "GMO_API_KEY": "k",
            "GMO_API_SECRET": "s",
            "AWS_SESSION_TOKEN": "t",
            "github_token": "t",
            "DB_PASSWORD": "p",
            "SOMETHING": f"prefix-{CANARY_SECRET}",
        },
        secrets=[CANARY_KEY, CANARY_SECRET],
    )
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/u",
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
    }


async def test_the_hook_gets_the_alert_as_json_on_stdin_and_no_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GMO_API_KEY", CANARY_KEY)
    monkeypatch.setenv("GMO_API_SECRET", CANARY_SECRET)
    monkeypatch.setenv("GMO_TUI_TEST_MARKER", "visible")
    out = tmp_path / "got.json"
    script = (
        "import json, os, sys; data = json.load(sys.stdin); "
        f"open({str(out)!r}, 'w').write(json.dumps({{'alert': data, 'env': dict(os.environ)}}))"
    )
    result = await run_hook([sys.executable, "-c", script], FIRED, timeout=20)
    assert result.returncode == 0 and not result.timed_out, result.error
    got = json.loads(out.read_text())
    assert got["alert"] == json.loads(FIRED.to_json())
    assert got["env"]["GMO_TUI_TEST_MARKER"] == "visible"
    assert "GMO_API_KEY" not in got["env"] and "GMO_API_SECRET" not in got["env"]
    assert CANARY_SECRET not in out.read_text() and CANARY_KEY not in out.read_text()


async def test_a_hanging_hook_is_killed_at_its_limit_with_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    # the hook starts a child and both hang: the whole process group must go
    script = (
        "import subprocess, sys, time, os; "
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{c.pid}}'); "
        "sys.stdout.flush(); time.sleep(120)"
    )
    start = time.monotonic()
    result = await run_hook([sys.executable, "-c", script], FIRED, timeout=1.5)
    elapsed = time.monotonic() - start
    assert result.timed_out and result.returncode is None
    assert elapsed < 60  # killed at its limit, not left to finish its two minutes
    hook_pid, child_pid = (int(p) for p in pids.read_text().split())
    for pid in (hook_pid, child_pid):
        for _ in range(100):  # the child is reaped by init: give it a moment
            if not _alive(pid):
                break
            await asyncio.sleep(0.05)
        assert not _alive(pid), pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


async def test_a_hook_that_cannot_start_is_reported_not_raised() -> None:
    result = await run_hook(["/nonexistent/hook-binary"], FIRED, timeout=5)
    assert result.returncode is None and not result.timed_out and result.error


async def test_delivery_rings_notifies_and_runs_the_hook_as_configured(tmp_path: Path) -> None:
    out = tmp_path / "hook.json"
    script = f"import sys; open({str(out)!r}, 'w').write(sys.stdin.read())"
    settings = AlertSettings.from_table(
        {"bell": True, "osc": "osc9", "tmux": False, "command": [sys.executable, "-c", script]}
    )
    written: list[bytes] = []
    result = await Delivery(settings, written.append, secrets=[CANARY_KEY]).deliver(FIRED)
    assert written == [b"\x1b]9;" + f"{FIRED.title}: {FIRED.body}".encode() + b"\x07\x07"]
    assert result is not None and result.returncode == 0
    assert json.loads(out.read_text())["id"] == FIRED.alert_id
    quiet = AlertSettings.from_table({"bell": False})
    written.clear()
    assert await Delivery(quiet, written.append).deliver(FIRED) is None
    assert written == []

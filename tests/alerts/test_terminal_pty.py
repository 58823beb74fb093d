"""The notification reaches a real terminal device: a process whose stdout is a pseudo-terminal
sends a fired alert through :class:`TerminalNotifier`, and the terminal side reads the OSC
sequences and the bell (wrapped for tmux when ``TMUX`` is set), or nothing when disabled."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import sys

CHILD = """
import sys
from gmo_tui.alerts import AlertKind, Fired, Osc, TerminalNotifier

def write(data: bytes) -> None:
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()

fired = Fired("id1", AlertKind.FILL, "Filled BUY 0.01 BTC_JPY", "at 15000000", 0.0, "BTC_JPY")
TerminalNotifier(write, bell=sys.argv[1] == "bell", osc=Osc(sys.argv[2])).notify(fired)
"""


def _terminal_output(*args: str, tmux: bool) -> bytes:
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "TMUX"}
    if tmux:
        env["TMUX"] = "/tmp/tmux-1000/default,4242,0"
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, *args], stdout=slave, stderr=subprocess.PIPE, env=env
    )
    os.close(slave)
    chunks = []
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(master)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    return b"".join(chunks)


async def test_the_osc_sequences_appear_in_the_terminal_output_when_enabled() -> None:
    out = await asyncio.to_thread(_terminal_output, "bell", "both", tmux=False)
    assert out == (
        b"\x1b]9;Filled BUY 0.01 BTC_JPY: at 15000000\x07"
        b"\x1b]777;notify;Filled BUY 0.01 BTC_JPY;at 15000000\x07"
        b"\x07"
    )


async def test_inside_tmux_they_are_wrapped_for_passthrough() -> None:
    out = await asyncio.to_thread(_terminal_output, "quiet", "osc777", tmux=True)
    assert out == b"\x1bPtmux;\x1b\x1b]777;notify;Filled BUY 0.01 BTC_JPY;at 15000000\x07\x1b\\"


async def test_nothing_reaches_the_terminal_when_disabled() -> None:
    out = await asyncio.to_thread(_terminal_output, "quiet", "off", tmux=False)
    assert out == b""

"""Alerts through the terminal: the bell, and desktop notifications as escape sequences that
travel over SSH to the terminal (OSC 9: iTerm2, WezTerm, Windows Terminal, kitty, foot …;
OSC 777 ``notify;title;body``: rxvt-unicode, VTE terminals, WezTerm …). Inside tmux
(``TMUX`` set) they are wrapped in tmux's passthrough (``ESC Ptmux; … ESC \\``, every ESC
doubled), which tmux forwards when ``allow-passthrough`` is on.

The text is reduced to printable characters (no ESC, BEL or other control bytes that could end
the sequence early or inject another), ``;`` is replaced in OSC 777 fields, and it is cut short."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Mapping
from enum import StrEnum

from gmo_tui.alerts.model import Fired

__all__ = ["BELL", "Osc", "TerminalNotifier", "notification_bytes", "tmux_wrap"]

BELL = b"\x07"
ESC = "\x1b"
MAX_TEXT = 200


class Osc(StrEnum):
    """Which desktop-notification sequences to send (``[alerts] osc = …``)."""

    OFF = "off"
    OSC9 = "osc9"
    OSC777 = "osc777"
    BOTH = "both"


def clean(text: str, *, semicolons: bool = True) -> str:
    """Printable text only (control and format characters dropped), one line, bounded."""
    out = []
    for ch in text.replace("\n", " ").replace("\t", " "):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        out.append(ch if semicolons or ch != ";" else ",")
    return "".join(out)[:MAX_TEXT]


def tmux_wrap(sequence: str) -> str:
    """``sequence`` inside tmux's DCS passthrough."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def notification_bytes(title: str, body: str, osc: Osc, *, tmux: bool = False) -> bytes:
    """The escape sequences of one desktop notification (empty when ``osc`` is OFF)."""
    sequences = []
    match osc:
        case Osc.OFF:
            pass
        case Osc.OSC9:
            sequences.append(_osc9(title, body))
        case Osc.OSC777:
            sequences.append(_osc777(title, body))
        case Osc.BOTH:
            sequences.extend((_osc9(title, body), _osc777(title, body)))
    if tmux:
        sequences = [tmux_wrap(s) for s in sequences]
    return "".join(sequences).encode("utf-8")


def _osc9(title: str, body: str) -> str:
    text = clean(f"{title}: {body}" if body else title)
    return f"{ESC}]9;{text}\x07"


def _osc777(title: str, body: str) -> str:
    return f"{ESC}]777;notify;{clean(title, semicolons=False)};{clean(body)}\x07"


def in_tmux(environ: Mapping[str, str] | None = None) -> bool:
    return bool((os.environ if environ is None else environ).get("TMUX"))


class TerminalNotifier:
    """Writes the bell and/or the notification of a fired alert with ``write`` (the app gives
    its driver's output; tests give a buffer)."""

    def __init__(
        self,
        write: Callable[[bytes], None],
        *,
        bell: bool = True,
        osc: Osc = Osc.OFF,
        tmux: bool | None = None,
    ) -> None:
        self.write = write
        self.bell = bell
        self.osc = osc
        self.tmux = in_tmux() if tmux is None else tmux

    def notify(self, fired: Fired) -> bytes:
        """Send (and return) the bytes for ``fired``."""
        data = notification_bytes(fired.title, fired.body, self.osc, tmux=self.tmux)
        if self.bell:
            data += BELL
        if data:
            self.write(data)
        return data

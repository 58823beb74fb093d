"""Tape deck flows: the record toggle and the replay keys (pause / play, step, speed), each
said on screen; and what the status bar shows of them (``REC`` and the file; the replay's
state, speed and position in place of the feed latency, whose recorded timestamps are old); and
``REPLAY`` with the speed as the header's mode word, so a recording is never taken for the market."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx

from gmo_tui.i18n import N_, _
from gmo_tui.session.listener import Severity
from gmo_tui.session.session import Session
from gmo_tui.widgets.market_header import MarketHeader
from gmo_tui.widgets.status_bar import StatusBar

REPLAY_STATES = (N_("playing"), N_("paused"), N_("ended"))
"""The replay's states as ``/_sim/replay`` names them (translated on screen)."""


class DeckHost(Protocol):
    """What the deck flows need from the screen."""

    def run_flow(self, work: Callable[[], Awaitable[None]], what: str) -> None: ...
    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None: ...


def replay_speed(status: dict[str, Any]) -> str:
    """``x2``, ``max``; ``""`` when the status does not say (or says something unreadable)."""
    speed = status.get("speed")
    if speed == "max":
        return "max"
    try:
        return f"x{float(speed):g}" if speed is not None else ""
    except (TypeError, ValueError):
        return ""


def replay_text(status: dict[str, Any]) -> str:
    """``REPLAY playing x2 12:34:56`` (the recorded time of the frame being played)."""
    shown = replay_speed({"speed": "1", **status})
    position = str(status.get("position") or "")
    clock = position[11:19] if len(position) >= 19 else position
    return (
        _("REPLAY {state} {speed} {position}")
        .format(state=_(str(status.get("state", ""))), speed=shown, position=clock)
        .rstrip()
    )


class DeckFlows:
    def __init__(self, session: Session, host: DeckHost) -> None:
        self.session = session
        self.host = host
        session.public.failure.on_error = self._write_failed

    # ------------------------------------------------------------------ record
    def record(self) -> None:
        """Start recording the watched symbols' public frames, or stop and say where."""
        deck = self.session.deck
        if deck.recorder.recording:
            path = deck.stop_recording()
            self.host.say(_("Recording stopped: {path}").format(path=path), Severity.INFO, 12)
            return
        symbols = [self.session.symbol]
        try:
            path = deck.start_recording(self.session.rules.values(), symbols)
        except OSError as exc:
            self.host.say(_("Cannot record: {error}").format(error=exc), Severity.ERROR, 12)
            return
        self.host.say(
            _("Recording the public feed of {symbols} to {path}").format(
                symbols=", ".join(symbols), path=path
            )
        )

    def _write_failed(self, exc: OSError) -> None:
        path = self.session.deck.stop_recording()
        self.host.say(
            _("Recording stopped: {error}; {path} reads up to its last frame").format(
                error=exc, path=path
            ),
            Severity.ERROR,
            20,
        )

    # ------------------------------------------------------------------ replay
    def _replay(self, call: Callable[[], Awaitable[dict[str, Any]]], what: str) -> None:
        if self.session.deck.replay is None:
            self.host.say(_("Not a replay: the exchange is not replaying a recording"))
            return

        async def work() -> None:
            try:
                status = await call()
            except ValueError as exc:
                self.host.say(_("Replay refused: {error}").format(error=exc), Severity.ERROR)
                return
            except httpx.HTTPError as exc:
                self.host.say(_("Replay controls: {error}").format(error=exc), Severity.ERROR)
                return
            self.host.say(replay_text(status), Severity.INFO, 3)

        self.host.run_flow(work, what)

    def toggle(self) -> None:
        self._replay(self.session.deck.toggle, "replay pause/play")

    def step(self) -> None:
        self._replay(self.session.deck.step, "replay step")

    def speed(self, speed: str | None = None) -> None:
        deck = self.session.deck
        chosen = speed or deck.next_speed()
        self._replay(lambda: deck.set_speed(chosen), "replay speed")

    # ------------------------------------------------------------------ status bar
    def show(self, bar: StatusBar, header: MarketHeader) -> None:
        deck = self.session.deck
        path = deck.recording
        bar.record_text = "" if path is None else _("REC {file}").format(file=path.name)
        replay = deck.replay
        bar.replay_text = "" if replay is None else replay_text(replay)
        header.replay = None if replay is None else replay_speed(replay)

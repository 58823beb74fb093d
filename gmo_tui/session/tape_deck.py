"""The session's tape deck (no Textual): the record toggle and the replay remote, wired.

* Recording: :meth:`TapeDeck.start_recording` writes the public frames of the watched symbols
  (the session's :class:`~gmo_tui.record.stream.RecordingPublicStream`) into a private
  ``recordings`` directory in the data directory;
  :meth:`TapeDeck.stop_recording` closes the file and says where it is.
* Replay: :meth:`TapeDeck.watch_replay` asks the exchange once whether it is replaying (at
  start and after every reconnect of the public socket, :meth:`TapeDeck.reconnected`); while
  it is, it keeps :attr:`TapeDeck.replay` (the ``/_sim/replay`` status) fresh every second.
  :meth:`TapeDeck.toggle` plays or pauses, :meth:`TapeDeck.step` steps, :meth:`TapeDeck.set_speed`
  sets the speed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx

from gmo_tui.alerts.store import data_dir
from gmo_tui.exchange import models
from gmo_tui.exchange.tls import context_for
from gmo_tui.record.controls import RecordToggle, ReplayRemote
from gmo_tui.record.stream import RecordingPublicStream

log = logging.getLogger(__name__)

REPLAY_POLL_S = 1.0
SPEEDS = ("1", "2", "10", "max")
RECORDINGS_DIR = "recordings"


def recordings_dir() -> Path:
    """``recordings/`` in the data directory (the demo's too: its own directory is temporary)."""
    return data_dir() / RECORDINGS_DIR


class TapeDeck:
    def __init__(
        self,
        stream: RecordingPublicStream,
        endpoint: str,
        directory: Path,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.stream = stream
        self.directory = directory
        self.recorder = RecordToggle()
        self._client = httpx.AsyncClient(
            base_url=endpoint, timeout=5.0, transport=transport, verify=context_for(endpoint)
        )
        self.remote = ReplayRemote(self._client)
        self.replay: dict[str, Any] | None = None
        """The replay's last status (state, speed, position …); None: not a replay."""
        self._reconnected = asyncio.Event()

    # ------------------------------------------------------------------ recording
    @property
    def recording(self) -> Path | None:
        """The file being written, None when not recording (or the writer failed)."""
        return self.recorder.path if self.recorder.recording and self.stream.writer else None

    def start_recording(self, rules: Iterable[models.SymbolRule], symbols: Sequence[str]) -> Path:
        """Record from now on; the file. OSError when it cannot be created."""
        return self.recorder.start(self.stream, rules, symbols, self.directory)

    def stop_recording(self) -> Path | None:
        """Close the file; where it is (None when nothing was recording)."""
        return self.recorder.stop()

    # ------------------------------------------------------------------ replay
    def reconnected(self) -> None:
        """The public socket is live again: ask whether the exchange replays."""
        self._reconnected.set()

    async def check_replay(self) -> dict[str, Any] | None:
        try:
            self.replay = await self.remote.status()
        except (httpx.HTTPError, ValueError) as exc:
            log.info("replay status: %s", exc)
            self.replay = None
        return self.replay

    async def watch_replay(self) -> None:
        """Once at start and after every reconnect; every second while replaying."""
        while True:
            self._reconnected.clear()
            replaying = await self.check_replay() is not None
            try:
                await asyncio.wait_for(
                    self._reconnected.wait(), REPLAY_POLL_S if replaying else None
                )
            except TimeoutError:
                pass

    async def toggle(self) -> dict[str, Any]:
        """Pause a playing replay, play a paused one; the new status. ValueError (the
        exchange's words) or httpx.HTTPError when refused (the same for the others)."""
        playing = (self.replay or {}).get("state") == "playing"
        self.replay = await (self.remote.pause() if playing else self.remote.play())
        return self.replay

    async def step(self) -> dict[str, Any]:
        self.replay = await self.remote.step(1)
        return self.replay

    async def set_speed(self, speed: str) -> dict[str, Any]:
        self.replay = await self.remote.speed(speed)
        return self.replay

    def next_speed(self) -> str:
        current = str((self.replay or {}).get("speed", "1"))
        current = current.removesuffix(".0")
        index = SPEEDS.index(current) if current in SPEEDS else -1
        return SPEEDS[(index + 1) % len(SPEEDS)]

    async def aclose(self) -> None:
        self.stop_recording()
        await self._client.aclose()

"""What the app wires to its keys: the record toggle and the replay controls (no Textual).

* :class:`RecordToggle`: ``start(stream, rules, symbols, directory)`` attaches a new
  :class:`~gmo_tui.record.writer.RecordingWriter` (``gmo-tui-YYYYMMDD-HHMMSS.gmorec`` in
  ``directory``) to the app's :class:`~gmo_tui.record.stream.RecordingPublicStream`; ``stop()``
  detaches and closes it; ``path`` says where it is writing.
* :class:`ReplayRemote`: the ``/_sim/replay`` endpoint of a replaying exchange: ``status()``
  (None when the exchange is not replaying: no such route), ``play()``, ``pause()``,
  ``step(count)``, ``speed("1" | "2" | "10" | "max")``; each returns the new status.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import to_wire
from gmo_tui.record.format import Header
from gmo_tui.record.stream import RecordingPublicStream
from gmo_tui.record.writer import RecordingWriter


class RecordToggle:
    def __init__(self) -> None:
        self._stream: RecordingPublicStream | None = None
        self._writer: RecordingWriter | None = None

    @property
    def recording(self) -> bool:
        return self._writer is not None and not self._writer.closed

    @property
    def path(self) -> Path | None:
        return self._writer.path if self._writer is not None else None

    def start(
        self,
        stream: RecordingPublicStream,
        rules: Iterable[models.SymbolRule],
        symbols: Sequence[str],
        directory: str | os.PathLike[str],
    ) -> Path:
        """Record ``stream``'s frames from now on; returns the file. OSError when it cannot."""
        self.stop()
        name = datetime.now(UTC).strftime("gmo-tui-%Y%m%d-%H%M%S.gmorec")
        header = Header(
            start="",
            endpoint=stream.endpoint,
            symbols=tuple(symbols),
            symbol_rules=tuple(to_wire(r) for r in rules if r.symbol in symbols),
        )
        self._writer = RecordingWriter(Path(directory) / name, header)
        self._stream = stream
        stream.writer = self._writer
        return self._writer.path

    def stop(self) -> Path | None:
        """Stop recording; returns the file that was written (None when not recording)."""
        writer, stream = self._writer, self._stream
        self._writer = self._stream = None
        if stream is not None and stream.writer is writer:
            stream.writer = None
        if writer is None:
            return None
        writer.close()
        return writer.path


class ReplayRemote:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client  # base_url: the exchange's endpoint

    async def status(self) -> dict[str, Any] | None:
        reply = await self.client.get("/_sim/replay")
        if reply.status_code == 404:
            return None
        reply.raise_for_status()
        return dict(reply.json())

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = await self.client.post("/_sim/replay", json=body)
        if reply.status_code == 400:
            raise ValueError(reply.json().get("error", "refused"))
        reply.raise_for_status()
        return dict(reply.json())

    async def play(self) -> dict[str, Any]:
        return await self._post({"action": "play"})

    async def pause(self) -> dict[str, Any]:
        return await self._post({"action": "pause"})

    async def step(self, count: int = 1) -> dict[str, Any]:
        return await self._post({"action": "step", "count": count})

    async def speed(self, speed: str) -> dict[str, Any]:
        return await self._post({"speed": speed})

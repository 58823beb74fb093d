"""Writing recordings: :class:`RecordingWriter`.

Each record is compressed into the file's zlib stream and flushed with ``Z_SYNC_FLUSH`` straight
to the file descriptor (no user-space buffer), so a crash loses nothing already handed to the
kernel and the file stays readable up to its last complete record; ``fsync`` runs at most every
``fsync_interval`` seconds and on close. Files are created private to the user (0600, parent
directories 0700) and never overwritten: an existing path is an error. With ``rotate_bytes`` or
``rotate_seconds`` the writer closes the file when it is that big or that old and continues in
``NAME.1``, ``NAME.2``, ... (each with its own header, ``part`` counting up).
"""

from __future__ import annotations

import os
import time
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from gmo_tui.record.format import MAGIC, Header, Kind, encode_record


def part_path(base: Path, part: int) -> Path:
    """The file of rotation ``part`` (0: ``base`` itself)."""
    return base if part == 0 else base.with_name(f"{base.name}.{part}")


def _iso(ns: int) -> str:
    value = datetime.fromtimestamp(ns / 1e9, UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _open_private(path: Path) -> int:
    # a directory the user named is theirs: only missing ones are made (0700); never chmod-ed
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
    except FileExistsError:
        raise FileExistsError(f"{path} exists; a recording is never overwritten") from None
    os.fchmod(fd, 0o600)
    return fd


class RecordingWriter:
    """Append records to a recording (and its rotations). Not thread-safe: one writer, one loop."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        header: Header,
        *,
        rotate_bytes: int | None = None,
        rotate_seconds: float | None = None,
        fsync_interval: float = 1.0,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.base = Path(path)
        self.header = header
        self.rotate_bytes = rotate_bytes
        self.rotate_seconds = rotate_seconds
        self.fsync_interval = fsync_interval
        self._clock_ns = clock_ns
        self.parts: list[Path] = []
        self.records = 0
        self._fd = -1
        self._zip: zlib._Compress | None = None
        self._bytes = 0
        self._opened_ns = 0
        self._synced = 0.0
        self._open(0)

    @property
    def path(self) -> Path:
        """The file being written now."""
        return self.parts[-1]

    @property
    def closed(self) -> bool:
        return self._fd < 0

    def _open(self, part: int) -> None:
        path = part_path(self.base, part)
        self._fd = _open_private(path)
        self.parts.append(path)
        self._zip = zlib.compressobj(6)
        self._bytes = 0
        self._opened_ns = self._clock_ns()
        self._write_raw(MAGIC)
        header = replace(self.header, start=_iso(self._opened_ns), part=part)
        self._append(Kind.HEADER, self._opened_ns, header.to_json())
        self._sync(force=True)

    def _write_raw(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            done = os.write(self._fd, view)
            view = view[done:]
        self._bytes += len(data)

    def _append(self, kind: Kind, time_ns: int, payload: bytes) -> None:
        assert self._zip is not None
        data = self._zip.compress(encode_record(kind, time_ns, payload))
        self._write_raw(data + self._zip.flush(zlib.Z_SYNC_FLUSH))

    def _sync(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._synced >= self.fsync_interval:
            os.fsync(self._fd)
            self._synced = now

    def write(self, kind: Kind, payload: bytes, time_ns: int | None = None) -> None:
        """Append one record (``time_ns``: its receive time, default now)."""
        if self.closed:
            raise ValueError("the recording is closed")
        stamp = self._clock_ns() if time_ns is None else time_ns
        if self._due_rotation(stamp):
            part = len(self.parts)
            self._finish()
            self._open(part)
        self._append(kind, stamp, payload)
        self.records += 1
        self._sync()

    def _due_rotation(self, now_ns: int) -> bool:
        if self.rotate_bytes is not None and self._bytes >= self.rotate_bytes:
            return True
        return (
            self.rotate_seconds is not None
            and (now_ns - self._opened_ns) / 1e9 >= self.rotate_seconds
        )

    def _finish(self) -> None:
        assert self._zip is not None
        self._write_raw(self._zip.flush(zlib.Z_FINISH))
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = -1
        self._zip = None

    def close(self) -> None:
        if not self.closed:
            self._finish()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Reading recordings: :func:`open_recording` and :func:`read_parts`.

The reader decompresses incrementally and yields each complete record; a file that ends
mid-record (cut by a crash) or in damaged bytes simply ends there, and :attr:`Recording.complete`
says whether the file was closed properly. :func:`read_parts` follows a rotated set
(``NAME``, ``NAME.1``, ...).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from gmo_tui.record.format import (
    MAGIC,
    MAX_PAYLOAD,
    RECORD_HEAD,
    FormatError,
    Header,
    Kind,
    Record,
)
from gmo_tui.record.writer import part_path

CHUNK = 1 << 16


@dataclass
class Recording:
    """One recording file: its header and an iterator over its records (after the header)."""

    path: Path
    header: Header
    _records: Iterator[Record]
    complete: bool = False  # set when iteration reached a properly finished stream
    damaged: bool = False  # set when iteration stopped at bytes that do not decompress
    stats: dict[str, int] = field(default_factory=lambda: {"records": 0})

    def __iter__(self) -> Iterator[Record]:
        for record in self._records:
            self.stats["records"] += 1
            yield record


def _records(path: Path, recording: list[Recording]) -> Iterator[Record]:
    with open(path, "rb") as f:
        if f.read(len(MAGIC)) != MAGIC:
            raise FormatError(f"{path} is not a gmo-tui recording (bad magic)")
        unzip = zlib.decompressobj()
        buffer = bytearray()
        head = RECORD_HEAD.size
        while True:
            chunk = f.read(CHUNK)
            if chunk:
                try:
                    buffer += unzip.decompress(chunk)
                except zlib.error:
                    if recording:
                        recording[0].damaged = True
                    chunk = b""
            while len(buffer) >= head:
                kind, length, time_ns = RECORD_HEAD.unpack_from(buffer)
                if length > MAX_PAYLOAD or kind not in Kind._value2member_map_:
                    if recording:
                        recording[0].damaged = True
                    return
                if len(buffer) < head + length:
                    break
                payload = bytes(buffer[head : head + length])
                del buffer[: head + length]
                yield Record(Kind(kind), time_ns, payload)
            if not chunk:
                if recording and unzip.eof:
                    recording[0].complete = True
                return


def open_recording(path: str | os.PathLike[str]) -> Recording:
    """Open one file; raises :class:`FormatError` when it has no readable header."""
    target = Path(path)
    holder: list[Recording] = []
    records = _records(target, holder)
    first = next(records, None)
    if first is None or first.kind is not Kind.HEADER:
        raise FormatError(f"{target} has no header (empty or not a recording)")
    try:
        header = Header.from_json(first.payload)
    except (ValueError, KeyError, TypeError) as exc:
        raise FormatError(f"{target}: unreadable header ({exc})") from None
    recording = Recording(target, header, records)
    holder.append(recording)
    return recording


def parts_of(path: str | os.PathLike[str]) -> list[Path]:
    """``path`` and its rotations that exist, in order."""
    base = Path(path)
    parts = [base]
    while part_path(base, len(parts)).exists():
        parts.append(part_path(base, len(parts)))
    return parts


def read_parts(path: str | os.PathLike[str]) -> Iterator[tuple[Header, Record]]:
    """Every record of ``path`` and its rotations, with the header of the file it came from."""
    for part in parts_of(path):
        recording = open_recording(part)
        for record in recording:
            yield recording.header, record

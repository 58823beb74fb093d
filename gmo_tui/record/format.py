"""The recording file format (version 1).

A file is the 8-byte magic ``b"GMOREC1\\n"`` followed by one zlib stream (RFC 1950). The writer
flushes the stream with ``Z_SYNC_FLUSH`` after every record, so every byte written ends on a
record boundary: a file cut anywhere (a crash, a full disk) decompresses up to its last complete
record. The decompressed stream is a sequence of records::

    kind: u8 | length: u32 little-endian | time_ns: i64 little-endian | payload: length bytes

``time_ns`` is the receive time (nanoseconds since the Unix epoch, UTC) on the recording host.
Kinds: ``HEADER`` (first record: UTF-8 JSON, :class:`Header`), ``PUBLIC`` (one public WebSocket
frame exactly as received), ``PRIVATE`` (one private frame with the account's ids redacted, only
when asked), ``GAP`` (UTF-8 JSON ``{"reason": ...}``: the connection dropped, frames may be
missing until the next frame).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import msgspec

MAGIC = b"GMOREC1\n"
FORMAT_NAME = "gmo-tui-recording"
VERSION = 1
RECORD_HEAD = struct.Struct("<BIq")
MAX_PAYLOAD = 64 * 2**20  # a record longer than this is corruption, not a frame


class Kind(IntEnum):
    HEADER = 1
    PUBLIC = 2
    PRIVATE = 3
    GAP = 4


@dataclass(frozen=True, slots=True)
class Record:
    kind: Kind
    time_ns: int
    payload: bytes


@dataclass(frozen=True)
class Header:
    """What a recording says about itself (the first record of every file)."""

    start: str  # ISO-8601 UTC, when the file was opened
    endpoint: str
    symbols: tuple[str, ...]
    symbol_rules: tuple[dict[str, Any], ...] = ()  # /public/v1/symbols data, as on the wire
    part: int = 0  # 0 for the first file, n for the n-th rotation
    private: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return msgspec.json.encode(
            {
                "format": FORMAT_NAME,
                "version": VERSION,
                "start": self.start,
                "endpoint": self.endpoint,
                "symbols": list(self.symbols),
                "symbolRules": list(self.symbol_rules),
                "part": self.part,
                "private": self.private,
                **({"extra": self.extra} if self.extra else {}),
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Header:
        raw = msgspec.json.decode(data)
        if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
            raise FormatError("not a gmo-tui recording header")
        if raw.get("version") != VERSION:
            raise FormatError(f"recording format version {raw.get('version')!r} is not supported")
        return cls(
            start=str(raw["start"]),
            endpoint=str(raw["endpoint"]),
            symbols=tuple(str(s) for s in raw.get("symbols", ())),
            symbol_rules=tuple(raw.get("symbolRules", ())),
            part=int(raw.get("part", 0)),
            private=bool(raw.get("private", False)),
            extra=dict(raw.get("extra", {})),
        )


class FormatError(ValueError):
    """The file is not a recording this version can read."""


def encode_record(kind: Kind, time_ns: int, payload: bytes) -> bytes:
    return RECORD_HEAD.pack(kind, len(payload), time_ns) + payload

"""Wire encoding shared by the client and the built-in exchange.

* :func:`format_ts` / :func:`parse_ts`: GMO's UTC ISO-8601 with milliseconds and ``Z``.
* :func:`format_decimal`: numbers as the plain strings GMO sends (never exponent notation).
* :func:`to_wire`: any model of :mod:`gmo_tui.exchange.models` (or nesting of them) to the
  JSON-ready value GMO would send: camelCase keys, numbers as strings, ids as ints.
* :func:`decode`: bytes to a typed model, raising :class:`ProtocolError` that names the field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, TypeVar

import msgspec

from gmo_tui.exchange.errors import ProtocolError

T = TypeVar("T")

_ENCODE_NAMES: dict[type, tuple[tuple[str, str], ...]] = {}
_json_encoder = msgspec.json.Encoder()


def format_ts(value: datetime) -> str:
    """`2019-03-19T02:15:06.001Z`: always UTC, always three decimals."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_ts(text: str) -> datetime:
    """Parse GMO's timestamp (or any ISO-8601 with a zone) into an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp without a time zone: {text!r}")
    return value.astimezone(UTC)


def format_decimal(value: Decimal) -> str:
    """Plain notation, no exponent; trailing zeros of the fraction kept as given."""
    text = format(value, "f")
    if text == "-0":
        return "0"
    return text


def _names(cls: type) -> tuple[tuple[str, str], ...]:
    names = _ENCODE_NAMES.get(cls)
    if names is None:
        names = tuple((f.name, f.encode_name) for f in msgspec.structs.fields(cls))
        _ENCODE_NAMES[cls] = names
    return names


def to_wire(obj: Any) -> Any:
    """Turn models into the JSON-ready structure GMO sends (None-valued optionals omitted)."""
    if isinstance(obj, msgspec.Struct):
        out: dict[str, Any] = {}
        config = obj.__struct_config__
        if config.tag is not None and config.tag_field is not None:
            out[config.tag_field] = config.tag
        for name, wire_name in _names(type(obj)):
            value = getattr(obj, name)
            if value is None:
                continue
            out[wire_name] = to_wire(value)
        return out
    if isinstance(obj, Decimal):
        return format_decimal(obj)
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime):
        return format_ts(obj)
    if isinstance(obj, list | tuple):
        return [to_wire(item) for item in obj]
    if isinstance(obj, dict):
        return {key: to_wire(value) for key, value in obj.items()}
    return obj


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes of :func:`to_wire` of ``obj``."""
    return _json_encoder.encode(to_wire(obj))


def decode(data: bytes | str, type_: type[T], *, what: str = "reply") -> T:
    """Decode ``data`` as ``type_``; a missing or malformed field raises :class:`ProtocolError`."""
    try:
        return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        raise ProtocolError(f"malformed {what}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"{what} is not valid JSON: {exc}") from None


def decode_raw(raw: msgspec.Raw, type_: type[T], *, what: str = "data") -> T:
    """Decode an already-split piece (e.g. an envelope's ``data``)."""
    return decode(bytes(raw), type_, what=what)

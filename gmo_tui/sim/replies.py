"""GMO's REST envelope and request-parameter parsing for the built-in exchange.

* :func:`ok` / :func:`fail`: ``{"status": 0, "data": ..., "responsetime": ...}`` and the error
  envelope ``{"status": 1, "messages": [{"message_code", "message_string"}], "responsetime"}``,
  both HTTP 200 (an error may carry another HTTP status: 404, 405, 413), encoded through
  :func:`gmo_tui.exchange.codec.to_wire`.
* :class:`ApiFail`: raised by routes for a protocol error code (the server turns it, and the
  engine's ``SimError``, into the error envelope).
* :func:`parse_object`: a JSON object body (numbers as ``Decimal``), or ``ApiFail("ERR-5106")``
  for anything else, deep nesting included.
* ``param_*`` helpers: read query/body parameters, raising ``ApiFail("ERR-5106")`` when a
  parameter is missing or malformed (digits are ASCII digits only; dates out of range fail).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal, TypeVar, overload

import msgspec
from starlette.responses import Response

from gmo_tui.exchange.codec import format_ts, parse_ts, to_wire
from gmo_tui.exchange.errors import ERROR_MESSAGES

E = TypeVar("E", bound=StrEnum)

NO_DATA = object()
_encoder = msgspec.json.Encoder()

# Service-state errors use status 5 (the seed's maintenance status); every other error 1.
SERVICE_CODES = frozenset({"ERR-5201", "ERR-5202", "ERR-5203"})


class ApiFail(Exception):
    """A protocol error to answer with the error envelope."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message if message is not None else ERROR_MESSAGES.get(code, "")


def json_response(
    body: dict[str, Any], *, http_status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        _encoder.encode(body),
        status_code=http_status,
        headers=dict(headers) if headers else None,
        media_type="application/json",
    )


def ok(now: datetime, data: Any = NO_DATA) -> Response:
    body: dict[str, Any] = {"status": 0}
    if data is not NO_DATA:
        body["data"] = to_wire(data)
    body["responsetime"] = format_ts(now)
    return json_response(body)


def fail(
    now: datetime,
    code: str,
    message: str | None = None,
    *,
    http_status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    status = 5 if code in SERVICE_CODES else 1
    text = message if message is not None else ERROR_MESSAGES.get(code, "")
    body = {
        "status": status,
        "messages": [{"message_code": code, "message_string": text}],
        "responsetime": format_ts(now),
    }
    return json_response(body, http_status=http_status, headers=headers)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_object(body: bytes | str) -> dict[str, Any]:
    """A JSON object (numbers as ``Decimal``, never float); anything else is ERR-5106.

    Malformed text, invalid UTF-8, a number past Python's digit limit and nesting past the
    recursion limit all raise ``ApiFail("ERR-5106")``, never a server error."""
    try:
        value = json.loads(body, parse_float=Decimal, parse_constant=_no_constant)
    except (ValueError, RecursionError):
        raise ApiFail("ERR-5106") from None
    if not isinstance(value, dict):
        raise ApiFail("ERR-5106")
    return value


# ---------------------------------------------------------------------------- parameters


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


@overload
def param_str(params: Mapping[str, Any], name: str, *, required: Literal[True] = True) -> str: ...
@overload
def param_str(params: Mapping[str, Any], name: str, *, required: bool) -> str | None: ...
def param_str(params: Mapping[str, Any], name: str, *, required: bool = True) -> str | None:
    value = params.get(name)
    if _missing(value):
        if required:
            raise ApiFail("ERR-5106")
        return None
    if not isinstance(value, str):
        raise ApiFail("ERR-5106")
    return value


@overload
def param_decimal(
    params: Mapping[str, Any], name: str, *, required: Literal[True] = True
) -> Decimal: ...
@overload
def param_decimal(params: Mapping[str, Any], name: str, *, required: bool) -> Decimal | None: ...
def param_decimal(params: Mapping[str, Any], name: str, *, required: bool = True) -> Decimal | None:
    value = params.get(name)
    if _missing(value):
        if required:
            raise ApiFail("ERR-5106")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ApiFail("ERR-5106")
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation:
        raise ApiFail("ERR-5106") from None
    # adjusted(): the exponent of the leading digit (abs() could overflow the context on 1e999999)
    if not number.is_finite() or (number and number.adjusted() >= 30):
        raise ApiFail("ERR-5106")
    return number


@overload
def param_int(params: Mapping[str, Any], name: str, *, required: Literal[True] = True) -> int: ...
@overload
def param_int(params: Mapping[str, Any], name: str, *, required: bool) -> int | None: ...
def param_int(params: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    value = params.get(name)
    if _missing(value):
        if required:
            raise ApiFail("ERR-5106")
        return None
    if isinstance(value, bool):
        raise ApiFail("ERR-5106")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    raise ApiFail("ERR-5106")


def param_bool(params: Mapping[str, Any], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ApiFail("ERR-5106")


@overload
def param_enum(
    params: Mapping[str, Any],
    name: str,
    enum: type[E],
    *,
    required: Literal[True] = True,
    code: str = "ERR-5106",
) -> E: ...
@overload
def param_enum(
    params: Mapping[str, Any],
    name: str,
    enum: type[E],
    *,
    required: bool,
    code: str = "ERR-5106",
) -> E | None: ...
def param_enum(
    params: Mapping[str, Any],
    name: str,
    enum: type[E],
    *,
    required: bool = True,
    code: str = "ERR-5106",
) -> E | None:
    value = param_str(params, name, required=required)
    if value is None:
        return None
    try:
        return enum(value)
    except ValueError:
        raise ApiFail(code) from None


def param_ids(
    params: Mapping[str, Any], name: str, *, required: bool = True, limit: int = 10
) -> list[int]:
    """A comma-separated list of ids (query) or a JSON array of numbers (body)."""
    value = params.get(name)
    if _missing(value):
        if required:
            raise ApiFail("ERR-5106")
        return []
    if isinstance(value, list):
        items: list[Any] = value
    elif isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, int) and not isinstance(value, bool):
        items = [value]
    else:
        raise ApiFail("ERR-5106")
    ids = [param_int({"id": item}, "id") for item in items]
    if not ids or len(ids) > limit:
        raise ApiFail("ERR-5106")
    return [i for i in ids if i is not None]


def param_page(params: Mapping[str, Any]) -> tuple[int, int]:
    page = param_int(params, "page", required=False)
    page = 1 if page is None else page
    count = param_int(params, "count", required=False)
    count = 100 if count is None else count
    if page < 1 or not 1 <= count <= 100:
        raise ApiFail("ERR-5106")
    return page, count


@overload
def param_ts(
    params: Mapping[str, Any], name: str, *, required: Literal[True] = True
) -> datetime: ...
@overload
def param_ts(params: Mapping[str, Any], name: str, *, required: bool) -> datetime | None: ...
def param_ts(params: Mapping[str, Any], name: str, *, required: bool = True) -> datetime | None:
    value = param_str(params, name, required=required)
    if value is None:
        return None
    try:
        return parse_ts(value)
    except (ValueError, OverflowError):  # OverflowError: year 1 or 9999 moved into UTC
        raise ApiFail("ERR-5106") from None

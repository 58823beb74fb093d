"""Fuzzed REST reply bodies: only the documented exceptions come out of GmoRestClient.

Every reply (valid seed examples from the docs, mutated: fields dropped or mistyped,
NaN/Infinity/1e400/huge numbers, truncated JSON, random and non-UTF-8 bytes, HTML pages, empty
bodies, wrong envelope types, non-zero status without messages, odd HTTP statuses) reaches the
client through an httpx.MockTransport. GETs raise ProtocolError, ApiError or TransportError;
a place_order POST whose reply cannot be read is ReplyLost (outcome unknown), never "failed".
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.errors import ApiError, ProtocolError, ReplyLost, TransportError
from gmo_tui.exchange.rest import GmoRestClient
from tests.fuzz.mutations import SEEDS, dumps, mutated_json, raw_bodies

STATUS_REPLY = dumps(SEEDS["rest:Service Status"])
KEY, SECRET = "fuzzKeyA1b2C3d4E5f6G7h8", "fuzzSecretZ9y8X7w6V5u4T3s2R1q0P9o8"

OPERATIONS: dict[str, tuple[str, Any]] = {
    "ticker": ("rest:Ticker", lambda c: c.get_ticker("BTC_JPY")),
    "orderbook": ("rest:Order Books", lambda c: c.get_orderbook("BTC_JPY")),
    "symbols": ("rest:Trade rules", lambda c: c.get_symbols()),
    "margin": ("rest:Margin", lambda c: c.get_margin()),
    "assets": ("rest:Assets", lambda c: c.get_assets()),
    "active_orders": ("rest:Active Orders", lambda c: c.get_active_orders("BTC_JPY")),
    "positions": ("rest:Open Positions", lambda c: c.get_open_positions("BTC_JPY")),
}
PLACE_ORDER = (
    "rest:Order",
    lambda c: c.place_order("BTC_JPY", "BUY", "LIMIT", Decimal("0.01"), price=Decimal("5000000")),
)


def _envelope_mutations(seed: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        mutated_json(seed),
        st.builds(
            lambda status: {"status": status, "responsetime": seed["responsetime"]},
            st.sampled_from([1, 5, -1, 999]),
        ),
        st.sampled_from(
            [
                [seed],
                "OK",
                7,
                None,
                {"status": "0", "data": seed.get("data")},
                {"status": 0, "data": [seed.get("data")]},
                {"status": 0, "data": {"unexpected": True}},
                {"status": 0},
                {"status": 1, "messages": "not a list"},
                {"status": 1, "messages": [{"message_code": 5}]},
            ]
        ),
    )


def replies(seed_name: str) -> st.SearchStrategy[tuple[int, bytes]]:
    body = raw_bodies(_envelope_mutations(SEEDS[seed_name]))
    status = st.sampled_from([200, 200, 200, 200, 400, 404, 429, 500, 502, 503])
    return st.tuples(status, body)


def _client(http_status: int, body: bytes) -> tuple[GmoRestClient, list[str]]:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        if request.url.path.endswith("/v1/status"):
            return httpx.Response(200, content=STATUS_REPLY)
        return httpx.Response(http_status, content=body)

    client = GmoRestClient(
        "http://sim.test", Credentials(KEY, SECRET), transport=httpx.MockTransport(handler)
    )
    client.transport.get_retry_delays = (0.0,)
    return client, paths


async def _call(op: Any, http_status: int, body: bytes) -> tuple[Any, BaseException | None]:
    client, _ = _client(http_status, body)
    try:
        return await op(client), None
    except Exception as exc:  # noqa: BLE001 - classified by the test
        return None, exc
    finally:
        await client.aclose()


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


@FUZZ
@given(name=st.sampled_from(sorted(OPERATIONS)), data=st.data())
def test_gets_raise_only_documented_errors(name: str, data: st.DataObject) -> None:
    seed_name, op = OPERATIONS[name]
    http_status, body = data.draw(replies(seed_name))
    result, exc = asyncio.run(_call(op, http_status, body))
    if exc is None:
        assert result is not None
        return
    assert isinstance(exc, ProtocolError | ApiError | TransportError), repr(exc)
    assert not isinstance(exc, KeyError | TypeError | ValueError | UnicodeDecodeError)
    message = str(exc)
    assert message and len(message) < 2_000
    assert SECRET not in message and KEY not in message
    if isinstance(exc, ProtocolError) and http_status == 200 and body[:1] == b"{":
        # a decode failure names where it happened (the envelope, data, or a `$.field`)
        assert "GET" in message or "envelope" in message or "`" in message, message


@FUZZ
@given(data=st.data())
def test_place_order_unreadable_reply_is_outcome_unknown(data: st.DataObject) -> None:
    seed_name, op = PLACE_ORDER
    http_status, body = data.draw(replies(seed_name))
    result, exc = asyncio.run(_call(op, http_status, body))
    if exc is None:
        assert isinstance(result, int) and result > 0
        return
    assert isinstance(exc, ProtocolError | ApiError | TransportError), repr(exc)
    assert SECRET not in str(exc) and KEY not in str(exc)
    if isinstance(exc, ApiError):
        return  # the exchange said no (non-zero status): the order was refused
    if 400 <= http_status < 500 and not isinstance(exc, ReplyLost):
        # a 4xx that is not an envelope was refused before any processing
        assert isinstance(exc, ProtocolError)
        return
    # 2xx/5xx without a readable answer: the order may exist; never reported as failed
    assert isinstance(exc, ReplyLost), repr(exc)
    assert "unknown" in str(exc) or "unreadable" in str(exc)


def test_the_valid_seed_replies_decode() -> None:
    """Control: unmutated replies are read (so the fuzz above exercises the real decoder)."""
    for seed_name, op in [*OPERATIONS.values(), PLACE_ORDER]:
        result, exc = asyncio.run(_call(op, 200, dumps(SEEDS[seed_name])))
        assert exc is None, (seed_name, exc)
        assert result is not None

"""Fuzzing the built-in exchange's whole HTTP and WebSocket surface: never a 500, still serving.

One exchange (frozen market, controls on, loopback) takes requests built by hypothesis: every
documented path, the ``/_sim/`` controls and made-up paths; GET/POST/PUT/DELETE and odd methods;
query strings and JSON bodies whose values come from the documented ones, the bad scalars of
:mod:`tests.fuzz.mutations`, random text and nested documents; raw, non-UTF-8, UTF-16/32 and
deeply nested bodies; bodies around and over the size limit; headers with odd bytes; private
requests signed correctly or not at all. Invariants: no reply is a 5xx; every reply from a GMO
path (and every 404/405/413) is GMO's error envelope or a success; every control reply is
``{"ok": ...}``. WebSocket sessions send fuzzed commands, text, binary and oversized messages on
public and private sockets: the socket answers with JSON or an error frame and keeps serving
(an oversized message closes it with 1009, never 1011). Afterwards the exchange answers a normal
session correctly. The number of requests tried is printed (``-s``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect as ws_connect

from gmo_tui.exchange.auth import sign
from gmo_tui.sim.request_body import MAX_BODY_BYTES
from gmo_tui.sim.runner import SimThread
from tests.canary import CANARY_KEY, CANARY_SECRET
from tests.fuzz.mutations import BAD_SCALARS
from tests.sim.test_server_support import _WS_LOG


def connect(url: str) -> Any:
    # websockets logs the request line (a private socket's token) at DEBUG: through a masking logger
    return ws_connect(url, open_timeout=5, logger=_WS_LOG)


HTTP_EXAMPLES = 1500
WS_EXAMPLES = 100
FUZZ = dict(deadline=None, suppress_health_check=list(HealthCheck))

PUBLIC: dict[str, tuple[str, ...]] = {
    "/public/v1/status": (),
    "/public/v1/ticker": ("symbol",),
    "/public/v1/orderbooks": ("symbol",),
    "/public/v1/trades": ("symbol", "page", "count"),
    "/public/v1/klines": ("symbol", "interval", "date"),
    "/public/v1/symbols": (),
}
HISTORY = ("symbol", "fromTimestamp", "toTimestamp")
PRIVATE_GET: dict[str, tuple[str, ...]] = {
    "/private/v1/account/margin": (),
    "/private/v1/account/assets": (),
    "/private/v1/account/tradingVolume": (),
    "/private/v1/account/fiatDeposit/history": HISTORY,
    "/private/v1/account/fiatWithdrawal/history": HISTORY,
    "/private/v1/account/deposit/history": HISTORY,
    "/private/v1/account/withdrawal/history": HISTORY,
    "/private/v1/orders": ("orderId",),
    "/private/v1/activeOrders": ("symbol", "page", "count"),
    "/private/v1/executions": ("orderId", "executionId"),
    "/private/v1/latestExecutions": ("symbol", "page", "count"),
    "/private/v1/openPositions": ("symbol", "page", "count"),
    "/private/v1/positionSummary": ("symbol",),
}
ORDER = ("symbol", "side", "executionType", "timeInForce", "price", "losscutPrice", "size")
PRIVATE_POST: dict[str, tuple[str, ...]] = {
    "/private/v1/account/transfer": ("amount", "transferType"),
    "/private/v1/order": (*ORDER, "cancelBefore"),
    "/private/v1/changeOrder": ("orderId", "price", "losscutPrice"),
    "/private/v1/cancelOrder": ("orderId",),
    "/private/v1/cancelOrders": ("orderIds",),
    "/private/v1/cancelBulkOrder": ("symbols", "side", "settleType", "desc"),
    "/private/v1/closeOrder": (*ORDER, "settlePosition", "cancelBefore"),
    "/private/v1/closeBulkOrder": ORDER,
    "/private/v1/changeLosscutPrice": ("positionId", "losscutPrice"),
    "/private/v1/ws-auth": ("token",),
}
CONTROLS: dict[str, tuple[str, ...]] = {
    "status": ("status", "emergency"),
    "clock": ("advance",),
    "skew": ("seconds",),
    "delay": ("ms",),
    "drop_sockets": (),
    "silence": ("all", "channels"),
    "lose_next_order": (),
    "fill_on_cancel": ("orderId",),
    "chaos": ("malformed", "out_of_order"),
    "rates": ("books_per_s", "trades_per_s", "tickers_per_s", "idle_factor"),
    "tier": ("tier", "apiKey"),
    "limits": ("rest_per_s", "ws_commands_per_s"),
    "fill": ("orderId", "size", "apiKey"),
    "account": ("apiKey", "apiSecret", "jpy"),
    "reset_faults": (),
    "state": (),
}
PATHS: dict[str, tuple[str, ...]] = {
    **PUBLIC,
    **PRIVATE_GET,
    **PRIVATE_POST,
    **{f"/_sim/{name}": fields for name, fields in CONTROLS.items()},
    "/ws/public/v1": ("command", "channel", "symbol"),
    "/ws/private/v1/abc": (),
    "/": (),
}
GOOD: dict[str, list[Any]] = {
    "symbol": ["BTC", "BTC_JPY", "ETH", "XRP_JPY"],
    "side": ["BUY", "SELL"],
    "executionType": ["LIMIT", "MARKET", "STOP"],
    "timeInForce": ["FAS", "FAK", "FOK", "SOK"],
    "price": ["10000000", "1", "12345678.5"],
    "losscutPrice": ["5000000"],
    "size": ["0.001", "0.0001", "1"],
    "amount": ["100", "1000000"],
    "transferType": ["DEPOSIT", "WITHDRAWAL"],
    "orderId": [2_000_000_001, "2000000001", "1,2,3"],
    "orderIds": [[2_000_000_001, 2_000_000_002]],
    "executionId": [700_000_001, "700000001"],
    "positionId": [100_000_001],
    "symbols": [["BTC", "ETH"], ["BTC_JPY"]],
    "settleType": ["OPEN", "CLOSE", "LOSS_CUT"],
    "settlePosition": [[{"positionId": 100_000_001, "size": "0.01"}]],
    "desc": [True, "true"],
    "cancelBefore": [False],
    "interval": ["1min", "1hour", "4hour", "1day", "1week", "1month"],
    "date": ["20260104", "2025", "2026", "9999", "99991231", "0000"],
    "page": [1, "2"],
    "count": [1, "100", "101"],
    "fromTimestamp": ["2026-01-04T23:40:00.000Z", "9999-12-31T23:59:59.999Z"],
    "toTimestamp": ["2026-01-05T00:00:00.000Z", "0001-01-01T00:00:00+09:00"],
    "token": ["abc"],
    "status": ["OPEN", "PREOPEN", "MAINTENANCE"],
    "emergency": [True, False],
    "advance": [0, 1, 60, 1e308],
    "seconds": [0, -30, 1e12],
    "ms": [0, 1, 1e300],
    "all": [True, False],
    "channels": [["ticker"], ["orderEvents", "trades"]],
    "malformed": [0, 0.5],
    "out_of_order": [0, 0.5],
    "books_per_s": [0, 1, 5000],
    "trades_per_s": [0, 1],
    "tickers_per_s": [0, 1],
    "idle_factor": [0, 1],
    "tier": [1, 2],
    "apiKey": ["fuzz-key", "k" * 200],
    "apiSecret": ["fuzz-secret"],
    "jpy": ["0", "1000", "-1e29"],
    "rest_per_s": [None, 1, 10_000],
    "ws_commands_per_s": [0.5, 100],
    "command": ["subscribe", "unsubscribe"],
    "channel": ["ticker", "orderbooks", "trades", "executionEvents"],
}
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE", "FOO"]
CONTENT_TYPES = [
    None,
    "application/json",
    "application/json; charset=utf-16",
    "text/plain",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
]

json_leaves = st.one_of(
    st.sampled_from(BAD_SCALARS),
    st.text(max_size=30),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def value_for(name: str) -> st.SearchStrategy[Any]:
    good = GOOD.get(name)
    return json_values if good is None else st.one_of(st.sampled_from(good), json_values)


@st.composite
def documents(draw: st.DrawFn, fields: tuple[str, ...]) -> dict[str, Any]:
    """An object of the path's fields (some dropped, good or bad values), maybe with extras."""
    chosen = draw(st.lists(st.sampled_from(fields), unique=True)) if fields else []
    doc = {name: draw(value_for(name)) for name in chosen}
    if draw(st.integers(0, 4)) == 0:
        doc.update(draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3)))
    return doc


def _nested(depth: int, kind: str) -> bytes:
    if kind == "[":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def _query_text(doc: dict[str, Any]) -> str:
    return json.dumps(doc) if not isinstance(doc, str) else doc


@st.composite
def bodies(draw: st.DrawFn, fields: tuple[str, ...]) -> bytes:
    kind = draw(st.integers(0, 9))
    if kind <= 4:
        text = json.dumps(draw(documents(fields)), allow_nan=True)
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16", "utf-32", "utf-8-sig"]))
        return text.encode(encoding)
    if kind == 5:
        return draw(st.binary(max_size=300))
    if kind == 6:
        depth = draw(st.sampled_from([10, 999, 1001, 5000, 10_000]))
        return _nested(depth, draw(st.sampled_from(["[", "{"])))
    if kind == 7:
        size = draw(st.sampled_from([MAX_BODY_BYTES - 1, MAX_BODY_BYTES, MAX_BODY_BYTES + 1]))
        return b"{" + b" " * (size - 2) + b"}"
    if kind == 8:
        return b""
    return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")


header_bytes = st.binary(max_size=40).map(
    lambda b: bytes(c for c in b if c == 9 or 32 <= c <= 126 or c >= 128).strip()
)


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    raw_query: str | None
    headers: list[tuple[bytes, bytes]]
    body: bytes
    signed: bool


@st.composite
def requests(draw: st.DrawFn) -> Request:
    known = draw(st.sampled_from(sorted(PATHS)))
    fields = PATHS[known]
    path = draw(
        st.one_of(
            st.just(known),
            st.just(known),
            st.just(known),
            st.sampled_from(["/", "//", "/x", "/%ff", "/..", "/%00", "/ü"]).map(
                lambda t: known + t
            ),
            st.text(max_size=30).map(lambda t: "/" + t),
        )
    )
    query: list[tuple[str, str]] = []
    for name, value in draw(documents(fields)).items():
        query.append((name, value if isinstance(value, str) else _query_text(value)))
    raw_query = draw(
        st.one_of(st.none(), st.none(), st.sampled_from(["%ff%fe", "a=%", "&&=&", "x" * 3000]))
    )
    headers: list[tuple[bytes, bytes]] = []
    content_type = draw(st.sampled_from(CONTENT_TYPES))
    if content_type is not None:
        headers.append((b"Content-Type", content_type.encode()))
    for name in draw(
        st.lists(st.sampled_from(["API-KEY", "API-TIMESTAMP", "API-SIGN", "X-Odd"]), max_size=3)
    ):
        headers.append((name.encode(), draw(header_bytes)))
    return Request(
        method=draw(st.sampled_from(METHODS)),
        path=path,
        query=[] if raw_query else query,
        raw_query=raw_query,
        headers=headers,
        body=draw(bodies(fields)),
        signed=path.startswith("/private/") and draw(st.booleans()),
    )


@pytest.fixture(scope="module")
def exchange() -> Iterator[SimThread]:
    sim = SimThread(
        host="127.0.0.1",
        port=0,
        seed=42,
        control=True,
        frozen=True,
        api_key=CANARY_KEY,
        api_secret=CANARY_SECRET,
    )
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def _restore(client: httpx.Client) -> None:
    """Undo what a fuzzed control may have switched on, so the next example starts afresh."""
    for name, body in (
        ("reset_faults", {}),
        ("status", {"status": "OPEN"}),
        ("limits", {"rest_per_s": 10_000, "ws_commands_per_s": 10_000}),
        ("tier", {"tier": 1}),
    ):
        assert client.post(f"/_sim/{name}", json=body).json()["ok"] is True


def _signed_headers(
    sim: SimThread, method: str, path: str, body: bytes
) -> list[tuple[bytes, bytes]]:
    assert sim.sim is not None
    stamp = str(sim.sim.state.clock.now_ms())
    signature = sign(CANARY_SECRET, stamp, method, path.removeprefix("/private"), body)
    return [
        (b"API-KEY", CANARY_KEY.encode()),
        (b"API-TIMESTAMP", stamp.encode()),
        (b"API-SIGN", signature.encode()),
    ]


def _check(request: Request, reply: httpx.Response) -> None:
    where = f"{request.method} {request.path[:60]!r}"
    assert reply.status_code < 500, f"{where}: HTTP {reply.status_code}"
    if request.method == "HEAD" or reply.status_code == 307:  # no body / a trailing-slash redirect
        return
    if reply.status_code == 400 and reply.content == b"Invalid HTTP request received.":
        return  # uvicorn's HTTP parser, before any of the exchange's code runs
    control = reply.url.path.startswith("/_sim/") and reply.status_code not in (404, 405, 413)
    body = json.loads(reply.content)
    if control:
        assert isinstance(body["ok"], bool), where
    else:
        assert isinstance(body["status"], int), where
        if body["status"] != 0:
            assert body["messages"][0]["message_code"].startswith("ERR-"), where


def _still_serving(sim: SimThread) -> None:
    """A normal session: public data, a signed order, its cancel, a WebSocket subscription."""
    with httpx.Client(base_url=sim.endpoint, timeout=10) as client:
        _restore(client)
        assert client.get("/public/v1/status").json()["data"]["status"] == "OPEN"
        ticker = client.get("/public/v1/ticker", params={"symbol": "BTC"}).json()
        assert ticker["status"] == 0 and ticker["data"][0]["symbol"] == "BTC"
        bid = Decimal(ticker["data"][0]["bid"])
        price = str(int(bid * Decimal("0.99")))  # resting, within the price band
        order = json.dumps(
            {
                "symbol": "BTC",
                "side": "BUY",
                "executionType": "LIMIT",
                "price": price,
                "size": "0.001",
            }
        ).encode()
        headers = _signed_headers(sim, "POST", "/private/v1/order", order)
        placed = client.post("/private/v1/order", content=order, headers=headers).json()
        assert placed["status"] == 0, placed.get("messages")
        cancel = json.dumps({"orderId": int(placed["data"])}).encode()
        headers = _signed_headers(sim, "POST", "/private/v1/cancelOrder", cancel)
        assert (
            client.post("/private/v1/cancelOrder", content=cancel, headers=headers).json()["status"]
            == 0
        )
    with connect(sim.endpoint.replace("http", "ws") + "/ws/public/v1") as ws:
        ws.send(json.dumps({"command": "subscribe", "channel": "ticker", "symbol": "ETH"}))
        frame = json.loads(ws.recv(timeout=5))
        assert frame["channel"] == "ticker" and frame["symbol"] == "ETH"


def test_http_surface_never_answers_500(exchange: SimThread) -> None:
    tried = 0
    with httpx.Client(base_url=exchange.endpoint, timeout=10) as client:
        _restore(client)

        @settings(max_examples=HTTP_EXAMPLES, **FUZZ)
        @given(request=requests())
        def one(request: Request) -> None:
            nonlocal tried
            headers = list(request.headers)
            if request.signed:
                headers += _signed_headers(exchange, request.method, request.path, request.body)
            try:
                url = httpx.URL(request.path)
                if request.raw_query is not None:
                    url = url.copy_with(query=request.raw_query.encode())
            except httpx.InvalidURL:
                assume(False)  # httpx will not send it; nothing to learn
            tried += 1
            try:
                reply = client.request(
                    request.method,
                    url,
                    params=request.query or None,
                    content=request.body,
                    headers=headers,
                )
            except httpx.TransportError:
                # only a body over the limit may be cut off while it is still being sent
                assert len(request.body) > MAX_BODY_BYTES, f"{request.method} {request.path[:60]!r}"
            else:
                _check(request, reply)
            if request.path.startswith("/_sim/"):
                _restore(client)

        one()
    print(f"\nsim surface fuzz: {tried} HTTP requests")
    assert tried >= HTTP_EXAMPLES
    _still_serving(exchange)


ws_commands = st.one_of(
    documents(("command", "channel", "symbol", "option")).map(
        lambda d: json.dumps(d, allow_nan=True)
    ),
    st.text(max_size=100),
    st.binary(max_size=100),
    st.sampled_from(
        [_nested(5000, "[").decode(), _nested(10_000, "{").decode(), "null", "[]", "{}"]
    ),
)


# invalid on either socket: public (no such symbol) and private (not a private channel)
PROBE = json.dumps({"command": "subscribe", "channel": "trades", "symbol": "nope"})


def _drain(ws: Any) -> None:
    """Read what the fuzzed messages caused (each a JSON object) until the socket is quiet."""
    while True:
        try:
            frame = json.loads(ws.recv(timeout=0.2))
        except TimeoutError:
            return
        assert isinstance(frame, dict), frame


def _close_code(ws: Any) -> int | None:
    for _ in range(50):
        try:
            ws.recv(timeout=5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else None
    return None


@st.composite
def ws_sessions(draw: st.DrawFn) -> tuple[str, list[str | bytes], bool]:
    socket = draw(st.sampled_from(["public", "private", "bad-token"]))
    messages = draw(st.lists(ws_commands, min_size=1, max_size=5))
    oversized = draw(st.integers(0, 9)) == 0
    return socket, messages, oversized


def test_websocket_surface_keeps_serving(exchange: SimThread) -> None:
    tried = 0
    base = exchange.endpoint.replace("http", "ws")
    with httpx.Client(base_url=exchange.endpoint, timeout=10) as client:
        _restore(client)

        @settings(max_examples=WS_EXAMPLES, **FUZZ)
        @given(session=ws_sessions())
        def one(session: tuple[str, list[str | bytes], bool]) -> None:
            nonlocal tried
            socket, messages, oversized = session
            if socket == "bad-token":
                tried += 1
                with pytest.raises(websockets.InvalidStatus) as refused:
                    connect(base + "/ws/private/v1/" + "x" * 43)
                assert refused.value.response.status_code == 401
                return
            url = base + "/ws/public/v1"
            if socket == "private":
                headers = _signed_headers(exchange, "POST", "/private/v1/ws-auth", b"{}")
                token = client.post("/private/v1/ws-auth", content=b"{}", headers=headers).json()
                url = base + "/ws/private/v1/" + token["data"]
            with connect(url) as ws:
                for message in messages:
                    tried += 1
                    ws.send(message)
                if oversized:
                    tried += 1
                    ws.send("[" + " " * MAX_BODY_BYTES + "]")
                    assert _close_code(ws) == 1009
                    return
                _drain(ws)
                # still serving on this socket: the next command gets its answer
                tried += 1
                ws.send(PROBE)
                assert json.loads(ws.recv(timeout=5))["error"].startswith("ERR-5106")

        one()
    print(f"\nsim surface fuzz: {tried} WebSocket messages and handshakes")
    _still_serving(exchange)

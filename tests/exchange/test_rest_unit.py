"""REST client against a scripted httpx.MockTransport: validation, wire form, decoding, errors,
retries, lost replies, timestamp resync and secret hygiene, each observable request by request."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from gmo_tui.exchange import errors
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.codec import format_ts
from gmo_tui.exchange.endpoints import Endpoints
from gmo_tui.exchange.enums import KlineInterval, OrderStatus
from gmo_tui.exchange.rest import GmoRestClient, iter_history_windows
from gmo_tui.exchange.transport import ReplyUnreadable

KEY = "key-AAAA-1111"
SECRET = "secret-BBBB-2222"

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def now_text(shift: float = 0.0) -> str:
    return format_ts(datetime.now(UTC) + timedelta(seconds=shift))


def ok(data: Any = None, *, shift: float = 0.0) -> httpx.Response:
    body: dict[str, Any] = {"status": 0, "responsetime": now_text(shift)}
    if data is not None:
        body["data"] = data
    return httpx.Response(200, json=body)


def fail(*codes: str, status: int = 1, http: int = 200, shift: float = 0.0) -> httpx.Response:
    messages = [{"message_code": c, "message_string": errors.message_for(c)} for c in codes]
    body = {"status": status, "messages": messages, "responsetime": now_text(shift)}
    return httpx.Response(http, json=body)


class Script:
    """Answers ``"METHOD /path"`` from a queue of replies; ``/public/v1/status`` answers OPEN."""

    def __init__(self, routes: dict[str, list[Reply]] | None = None, *, shift: float = 0.0):
        self.routes = routes or {}
        self.requests: list[httpx.Request] = []
        self.shift = shift

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = f"{request.method} {request.url.path}"
        queue = self.routes.get(key)
        if not queue:
            if request.url.path == "/public/v1/status":
                return ok({"status": "OPEN"}, shift=self.shift)
            return httpx.Response(404, text="Not Found")
        reply = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply) and not isinstance(reply, httpx.Response):
            return reply(request)
        return reply

    def count(self, key: str) -> int:
        return sum(1 for r in self.requests if f"{r.method} {r.url.path}" == key)

    def sent(self, key: str) -> list[httpx.Request]:
        return [r for r in self.requests if f"{r.method} {r.url.path}" == key]


def client_for(script: Script, *, credentials: bool = True) -> GmoRestClient:
    client = GmoRestClient(
        "http://sim.test",
        Credentials(KEY, SECRET) if credentials else None,
        transport=httpx.MockTransport(script),
    )
    client.transport.get_retry_delays = (0.001, 0.002)
    return client


T0 = datetime(2026, 1, 1, tzinfo=UTC)
B = Decimal

# ---------------------------------------------------------------------------- validation

INVALID: dict[str, Callable[[GmoRestClient], Any]] = {
    "orders-empty": lambda c: c.get_orders([]),
    "orders-eleven": lambda c: c.get_orders(list(range(1, 12))),
    "orders-zero-id": lambda c: c.get_orders([0]),
    "executions-neither": lambda c: c.get_executions(),
    "executions-both": lambda c: c.get_executions(order_id=1, execution_ids=[2]),
    "executions-empty": lambda c: c.get_executions(execution_ids=[]),
    "executions-eleven": lambda c: c.get_executions(execution_ids=list(range(1, 12))),
    "history-reversed": lambda c: c.get_fiat_deposit_history(T0, T0 - timedelta(minutes=1)),
    "history-equal": lambda c: c.get_fiat_withdrawal_history(T0, T0),
    "history-31min": lambda c: c.get_deposit_history("BTC", T0, T0 + timedelta(minutes=31)),
    "history-naive": lambda c: c.get_withdrawal_history("BTC", datetime(2026, 1, 1)),
    "limit-without-price": lambda c: c.place_order("BTC", "BUY", "LIMIT", B("1")),
    "stop-without-price": lambda c: c.place_order("BTC", "BUY", "STOP", B("1")),
    "market-with-price": lambda c: c.place_order("BTC", "BUY", "MARKET", B("1"), price=B("5")),
    "size-zero": lambda c: c.place_order("BTC", "BUY", "MARKET", B("0")),
    "size-negative": lambda c: c.place_order("BTC", "BUY", "MARKET", B("-1")),
    "size-float": lambda c: c.place_order("BTC", "BUY", "MARKET", 0.1),
    "size-nan": lambda c: c.place_order("BTC", "BUY", "MARKET", B("NaN")),
    "price-float": lambda c: c.place_order("BTC", "BUY", "LIMIT", B("1"), price=5.0),
    "bad-side": lambda c: c.place_order("BTC", "HOLD", "MARKET", B("1")),
    "bad-execution-type": lambda c: c.place_order("BTC", "BUY", "ICEBERG", B("1")),
    "sok-for-market": lambda c: c.place_order("BTC", "BUY", "MARKET", B("1"), time_in_force="SOK"),
    "cancel-before-limit": lambda c: c.place_order(
        "BTC", "SELL", "LIMIT", B("1"), price=B("1"), cancel_before=True
    ),
    "cancel-before-buy": lambda c: c.place_order(
        "BTC", "BUY", "MARKET", B("1"), cancel_before=True
    ),
    "losscut-for-market": lambda c: c.place_order(
        "BTC_JPY", "BUY", "MARKET", B("1"), losscut_price=B("1")
    ),
    "missing-symbol": lambda c: c.place_order("", "BUY", "MARKET", B("1")),
    "count-zero": lambda c: c.get_active_orders("BTC", count=0),
    "count-101": lambda c: c.get_latest_executions("BTC", count=101),
    "page-zero": lambda c: c.get_open_positions("BTC_JPY", page=0),
    "trades-count-101": lambda c: c.get_trades("BTC", count=101),
    "klines-daily-needs-yyyymmdd": lambda c: c.get_klines("BTC", "1min", "2021"),
    "klines-yearly-needs-yyyy": lambda c: c.get_klines("BTC", "1day", "20210417"),
    "klines-not-a-date": lambda c: c.get_klines("BTC", "1hour", "20211340"),
    "klines-bad-interval": lambda c: c.get_klines("BTC", "2min", "20210417"),
    "change-price-zero": lambda c: c.change_order(1, B("0")),
    "cancel-negative-id": lambda c: c.cancel_order(-1),
    "cancel-orders-empty": lambda c: c.cancel_orders([]),
    "cancel-bulk-empty": lambda c: c.cancel_bulk_order([]),
    "cancel-bulk-losscut": lambda c: c.cancel_bulk_order(["BTC"], settle_type="LOSS_CUT"),
    "close-position-zero": lambda c: c.close_order("BTC_JPY", "SELL", "MARKET", 0, B("1")),
    "close-size-zero": lambda c: c.close_order("BTC_JPY", "SELL", "MARKET", 1, B("0")),
    "close-bulk-size-zero": lambda c: c.close_bulk_order("BTC_JPY", "SELL", "MARKET", B("0")),
    "transfer-zero": lambda c: c.transfer(B("0"), "DEPOSIT"),
    "transfer-bad-type": lambda c: c.transfer(B("1"), "SIDEWAYS"),
    "losscut-zero": lambda c: c.change_losscut_price(1, B("0")),
    "extend-empty-token": lambda c: c.extend_ws_token(""),
    "delete-empty-token": lambda c: c.delete_ws_token(""),
}


@pytest.mark.parametrize("case", sorted(INVALID))
async def test_invalid_parameters_raise_before_sending(case: str) -> None:
    script = Script()
    async with client_for(script) as client:
        with pytest.raises(errors.ValidationError):
            await INVALID[case](client)
    assert script.requests == []


async def test_private_call_without_credentials_sends_nothing() -> None:
    script = Script()
    async with client_for(script, credentials=False) as client:
        assert not client.has_credentials
        with pytest.raises(errors.AuthenticationError):
            await client.get_margin()
    assert script.requests == []


# ---------------------------------------------------------------------------- wire form


async def test_numbers_are_strings_ids_are_numbers_on_the_wire() -> None:
    script = Script(
        {
            "POST /private/v1/closeOrder": [ok("77")],
            "POST /private/v1/cancelOrders": [ok({"success": [1, 2], "failed": []})],
            "POST /private/v1/cancelBulkOrder": [ok([5])],
            "POST /private/v1/changeOrder": [ok()],
        }
    )
    async with client_for(script) as client:
        assert (
            await client.close_order(
                "BTC_JPY", "SELL", "LIMIT", 9, B("1E+1"), price=B("5000000.0"), time_in_force="FAS"
            )
            == 77
        )
        result = await client.cancel_orders([1, 2])
        assert result.success == (1, 2)
        assert await client.cancel_bulk_order(["BTC"], side="BUY", desc=True) == [5]
        await client.change_order(3, B("100"), losscut_price=B("50"))
    bodies = [json.loads(r.content) for r in script.requests if r.method == "POST"]
    assert bodies[0] == {
        "symbol": "BTC_JPY",
        "side": "SELL",
        "executionType": "LIMIT",
        "timeInForce": "FAS",
        "price": "5000000.0",
        "settlePosition": [{"positionId": 9, "size": "10"}],
    }
    assert bodies[1] == {"orderIds": [1, 2]}
    assert bodies[2] == {"symbols": ["BTC"], "side": "BUY", "desc": True}
    assert bodies[3] == {"orderId": 3, "price": "100", "losscutPrice": "50"}


async def test_history_timestamps_use_gmo_format() -> None:
    script = Script({"GET /private/v1/account/deposit/history": [ok([])]})
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(microseconds=123456)
    async with client_for(script) as client:
        assert await client.get_deposit_history("BTC", start, start + timedelta(minutes=30)) == []
    [req] = script.sent("GET /private/v1/account/deposit/history")
    assert req.url.params["fromTimestamp"] == "2026-03-01T09:00:00.123Z"
    assert req.url.params["toTimestamp"] == "2026-03-01T09:30:00.123Z"
    assert req.url.params["symbol"] == "BTC"


async def test_klines_accept_enum_and_date() -> None:
    script = Script({"GET /public/v1/klines": [ok([])]})
    async with client_for(script) as client:
        await client.get_klines("BTC", KlineInterval.DAY1, datetime(2024, 5, 6).date())
        await client.get_klines("BTC", "5min", datetime(2024, 5, 6).date())
    params = [dict(r.url.params) for r in script.sent("GET /public/v1/klines")]
    assert params == [
        {"symbol": "BTC", "interval": "1day", "date": "2024"},
        {"symbol": "BTC", "interval": "5min", "date": "20240506"},
    ]


# ---------------------------------------------------------------------------- decoding


ORDER = {
    "rootOrderId": 1,
    "orderId": 1,
    "symbol": "BTC",
    "side": "BUY",
    "orderType": "NORMAL",
    "executionType": "LIMIT",
    "settleType": "OPEN",
    "size": "1",
    "executedSize": "0",
    "price": "840000",
    "losscutPrice": "0",
    "status": "ORDERED",
    "timeInForce": "FAS",
    "timestamp": "2019-03-19T01:07:24.217Z",
}


async def test_unknown_fields_are_tolerated() -> None:
    extra = {**ORDER, "brandNewField": {"x": 1}}
    script = Script({"GET /private/v1/orders": [ok({"list": [extra], "also": 1})]})
    async with client_for(script) as client:
        [order] = await client.get_orders([1])
    assert order.status is OrderStatus.ORDERED and order.price == Decimal("840000")


async def test_missing_field_names_the_field() -> None:
    broken = {k: v for k, v in ORDER.items() if k != "executedSize"}
    script = Script({"GET /private/v1/orders": [ok({"list": [broken]})]})
    async with client_for(script) as client:
        with pytest.raises(errors.ProtocolError, match="executedSize"):
            await client.get_orders([1])


async def test_malformed_number_names_the_field() -> None:
    script = Script({"GET /public/v1/ticker": [ok([{"symbol": "BTC", "ask": "abc"}])]})
    async with client_for(script) as client:
        with pytest.raises(errors.ProtocolError, match="ask"):
            await client.get_ticker()


async def test_missing_data_is_a_protocol_error() -> None:
    script = Script({"GET /private/v1/account/margin": [ok()]})
    async with client_for(script) as client:
        with pytest.raises(errors.ProtocolError, match="`data`"):
            await client.get_margin()


async def test_transfer_accepts_the_documented_list() -> None:
    script = Script({"POST /private/v1/account/transfer": [ok([{"transferredAmount": "100000"}])]})
    async with client_for(script) as client:
        result = await client.transfer(B("100000"), "WITHDRAWAL")
    assert result.transferred_amount == Decimal("100000")
    assert json.loads(script.requests[-1].content) == {
        "amount": "100000",
        "transferType": "WITHDRAWAL",
    }


async def test_unreadable_order_reply_is_a_lost_reply() -> None:
    script = Script({"POST /private/v1/order": [ok("not-a-number")]})
    async with client_for(script) as client:
        with pytest.raises(ReplyUnreadable) as info:
            await client.place_order("BTC", "BUY", "MARKET", B("1"))
    assert isinstance(info.value, errors.ReplyLost) and isinstance(info.value, errors.ProtocolError)
    assert script.count("POST /private/v1/order") == 1


# ---------------------------------------------------------------------------- API errors


async def test_nonzero_status_on_http_200_is_an_api_error_with_every_message() -> None:
    script = Script({"POST /private/v1/order": [fail("ERR-201", "ERR-5106")]})
    async with client_for(script) as client:
        with pytest.raises(errors.InsufficientFundsError) as info:
            await client.place_order("BTC", "BUY", "MARKET", B("1"))
    assert info.value.all_codes == ("ERR-201", "ERR-5106")
    assert info.value.status == 1
    assert script.count("POST /private/v1/order") == 1


async def test_status_decides_not_the_http_code() -> None:
    script = Script({"GET /public/v1/ticker": [fail("ERR-5201", status=5, http=503)]})
    async with client_for(script) as client:
        with pytest.raises(errors.MaintenanceError):
            await client.get_ticker()
    assert script.count("GET /public/v1/ticker") == 1  # an answer, not a network fault


async def test_404_is_a_clear_error() -> None:
    script = Script()
    async with client_for(script) as client:
        with pytest.raises(errors.ProtocolError, match="404.*no such path"):
            await client.get_symbols()


async def test_html_page_on_get_200_is_a_protocol_error() -> None:
    script = Script({"GET /public/v1/symbols": [httpx.Response(200, text="<html>hi</html>")]})
    async with client_for(script) as client:
        with pytest.raises(errors.ProtocolError, match="HTML"):
            await client.get_symbols()
    assert script.count("GET /public/v1/symbols") == 1


# ---------------------------------------------------------------------------- network faults


async def test_get_502_page_is_retried_then_reported() -> None:
    page = httpx.Response(502, text="<html><body>Bad Gateway</body></html>")
    script = Script({"GET /public/v1/orderbooks": [page]})
    async with client_for(script) as client:
        with pytest.raises(errors.TransportError, match="502"):
            await client.get_orderbook("BTC")
    assert script.count("GET /public/v1/orderbooks") == 3


async def test_get_retries_after_a_dropped_connection() -> None:
    book = {"symbol": "BTC", "asks": [{"price": "2", "size": "1"}], "bids": []}
    script = Script(
        {
            "GET /private/v1/account/assets": [
                httpx.ReadError("connection reset"),
                httpx.RemoteProtocolError("server disconnected"),
                ok([{"symbol": "JPY", "amount": "1", "available": "1", "conversionRate": "1"}]),
            ],
            "GET /public/v1/orderbooks": [httpx.ConnectError("refused"), ok(book)],
        }
    )
    async with client_for(script) as client:
        [asset] = await client.get_assets()
        assert (await client.get_orderbook("BTC")).asks[0].price == Decimal("2")
    assert asset.symbol == "JPY"
    sends = script.sent("GET /private/v1/account/assets")
    assert len(sends) == 3
    assert all("API-SIGN" in r.headers for r in sends)  # each try is signed afresh


async def test_post_timeout_is_reply_lost_and_never_resent() -> None:
    script = Script({"POST /private/v1/order": [httpx.ReadTimeout("timed out")]})
    async with client_for(script) as client:
        with pytest.raises(errors.ReplyLost) as info:
            await client.place_order("BTC", "SELL", "LIMIT", B("0.5"), price=B("9000000"))
    lost = info.value
    assert (lost.method, lost.path) == ("POST", "/v1/order")
    assert json.loads(lost.body)["price"] == "9000000"
    [req] = script.sent("POST /private/v1/order")
    assert lost.sent_at_ms == int(req.headers["API-TIMESTAMP"])
    assert lost.__cause__ is None and lost.__suppress_context__


async def test_post_502_page_is_an_unknown_outcome() -> None:
    script = Script({"POST /private/v1/cancelOrder": [httpx.Response(502, text="<html/>")]})
    async with client_for(script) as client:
        with pytest.raises(errors.ReplyLost):
            await client.cancel_order(5)
    assert script.count("POST /private/v1/cancelOrder") == 1


async def test_post_connect_error_is_not_a_lost_reply_and_not_resent() -> None:
    script = Script({"POST /private/v1/cancelOrder": [httpx.ConnectError("refused")]})
    async with client_for(script) as client:
        with pytest.raises(errors.TransportError) as info:
            await client.cancel_order(5)
        assert not isinstance(info.value, errors.ReplyLost)
        assert client.limiter.usage().post == 0  # nothing sent: the slot was given back
    assert script.count("POST /private/v1/cancelOrder") == 1


# ---------------------------------------------------------------------------- clock


async def test_timestamp_error_resyncs_and_resends_once() -> None:
    script = Script(
        {"POST /private/v1/order": [fail("ERR-5009", shift=30), ok("42", shift=30)]}, shift=30
    )
    async with client_for(script) as client:
        client.clock.add_sample(server_s=0.0, sent_wall_s=0.0, rtt_s=0.0)  # stale, ~0 offset
        assert await client.place_order("BTC", "BUY", "MARKET", B("1")) == 42
        assert abs(client.clock.offset_ms - 30_000) < 1_000
        assert client.transport.resyncs == 1
    sends = script.sent("POST /private/v1/order")
    assert len(sends) == 2
    first, second = (int(r.headers["API-TIMESTAMP"]) for r in sends)
    assert second - first > 25_000  # re-signed with the corrected clock
    assert sends[0].content == sends[1].content


async def test_second_timestamp_error_is_raised_not_resent_again() -> None:
    script = Script({"POST /private/v1/order": [fail("ERR-5008")]})
    async with client_for(script) as client:
        with pytest.raises(errors.TimestampError):
            await client.place_order("BTC", "BUY", "MARKET", B("1"))
    assert script.count("POST /private/v1/order") == 2


async def test_every_reply_feeds_the_clock() -> None:
    script = Script({"GET /public/v1/status": [ok({"status": "OPEN"}, shift=-4)]})
    async with client_for(script) as client:
        for _ in range(3):
            await client.get_status()
        assert len(client.clock.samples) == 3
        assert abs(client.clock.offset_ms + 4000) < 500


# ---------------------------------------------------------------------------- secrets


async def test_secrets_never_appear_in_errors_or_repr() -> None:
    token = "tok-SECRET-999"
    script = Script(
        {
            "PUT /private/v1/ws-auth": [httpx.ReadTimeout("timed out")],
            "DELETE /private/v1/ws-auth": [fail("ERR-5012")],
        }
    )
    async with client_for(script) as client:
        texts = [repr(client), str(client), repr(client.transport.credentials)]
        with pytest.raises(errors.ReplyLost) as lost:
            await client.extend_ws_token(token)
        with pytest.raises(errors.AuthenticationError) as auth:
            await client.delete_ws_token(token)
    texts += [str(lost.value), repr(lost.value), lost.value.body.decode(), str(auth.value)]
    for text in texts:
        for secret in (KEY, SECRET, token):
            assert secret not in text
    # the token did travel to the server
    assert json.loads(script.sent("PUT /private/v1/ws-auth")[0].content) == {"token": token}


# ---------------------------------------------------------------------------- helpers


def test_history_windows_cover_the_range_in_30_minute_steps() -> None:
    windows = list(iter_history_windows(T0, T0 + timedelta(minutes=75)))
    assert windows == [
        (T0, T0 + timedelta(minutes=30)),
        (T0 + timedelta(minutes=30), T0 + timedelta(minutes=60)),
        (T0 + timedelta(minutes=60), T0 + timedelta(minutes=75)),
    ]
    with pytest.raises(errors.ValidationError):
        list(iter_history_windows(T0, T0))


@pytest.mark.parametrize(
    ("base", "public", "ws_public", "ws_private"),
    [
        (
            "https://api.coin.z.com",
            "https://api.coin.z.com/public",
            "wss://api.coin.z.com/ws/public/v1",
            "wss://api.coin.z.com/ws/private/v1/T",
        ),
        (
            "http://127.0.0.1:8765/",
            "http://127.0.0.1:8765/public",
            "ws://127.0.0.1:8765/ws/public/v1",
            "ws://127.0.0.1:8765/ws/private/v1/T",
        ),
    ],
)
def test_endpoints_from_one_base(base: str, public: str, ws_public: str, ws_private: str) -> None:
    ep = Endpoints.from_base(base)
    assert ep.rest_public == public
    assert ep.rest_private == public.replace("/public", "/private")
    assert ep.ws_public == ws_public
    assert ep.ws_private("T") == ws_private


@pytest.mark.parametrize("base", ["ftp://x", "api.coin.z.com", "http://", "http://x/?a=1"])
def test_bad_endpoints_are_refused(base: str) -> None:
    with pytest.raises(errors.ValidationError):
        Endpoints.from_base(base)


def _garbled(request: httpx.Request) -> httpx.Response:
    """Claims gzip, is not: httpx fails while reading the body (after the request was sent)."""
    stream = httpx.ByteStream(b"not gzip at all")
    return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=stream)


async def test_undecodable_body_is_a_network_fault_not_a_crash() -> None:
    script = Script({"GET /public/v1/ticker": [_garbled], "POST /private/v1/order": [_garbled]})
    async with client_for(script) as client:
        with pytest.raises(errors.TransportError, match="DecodingError"):
            await client.get_ticker()
        with pytest.raises(errors.ReplyLost):
            await client.place_order("BTC", "BUY", "MARKET", B("1"))
    assert script.count("GET /public/v1/ticker") == 3
    assert script.count("POST /private/v1/order") == 1


async def test_first_private_call_syncs_the_clock_once() -> None:
    script = Script({"GET /private/v1/account/assets": [ok([])]}, shift=12)
    async with client_for(script) as client:
        await client.get_assets()
        await client.get_assets()
    assert script.count("GET /public/v1/status") == 1
    first_private = script.sent("GET /private/v1/account/assets")[0]
    assert script.requests.index(first_private) == 1  # the status call came first
    assert int(first_private.headers["API-TIMESTAMP"]) > (datetime.now(UTC).timestamp() + 10) * 1000


async def test_failed_initial_sync_is_not_retried_on_every_call() -> None:
    script = Script(
        {
            "GET /public/v1/status": [httpx.ConnectError("refused")],
            # no responsetime: these replies cannot sync the clock either
            "GET /private/v1/account/assets": [httpx.Response(200, json={"status": 0, "data": []})],
        }
    )
    async with client_for(script) as client:
        for _ in range(3):
            assert await client.get_assets() == []
    assert script.count("GET /public/v1/status") == 3  # one sync attempt (3 tries), not three
    assert script.count("GET /private/v1/account/assets") == 3

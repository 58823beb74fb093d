"""Private REST of the built-in exchange: the 25 operations under ``/private/v1/``.

Every request goes through, in order: maintenance (ERR-5201, or ERR-5202 for an emergency), the
authentication headers (ERR-5011 no key, ERR-5007 a timestamp that is not 1-16 ASCII digits,
ERR-5012 unknown key, ERR-5008/5009 timestamp out of the window, ERR-5010 an API-SIGN that is not
64 hex digits), all before the body is read (a request refused there that has a body on its
way gets ``Connection: close``); then the body, read up to
:data:`~gmo_tui.sim.request_body.MAX_BODY_BYTES` (HTTP 413 past it); the signature over the raw
body bytes received (ERR-5010); the per-key rate limit (ERR-5003), parameter parsing (ERR-5106
and friends), pre-open (ERR-5203 for order/changeOrder/closeOrder/closeBulkOrder), then the
engine (its ``SimError`` codes).

``API-TIMESTAMP`` may differ from the server's clock (``responsetime``) by at most
``SimState.timestamp_tolerance_s`` (5 s) either way; GMO's own window is undocumented.
Histories take ``fromTimestamp`` and ``toTimestamp`` (default ``from + 30 min``); a longer window
is ERR-846. ``orderId``/``executionId`` lists hold at most 10 ids.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypedDict, overload

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gmo_tui.exchange import models
from gmo_tui.exchange.auth import sign
from gmo_tui.exchange.enums import (
    ExchangeStatus,
    ExecutionType,
    SettleType,
    Side,
    TimeInForce,
    TransferType,
)
from gmo_tui.sim.replies import (
    NO_DATA,
    ApiFail,
    fail,
    ok,
    param_bool,
    param_decimal,
    param_enum,
    param_ids,
    param_int,
    param_page,
    param_str,
    param_ts,
    parse_object,
)
from gmo_tui.sim.request_body import (
    BodyLost,
    BodyTooLarge,
    body_expected,
    read_body,
    too_large,
)
from gmo_tui.sim.symbols import SYMBOL_RULES

if TYPE_CHECKING:
    from gmo_tui.sim.state import ApiAccount, SimState

HISTORY_WINDOW = timedelta(minutes=30)
PREOPEN_BLOCKED = frozenset(
    {"/v1/order", "/v1/changeOrder", "/v1/closeOrder", "/v1/closeBulkOrder"}
)


class DropConnection(Exception):
    """Raised after the engine really did the work: the connection is cut without a reply."""


TRANSPORT_KEY = "gmo_sim.transport"
_STAMP = re.compile(r"[0-9]{1,16}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


async def drop_connection(request: Request) -> None:
    """Cut the TCP connection without a reply (the server wrapper put the transport in scope)."""
    transport = request.scope.get(TRANSPORT_KEY)
    if transport is None:
        # In-process (ASGI transport) there is no socket: fail loudly instead of replying.
        raise ConnectionResetError("the simulated connection was dropped")
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


Handler = Callable[["ApiAccount", Mapping[str, Any]], Any]


class _OrderCommon(TypedDict):
    """The parameters order, closeOrder and closeBulkOrder share."""

    side: Side
    execution_type: ExecutionType
    price: Decimal | None
    time_in_force: TimeInForce | None


@overload
def _symbol(
    params: Mapping[str, Any], *, required: Literal[True] = True, margin_only: bool = False
) -> str: ...
@overload
def _symbol(
    params: Mapping[str, Any], *, required: bool, margin_only: bool = False
) -> str | None: ...
def _symbol(
    params: Mapping[str, Any], *, required: bool = True, margin_only: bool = False
) -> str | None:
    symbol = param_str(params, "symbol", required=required)
    if symbol is None:
        return None
    rule = SYMBOL_RULES.get(symbol)
    if rule is None or (margin_only and not rule.is_margin):
        raise ApiFail("ERR-5106")
    return symbol


def _window(params: Mapping[str, Any]) -> tuple[datetime, datetime]:
    start = param_ts(params, "fromTimestamp")
    end = param_ts(params, "toTimestamp", required=False)
    if end is None:
        try:
            end = start + HISTORY_WINDOW
        except OverflowError:  # from the last half hour of year 9999
            raise ApiFail("ERR-5106") from None
    if end < start:
        raise ApiFail("ERR-5106")
    if end - start > HISTORY_WINDOW:
        raise ApiFail("ERR-846")
    return start, end


def authenticate_headers(state: SimState, request: Request) -> ApiAccount:
    """The key, timestamp and signature headers, checked before the body is read."""
    headers = request.headers
    api_key = headers.get("API-KEY", "")
    if not api_key:
        raise ApiFail("ERR-5011")
    stamp = headers.get("API-TIMESTAMP", "")
    if not _STAMP.fullmatch(stamp):
        raise ApiFail("ERR-5007")
    account = state.account_for_key(api_key)
    if account is None:
        raise ApiFail("ERR-5012")
    drift_s = int(stamp) / 1000 - state.clock.timestamp()
    if drift_s > state.timestamp_tolerance_s:
        raise ApiFail("ERR-5008")
    if drift_s < -state.timestamp_tolerance_s:
        raise ApiFail("ERR-5009")
    if not _SIGNATURE.fullmatch(headers.get("API-SIGN", "")):
        raise ApiFail("ERR-5010")
    return account


def check_signature(account: ApiAccount, request: Request, body: bytes) -> None:
    """The HMAC over the body bytes received (the headers passed :func:`authenticate_headers`)."""
    headers = request.headers
    path = request.url.path.removeprefix("/private")
    expected = sign(account.api_secret, headers["API-TIMESTAMP"], request.method, path, body)
    if not hmac.compare_digest(expected, headers["API-SIGN"]):
        raise ApiFail("ERR-5010")


def private_routes(state: SimState) -> list[Route]:
    from gmo_tui.sim.engine import SimError

    engine = state.engine

    def endpoint(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            path = request.url.path.removeprefix("/private")
            unread = True
            try:
                if state.status is ExchangeStatus.MAINTENANCE:
                    raise ApiFail(state.maintenance_code)
                account = authenticate_headers(state, request)
                body = await read_body(request)
                unread = False
                check_signature(account, request, body)
                if not state.limiter.allow(account, request.method):
                    raise ApiFail("ERR-5003")
                if request.method == "GET":
                    params: Mapping[str, Any] = request.query_params
                else:
                    params = parse_object(body) if body.strip() else {}
                if state.status is ExchangeStatus.PREOPEN and path in PREOPEN_BLOCKED:
                    raise ApiFail("ERR-5203")
                reply = ok(state.clock.now(), fn(account, params))
            except ApiFail as exc:
                reply = fail(state.clock.now(), exc.code, exc.message)
                if unread and body_expected(request):
                    # refused on its headers: hang up rather than take in a body nobody reads
                    reply.headers["Connection"] = "close"
            except SimError as exc:
                reply = fail(state.clock.now(), exc.code, exc.message)
            except BodyTooLarge:
                return too_large(state.clock.now())
            except BodyLost:
                return Response(status_code=400)  # nobody is left to read it
            except DropConnection:
                await drop_connection(request)
                return Response(status_code=500)
            if state.faults.delay_ms:
                await asyncio.sleep(state.faults.delay_ms / 1000)
            return reply

        return handle

    # ------------------------------------------------------------------------ account

    def margin(acc: ApiAccount, _: Mapping[str, Any]) -> models.Margin:
        return engine.margin(acc.account_id)

    def assets(acc: ApiAccount, _: Mapping[str, Any]) -> list[models.Asset]:
        return list(engine.assets(acc.account_id))

    def trading_volume(acc: ApiAccount, _: Mapping[str, Any]) -> models.TradingVolume:
        import msgspec

        volume = engine.trading_volume(acc.account_id)
        return msgspec.structs.replace(volume, tier_level=acc.tier)

    def fiat_deposits(acc: ApiAccount, p: Mapping[str, Any]) -> list[models.FiatTransfer]:
        start, end = _window(p)
        return list(engine.fiat_deposit_history(acc.account_id, start, end))

    def fiat_withdrawals(acc: ApiAccount, p: Mapping[str, Any]) -> list[models.FiatTransfer]:
        start, end = _window(p)
        return list(engine.fiat_withdrawal_history(acc.account_id, start, end))

    def deposits(acc: ApiAccount, p: Mapping[str, Any]) -> list[models.CryptoTransfer]:
        symbol = param_str(p, "symbol")
        start, end = _window(p)
        return list(engine.deposit_history(acc.account_id, symbol, start, end))

    def withdrawals(acc: ApiAccount, p: Mapping[str, Any]) -> list[models.CryptoTransfer]:
        symbol = param_str(p, "symbol")
        start, end = _window(p)
        return list(engine.withdrawal_history(acc.account_id, symbol, start, end))

    def transfer(acc: ApiAccount, p: Mapping[str, Any]) -> list[models.Transfer]:
        amount = param_decimal(p, "amount")
        kind = param_enum(p, "transferType", TransferType)
        if amount <= 0:
            raise ApiFail("ERR-5106")
        return [engine.transfer(acc.account_id, amount=amount, transfer_type=kind)]

    # ------------------------------------------------------------------------ queries

    def orders(acc: ApiAccount, p: Mapping[str, Any]) -> models.OrdersList:
        ids = param_ids(p, "orderId")
        return models.OrdersList(list=tuple(engine.orders(acc.account_id, ids)))

    def active_orders(acc: ApiAccount, p: Mapping[str, Any]) -> models.OrdersList:
        symbol = _symbol(p)
        page, count = param_page(p)
        return engine.active_orders(acc.account_id, symbol, page, count)

    def executions(acc: ApiAccount, p: Mapping[str, Any]) -> models.ExecutionsList:
        order_ids = param_ids(p, "orderId", required=False)
        execution_ids = param_ids(p, "executionId", required=False)
        if order_ids and execution_ids:
            raise ApiFail("ERR-5208")
        if not order_ids and not execution_ids:
            raise ApiFail("ERR-5106")
        found: list[models.Execution] = []
        if execution_ids:
            found = list(engine.executions(acc.account_id, execution_ids=execution_ids))
        for order_id in order_ids:
            found.extend(engine.executions(acc.account_id, order_id=order_id))
        return models.ExecutionsList(list=tuple(found))

    def latest_executions(acc: ApiAccount, p: Mapping[str, Any]) -> models.ExecutionsList:
        symbol = _symbol(p)
        page, count = param_page(p)
        return engine.latest_executions(acc.account_id, symbol, page, count)

    def open_positions(acc: ApiAccount, p: Mapping[str, Any]) -> models.PositionsList:
        symbol = _symbol(p, margin_only=True)
        page, count = param_page(p)
        return engine.open_positions(acc.account_id, symbol, page, count)

    def position_summary(acc: ApiAccount, p: Mapping[str, Any]) -> models.PositionSummaryList:
        symbol = _symbol(p, required=False, margin_only=True)
        return models.PositionSummaryList(
            list=tuple(engine.position_summary(acc.account_id, symbol))
        )

    # ------------------------------------------------------------------------ orders

    def _order_common(p: Mapping[str, Any]) -> _OrderCommon:
        execution_type = param_enum(p, "executionType", ExecutionType)
        price = param_decimal(p, "price", required=False)
        if execution_type is not ExecutionType.MARKET and price is None:
            raise ApiFail("ERR-5106")
        return {
            "side": param_enum(p, "side", Side),
            "execution_type": execution_type,
            "price": price,
            "time_in_force": param_enum(
                p, "timeInForce", TimeInForce, required=False, code="ERR-5111"
            ),
        }

    def _maybe_lose_reply() -> None:
        if state.faults.lose_next_order:
            state.faults.lose_next_order = False
            raise DropConnection

    def order(acc: ApiAccount, p: Mapping[str, Any]) -> str:
        symbol = _symbol(p)
        common = _order_common(p)
        order_id = engine.place_order(
            acc.account_id,
            symbol=symbol,
            size=param_decimal(p, "size"),
            losscut_price=param_decimal(p, "losscutPrice", required=False),
            cancel_before=param_bool(p, "cancelBefore"),
            **common,
        )
        _maybe_lose_reply()
        return str(order_id)

    def change_order(acc: ApiAccount, p: Mapping[str, Any]) -> object:
        engine.change_order(
            acc.account_id,
            order_id=param_int(p, "orderId"),
            price=param_decimal(p, "price"),
            losscut_price=param_decimal(p, "losscutPrice", required=False),
        )
        return NO_DATA

    def cancel_order(acc: ApiAccount, p: Mapping[str, Any]) -> object:
        order_id = param_int(p, "orderId")
        if order_id in state.faults.fill_on_cancel:
            # The fill wins the race with the cancel that is in flight.
            state.faults.fill_on_cancel.discard(order_id)
            try:
                engine.fill_order(acc.account_id, order_id)
            except SimError:
                pass
        engine.cancel_order(acc.account_id, order_id)
        return NO_DATA

    def cancel_orders(acc: ApiAccount, p: Mapping[str, Any]) -> models.CancelOrdersResult:
        ids = param_ids(p, "orderIds", limit=100)
        return engine.cancel_orders(acc.account_id, ids)

    def cancel_bulk_order(acc: ApiAccount, p: Mapping[str, Any]) -> list[int]:
        symbols = p.get("symbols")
        if not isinstance(symbols, list) or not symbols:
            raise ApiFail("ERR-5106")
        for symbol in symbols:
            if not isinstance(symbol, str) or symbol not in SYMBOL_RULES:
                raise ApiFail("ERR-5106")
        settle = param_enum(p, "settleType", SettleType, required=False)
        if settle is SettleType.LOSS_CUT:
            raise ApiFail("ERR-5106")
        return list(
            engine.cancel_bulk_order(
                acc.account_id,
                symbols=symbols,
                side=param_enum(p, "side", Side, required=False),
                settle_type=settle,
                desc=param_bool(p, "desc"),
            )
        )

    def close_order(acc: ApiAccount, p: Mapping[str, Any]) -> str:
        symbol = _symbol(p, margin_only=True)
        common = _order_common(p)
        settle = p.get("settlePosition")
        if not isinstance(settle, list) or len(settle) != 1 or not isinstance(settle[0], dict):
            raise ApiFail("ERR-5106")
        order_id = engine.close_order(
            acc.account_id,
            symbol=symbol,
            position_id=param_int(settle[0], "positionId"),
            size=param_decimal(settle[0], "size"),
            cancel_before=param_bool(p, "cancelBefore"),
            **common,
        )
        _maybe_lose_reply()
        return str(order_id)

    def close_bulk_order(acc: ApiAccount, p: Mapping[str, Any]) -> str:
        symbol = _symbol(p, margin_only=True)
        common = _order_common(p)
        order_id = engine.close_bulk_order(
            acc.account_id, symbol=symbol, size=param_decimal(p, "size"), **common
        )
        _maybe_lose_reply()
        return str(order_id)

    def change_losscut(acc: ApiAccount, p: Mapping[str, Any]) -> object:
        engine.change_losscut_price(
            acc.account_id,
            position_id=param_int(p, "positionId"),
            losscut_price=param_decimal(p, "losscutPrice"),
        )
        return NO_DATA

    # ------------------------------------------------------------------------ ws-auth

    def ws_auth_create(acc: ApiAccount, _: Mapping[str, Any]) -> str:
        return state.tokens.create(acc.api_key)

    def ws_auth_extend(acc: ApiAccount, p: Mapping[str, Any]) -> object:
        if not state.tokens.extend(acc.api_key, param_str(p, "token")):
            raise ApiFail("ERR-5106")
        return NO_DATA

    def ws_auth_delete(acc: ApiAccount, p: Mapping[str, Any]) -> object:
        if not state.tokens.delete(acc.api_key, param_str(p, "token")):
            raise ApiFail("ERR-5106")
        return NO_DATA

    def _ws_auth(request_fns: dict[str, Handler]) -> Callable[[Request], Awaitable[Response]]:
        handlers = {method: endpoint(fn) for method, fn in request_fns.items()}

        async def handle(request: Request) -> Response:
            return await handlers[request.method](request)

        return handle

    get = {
        "/v1/account/margin": margin,
        "/v1/account/assets": assets,
        "/v1/account/tradingVolume": trading_volume,
        "/v1/account/fiatDeposit/history": fiat_deposits,
        "/v1/account/fiatWithdrawal/history": fiat_withdrawals,
        "/v1/account/deposit/history": deposits,
        "/v1/account/withdrawal/history": withdrawals,
        "/v1/orders": orders,
        "/v1/activeOrders": active_orders,
        "/v1/executions": executions,
        "/v1/latestExecutions": latest_executions,
        "/v1/openPositions": open_positions,
        "/v1/positionSummary": position_summary,
    }
    post = {
        "/v1/account/transfer": transfer,
        "/v1/order": order,
        "/v1/changeOrder": change_order,
        "/v1/cancelOrder": cancel_order,
        "/v1/cancelOrders": cancel_orders,
        "/v1/cancelBulkOrder": cancel_bulk_order,
        "/v1/closeOrder": close_order,
        "/v1/closeBulkOrder": close_bulk_order,
        "/v1/changeLosscutPrice": change_losscut,
    }
    routes = [Route("/private" + path, endpoint(fn), methods=["GET"]) for path, fn in get.items()]
    routes += [
        Route("/private" + path, endpoint(fn), methods=["POST"]) for path, fn in post.items()
    ]
    routes.append(
        Route(
            "/private/v1/ws-auth",
            _ws_auth({"POST": ws_auth_create, "PUT": ws_auth_extend, "DELETE": ws_auth_delete}),
            methods=["POST", "PUT", "DELETE"],
        )
    )
    return routes


PRIVATE_OPERATIONS = 25

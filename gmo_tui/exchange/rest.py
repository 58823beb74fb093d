"""The async REST client: one typed method per GMO Coin operation (6 public, 25 private).

Every method validates its parameters first (:mod:`rest_validate`; a broken rule raises
:class:`ValidationError` and nothing is sent), then goes through :class:`RestTransport` (rate
limit, signing, envelope, clock, retries: see :mod:`transport`) and decodes ``data`` into the
models of :mod:`models`.

Usage::

    async with GmoRestClient("http://127.0.0.1:8765", Credentials(key, secret)) as client:
        book = await client.get_orderbook("BTC")
        order_id = await client.place_order("BTC", "BUY", "LIMIT", Decimal("0.01"),
                                            price=Decimal("5000000"))

Errors: :class:`ApiError` subclasses for a non-zero ``status``; :class:`ProtocolError` for a
reply that breaks the documented shape; :class:`TransportError` when the network fails; and for
POST/PUT/DELETE, :class:`ReplyLost` when the request may have reached the exchange but no usable
reply came back. Only ERR-5008/5009 (timestamp) causes one automatic re-send. Cancelling the
task of a POST/PUT/DELETE while it is in flight leaves its outcome just as unknown as
:class:`ReplyLost` does: resolve it from the exchange's state.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date as _Date
from datetime import datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Annotated, Any

import httpx
import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange import rest_validate as check
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.clock import ServerClock
from gmo_tui.exchange.endpoints import DEFAULT_ENDPOINT, Endpoints
from gmo_tui.exchange.enums import (
    ExecutionType,
    KlineInterval,
    SettleType,
    Side,
    TimeInForce,
    TransferType,
)
from gmo_tui.exchange.errors import ProtocolError, ValidationError
from gmo_tui.exchange.ratelimit import RateLimiter
from gmo_tui.exchange.transport import Payload, ReplyUnreadable, RestTransport

# an order id is a positive integer: "0" or -5 as the reply's data is unreadable (outcome unknown)
_OrderIdText = Annotated[str, msgspec.Meta(pattern=r"^[1-9][0-9]*$")]
_OrderIdData = _OrderIdText | Annotated[int, msgspec.Meta(gt=0)]
_Token = Annotated[str, msgspec.Meta(min_length=1)]


def iter_history_windows(
    start: datetime, end: datetime, span: timedelta = check.HISTORY_WINDOW
) -> Iterator[tuple[datetime, datetime]]:
    """Split ``[start, end)`` into consecutive ``(from, to)`` windows of at most 30 minutes."""
    return check.iter_history_windows(start, end, span)


class GmoRestClient:
    """Typed async access to every GMO Coin REST operation, shared by the whole app.

    ``endpoint`` is the base URL (``https://api.coin.z.com`` or the built-in exchange's);
    ``credentials`` enable the private calls; ``tier`` (1: 20/s, 2: 30/s) sets the private rate
    budget; ``timeout`` is per request in seconds; ``transport`` replaces httpx's network layer
    (tests); ``max_queue`` bounds how many callers may wait for a rate slot per budget.
    """

    def __init__(
        self,
        endpoint: str = DEFAULT_ENDPOINT,
        credentials: Credentials | None = None,
        *,
        tier: int = 1,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        max_queue: int = 200,
    ) -> None:
        self.endpoints = Endpoints.from_base(endpoint)
        self._credentials = credentials
        self.clock = ServerClock()
        self.limiter = RateLimiter(tier, max_queue=max_queue)
        self._transport = RestTransport(
            self.endpoints,
            credentials,
            self.limiter,
            self.clock,
            timeout=timeout,
            transport=transport,
        )

    # ------------------------------------------------------------------ lifecycle

    @property
    def endpoint(self) -> str:
        return self.endpoints.base

    @property
    def has_credentials(self) -> bool:
        return self._credentials is not None

    @property
    def transport(self) -> RestTransport:
        """The request machinery (counters ``resyncs``/``timestamp_resends``, retry delays)."""
        return self._transport

    def set_tier(self, tier: int) -> None:
        """Adopt the account's ``tierLevel`` (from :meth:`get_trading_volume`)."""
        self.limiter.set_tier(tier)

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> GmoRestClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"GmoRestClient(endpoint={self.endpoints.base!r}, credentials="
            f"{self._credentials!r}, tier={self.limiter.tier})"
        )

    # ------------------------------------------------------------------ public (GET)

    async def get_status(self) -> models.Status:
        """Exchange status: MAINTENANCE, PREOPEN or OPEN."""
        return await self._transport.public_get("/v1/status", None, models.Status)

    async def get_ticker(self, symbol: str | None = None) -> list[models.Ticker]:
        """Latest rates of ``symbol``, or of every symbol when omitted."""
        params = None if symbol is None else {"symbol": check.symbol(symbol)}
        return list(await self._transport.public_get("/v1/ticker", params, list[models.Ticker]))

    async def get_orderbook(self, symbol: str) -> models.OrderBook:
        """A full book snapshot (asks ascending, bids descending)."""
        params = {"symbol": check.symbol(symbol)}
        return await self._transport.public_get("/v1/orderbooks", params, models.OrderBook)

    async def get_trades(self, symbol: str, page: int = 1, count: int = 100) -> models.TradesPage:
        """Public trades, newest first; ``count`` 1..100 per page."""
        params = {"symbol": check.symbol(symbol), **check.page_count(page, count)}
        return await self._transport.public_get("/v1/trades", params, models.TradesPage)

    async def get_klines(
        self, symbol: str, interval: KlineInterval | str, date: str | _Date
    ) -> list[models.Kline]:
        """Candles of one day (``YYYYMMDD``, 1min..1hour) or one year (``YYYY``, 4hour..1month)."""
        interval_ = check.enum(interval, KlineInterval, "interval")
        params = {
            "symbol": check.symbol(symbol),
            "interval": interval_.value,
            "date": check.kline_date(interval_, date),
        }
        return list(await self._transport.public_get("/v1/klines", params, list[models.Kline]))

    async def get_symbols(self) -> list[models.SymbolRule]:
        """Trading rules of every symbol (sizes, tick, fees): load them, never hard-code."""
        return list(await self._transport.public_get("/v1/symbols", None, list[models.SymbolRule]))

    # ------------------------------------------------------------------ private: account

    async def get_margin(self) -> models.Margin:
        margin: models.Margin = await self._get("/v1/account/margin", None, models.Margin)
        return margin

    async def get_assets(self) -> list[models.Asset]:
        return list(await self._get("/v1/account/assets", None, list[models.Asset]))

    async def get_trading_volume(self) -> models.TradingVolume:
        """This week's JPY volume, ``tier_level`` and per-symbol limits and fees."""
        volume: models.TradingVolume = await self._get(
            "/v1/account/tradingVolume", None, models.TradingVolume
        )
        return volume

    async def get_fiat_deposit_history(
        self, from_ts: datetime, to_ts: datetime | None = None
    ) -> list[models.FiatTransfer]:
        """JPY deposits in ``[from_ts, to_ts]`` (at most 30 minutes; server default from+30m)."""
        params = check.history_window(from_ts, to_ts)
        path = "/v1/account/fiatDeposit/history"
        return list(await self._get(path, params, list[models.FiatTransfer]))

    async def get_fiat_withdrawal_history(
        self, from_ts: datetime, to_ts: datetime | None = None
    ) -> list[models.FiatTransfer]:
        """JPY withdrawals in ``[from_ts, to_ts]`` (at most 30 minutes)."""
        params = check.history_window(from_ts, to_ts)
        path = "/v1/account/fiatWithdrawal/history"
        return list(await self._get(path, params, list[models.FiatTransfer]))

    async def get_deposit_history(
        self, symbol: str, from_ts: datetime, to_ts: datetime | None = None
    ) -> list[models.CryptoTransfer]:
        """Crypto deposits of ``symbol`` in ``[from_ts, to_ts]`` (at most 30 minutes)."""
        params = {"symbol": check.symbol(symbol), **check.history_window(from_ts, to_ts)}
        path = "/v1/account/deposit/history"
        return list(await self._get(path, params, list[models.CryptoTransfer]))

    async def get_withdrawal_history(
        self, symbol: str, from_ts: datetime, to_ts: datetime | None = None
    ) -> list[models.CryptoTransfer]:
        """Crypto withdrawals of ``symbol`` in ``[from_ts, to_ts]`` (at most 30 minutes)."""
        params = {"symbol": check.symbol(symbol), **check.history_window(from_ts, to_ts)}
        path = "/v1/account/withdrawal/history"
        return list(await self._get(path, params, list[models.CryptoTransfer]))

    # ------------------------------------------------------------------ private: orders (GET)

    async def get_orders(self, order_ids: Sequence[int]) -> list[models.Order]:
        """Orders by id (1..10 ids), any status."""
        ids = check.id_list(order_ids, "order_ids")
        params = {"orderId": ",".join(map(str, ids))}
        return list((await self._get("/v1/orders", params, models.OrdersList)).list)

    async def get_active_orders(
        self, symbol: str, page: int = 1, count: int = 100
    ) -> models.OrdersList:
        """Active orders of one symbol (``symbol`` is required: fetch per symbol)."""
        params = {"symbol": check.symbol(symbol), **check.page_count(page, count)}
        orders: models.OrdersList = await self._get("/v1/activeOrders", params, models.OrdersList)
        return orders

    async def get_executions(
        self, *, order_id: int | None = None, execution_ids: Sequence[int] | None = None
    ) -> list[models.Execution]:
        """Fills of one order, or fills by id (1..10); exactly one of the two (ERR-5208)."""
        if (order_id is None) == (execution_ids is None):
            raise ValidationError("get_executions takes order_id or execution_ids (exactly one)")
        if order_id is not None:
            params = {"orderId": str(check.positive_id(order_id, "order_id"))}
        else:
            ids = check.id_list(execution_ids, "execution_ids")
            params = {"executionId": ",".join(map(str, ids))}
        return list((await self._get("/v1/executions", params, models.ExecutionsList)).list)

    async def get_latest_executions(
        self, symbol: str, page: int = 1, count: int = 100
    ) -> models.ExecutionsList:
        """Latest fills of one symbol, newest first."""
        params = {"symbol": check.symbol(symbol), **check.page_count(page, count)}
        rows: models.ExecutionsList = await self._get(
            "/v1/latestExecutions", params, models.ExecutionsList
        )
        return rows

    async def get_open_positions(
        self, symbol: str, page: int = 1, count: int = 100
    ) -> models.PositionsList:
        """Open positions of a margin symbol."""
        params = {"symbol": check.symbol(symbol), **check.page_count(page, count)}
        positions: models.PositionsList = await self._get(
            "/v1/openPositions", params, models.PositionsList
        )
        return positions

    async def get_position_summary(self, symbol: str | None = None) -> list[models.PositionSummary]:
        """Position totals per margin symbol and side (all symbols when omitted)."""
        params = None if symbol is None else {"symbol": check.symbol(symbol)}
        reply = await self._get("/v1/positionSummary", params, models.PositionSummaryList)
        return list(reply.list)

    # ------------------------------------------------------------------ private: POST

    async def transfer(self, amount: Decimal, transfer_type: TransferType | str) -> models.Transfer:
        """Move JPY between the crypto and FX accounts (the exchange allows 1 per 3 minutes)."""
        body = {
            "amount": check.positive_decimal(amount, "amount"),
            "transferType": check.enum(transfer_type, TransferType, "transfer_type").value,
        }
        path = "/v1/account/transfer"
        reply = await self._post(path, body, list[models.Transfer] | models.Transfer)
        if isinstance(reply, models.Transfer):
            transfer: models.Transfer = reply
            return transfer
        if not reply:
            raise ReplyUnreadable(
                f"POST /private{path}: `data` holds no transfer",
                method="POST",
                path=path,
                body=b"",
                sent_at_ms=self.clock.now_ms(),
            )
        first: models.Transfer = reply[0]
        return first

    async def place_order(
        self,
        symbol: str,
        side: Side | str,
        execution_type: ExecutionType | str,
        size: Decimal,
        *,
        price: Decimal | None = None,
        time_in_force: TimeInForce | str | None = None,
        losscut_price: Decimal | None = None,
        cancel_before: bool | None = None,
    ) -> int:
        """A new order; returns its ``orderId``.

        ``price`` is required for LIMIT and STOP and refused for MARKET. ``time_in_force``
        defaults on the exchange to FAK (MARKET, STOP) or FAS (LIMIT); SOK is LIMIT only.
        ``losscut_price`` is for margin LIMIT/STOP orders. ``cancel_before=True`` only for spot
        MARKET FAK SELL orders. A lost reply raises :class:`ReplyLost`: never re-send blindly.
        """
        side_, kind, price_text, tif = check.order_terms(
            side, execution_type, price, time_in_force, cancel_before
        )
        body = _order_body(symbol, side_, kind, price_text, tif)
        if losscut_price is not None:
            if kind is ExecutionType.MARKET:
                raise ValidationError("`losscut_price` is only for LIMIT or STOP orders")
            body["losscutPrice"] = check.positive_decimal(losscut_price, "losscut_price")
        body["size"] = check.positive_decimal(size, "size")
        if cancel_before is not None:
            body["cancelBefore"] = cancel_before
        return int(await self._post("/v1/order", body, _OrderIdData))

    async def change_order(
        self, order_id: int, price: Decimal, losscut_price: Decimal | None = None
    ) -> None:
        """Change an active order's price (and losscut price)."""
        body: dict[str, Any] = {
            "orderId": check.positive_id(order_id, "order_id"),
            "price": check.positive_decimal(price, "price"),
        }
        if losscut_price is not None:
            body["losscutPrice"] = check.positive_decimal(losscut_price, "losscut_price")
        await self._post("/v1/changeOrder", body, None)

    async def cancel_order(self, order_id: int) -> None:
        body = {"orderId": check.positive_id(order_id, "order_id")}
        await self._post("/v1/cancelOrder", body, None)

    async def cancel_orders(self, order_ids: Sequence[int]) -> models.CancelOrdersResult:
        """Cancel several orders; the result lists accepted ids and per-id failures."""
        body = {"orderIds": check.id_list(order_ids, "order_ids", limit=None)}
        result: models.CancelOrdersResult = await self._post(
            "/v1/cancelOrders", body, models.CancelOrdersResult
        )
        return result

    async def cancel_bulk_order(
        self,
        symbols: Sequence[str],
        *,
        side: Side | str | None = None,
        settle_type: SettleType | str | None = None,
        desc: bool | None = None,
    ) -> list[int]:
        """Cancel every active order of ``symbols`` (optionally one side / settle type);
        ``desc=True`` cancels newest first. Returns the ids accepted for cancellation."""
        if isinstance(symbols, str) or not isinstance(symbols, Sequence) or not symbols:
            raise ValidationError("`symbols` must be a non-empty list of symbols")
        body: dict[str, Any] = {"symbols": [check.symbol(s, "symbols") for s in symbols]}
        side_ = check.optional_enum(side, Side, "side")
        if side_ is not None:
            body["side"] = side_.value
        settle = check.optional_enum(settle_type, SettleType, "settle_type")
        if settle is not None:
            if settle not in (SettleType.OPEN, SettleType.CLOSE):
                raise ValidationError("`settle_type` must be OPEN or CLOSE")
            body["settleType"] = settle.value
        if desc is not None:
            if not isinstance(desc, bool):
                raise ValidationError("`desc` must be a bool")
            body["desc"] = desc
        return list(await self._post("/v1/cancelBulkOrder", body, list[int]))

    async def close_order(
        self,
        symbol: str,
        side: Side | str,
        execution_type: ExecutionType | str,
        position_id: int,
        size: Decimal,
        *,
        price: Decimal | None = None,
        time_in_force: TimeInForce | str | None = None,
        cancel_before: bool | None = None,
    ) -> int:
        """Close (part of) one position; ``side`` is the closing side. Returns the order id."""
        side_, kind, price_text, tif = check.order_terms(
            side, execution_type, price, time_in_force, cancel_before
        )
        body = _order_body(symbol, side_, kind, price_text, tif)
        body["settlePosition"] = [
            {
                "positionId": check.positive_id(position_id, "position_id"),
                "size": check.positive_decimal(size, "size"),
            }
        ]
        if cancel_before is not None:
            body["cancelBefore"] = cancel_before
        return int(await self._post("/v1/closeOrder", body, _OrderIdData))

    async def close_bulk_order(
        self,
        symbol: str,
        side: Side | str,
        execution_type: ExecutionType | str,
        size: Decimal,
        *,
        price: Decimal | None = None,
        time_in_force: TimeInForce | str | None = None,
    ) -> int:
        """Close ``size`` across the positions of ``symbol`` held on the other side."""
        side_, kind, price_text, tif = check.order_terms(
            side, execution_type, price, time_in_force, None
        )
        body = _order_body(symbol, side_, kind, price_text, tif)
        body["size"] = check.positive_decimal(size, "size")
        return int(await self._post("/v1/closeBulkOrder", body, _OrderIdData))

    async def change_losscut_price(self, position_id: int, losscut_price: Decimal) -> None:
        body = {
            "positionId": check.positive_id(position_id, "position_id"),
            "losscutPrice": check.positive_decimal(losscut_price, "losscut_price"),
        }
        await self._post("/v1/changeLosscutPrice", body, None)

    # ------------------------------------------------------------------ private: ws-auth

    async def create_ws_token(self) -> str:
        """A private WebSocket token (lives 60 minutes; at most 5 per key). Keep it secret."""
        payload = Payload(b"{}", secret=True)
        token = await self._transport.private("POST", "/v1/ws-auth", body=payload, type_=_Token)
        if token is None:  # _decode_data refuses a missing `data`: never reached
            raise ProtocolError("POST /private/v1/ws-auth: reply has no token")
        return token

    async def extend_ws_token(self, token: str) -> None:
        """Reset the token's life to 60 minutes (PUT; the body is not signed)."""
        await self._transport.private("PUT", "/v1/ws-auth", body=self._token_body(token))

    async def delete_ws_token(self, token: str) -> None:
        """Delete the token (DELETE; the body is not signed)."""
        await self._transport.private("DELETE", "/v1/ws-auth", body=self._token_body(token))

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _token_body(token: str) -> Payload:
        if not isinstance(token, str) or not token:
            raise ValidationError("a WebSocket token is required")
        return Payload.json({"token": token}, secret=True)

    async def _get(self, path: str, params: dict[str, str] | None, type_: Any) -> Any:
        return await self._transport.private("GET", path, params=params, type_=type_)

    async def _post(self, path: str, body: dict[str, Any], type_: Any) -> Any:
        return await self._transport.private("POST", path, body=Payload.json(body), type_=type_)


__all__ = ["GmoRestClient", "ProtocolError", "iter_history_windows"]


def _order_body(
    symbol: str,
    side: Side,
    kind: ExecutionType,
    price_text: str | None,
    tif: TimeInForce | None,
) -> dict[str, Any]:
    """The fields order, closeOrder and closeBulkOrder share, in the documented order."""
    body: dict[str, Any] = {
        "symbol": check.symbol(symbol),
        "side": side.value,
        "executionType": kind.value,
    }
    if tif is not None:
        body["timeInForce"] = tif.value
    if price_text is not None:
        body["price"] = price_text
    return body

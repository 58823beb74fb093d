"""Public REST of the built-in exchange: ``GET /public/v1/{status,ticker,orderbooks,trades,klines,symbols}``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal, overload

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExchangeStatus
from gmo_tui.sim.replies import ApiFail, fail, ok, param_page, param_str
from gmo_tui.sim.symbols import SYMBOL_RULES

if TYPE_CHECKING:
    from gmo_tui.sim.state import SimState


@overload
def _symbol(params: Mapping[str, Any], *, required: Literal[True] = True) -> str: ...
@overload
def _symbol(params: Mapping[str, Any], *, required: bool) -> str | None: ...
def _symbol(params: Mapping[str, Any], *, required: bool = True) -> str | None:
    symbol = param_str(params, "symbol", required=required)
    if symbol is not None and symbol not in SYMBOL_RULES:
        raise ApiFail("ERR-5106")
    return symbol


def public_routes(state: SimState) -> list[Route]:
    from gmo_tui.sim.engine import SimError

    def endpoint(fn: Callable[[Mapping[str, Any]], Any], *, always: bool = False):
        async def handle(request: Request) -> Response:
            try:
                if state.status is ExchangeStatus.MAINTENANCE and not always:
                    raise ApiFail(state.maintenance_code)
                reply = ok(state.clock.now(), fn(request.query_params))
            except ApiFail as exc:
                reply = fail(state.clock.now(), exc.code, exc.message)
            except SimError as exc:
                reply = fail(state.clock.now(), exc.code, exc.message)
            if state.faults.delay_ms:
                await asyncio.sleep(state.faults.delay_ms / 1000)
            return reply

        return handle

    def status(_: Mapping[str, Any]) -> models.Status:
        return models.Status(status=state.status)

    def ticker(params: Mapping[str, Any]) -> list[models.Ticker]:
        symbol = _symbol(params, required=False)
        symbols = [symbol] if symbol else list(state.public.rules)
        return [state.public.ticker(s) for s in symbols]

    def orderbooks(params: Mapping[str, Any]) -> models.OrderBook:
        symbol = _symbol(params)
        book = state.public.orderbook(symbol)
        # The REST snapshot carries no timestamp (the seed's example); the WS one does.
        return models.OrderBook(symbol=book.symbol, asks=book.asks, bids=book.bids)

    def trades(params: Mapping[str, Any]) -> models.TradesPage:
        symbol = _symbol(params)
        page, count = param_page(params)
        result = state.public.trades(symbol, page, count)
        # The public trade history carries no symbol per entry (the seed's example).
        items = tuple(
            models.Trade(price=t.price, side=t.side, size=t.size, timestamp=t.timestamp)
            for t in result.list
        )
        return models.TradesPage(list=items, pagination=result.pagination)

    def klines(params: Mapping[str, Any]) -> list[models.Kline]:
        symbol = params.get("symbol")
        interval = params.get("interval")
        date = params.get("date")
        return state.klines.klines(symbol, interval, date)

    def symbols(_: Mapping[str, Any]) -> list[models.SymbolRule]:
        return list(SYMBOL_RULES.values())

    return [
        Route("/public/v1/status", endpoint(status, always=True), methods=["GET"]),
        Route("/public/v1/ticker", endpoint(ticker), methods=["GET"]),
        Route("/public/v1/orderbooks", endpoint(orderbooks), methods=["GET"]),
        Route("/public/v1/trades", endpoint(trades), methods=["GET"]),
        Route("/public/v1/klines", endpoint(klines), methods=["GET"]),
        Route("/public/v1/symbols", endpoint(symbols), methods=["GET"]),
    ]

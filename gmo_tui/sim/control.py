"""Test controls of the built-in exchange: JSON POSTs under ``/_sim/`` (404 unless enabled).

Never mixed with GMO's paths; every reply is ``{"ok": true, ...}`` (or HTTP 400 with
``{"ok": false, "error": ...}`` for a bad body). Controls:

=========================  =====================================================================
``/_sim/status``           ``{"status": "MAINTENANCE"|"PREOPEN"|"OPEN", "emergency"?: bool}``
                           (maintenance also ends every socket and token; ERR-5201, or ERR-5202
                           with ``"emergency": true``)
``/_sim/clock``            ``{"advance": seconds}``: move sim time forward, then run the
                           time-driven work (engine tick, token expiry, PERIODIC frames)
``/_sim/skew``             ``{"seconds": N}``: the server's clock runs N seconds ahead (negative:
                           behind) of real time; replaces the previous skew
``/_sim/delay``            ``{"ms": N}``: every REST reply waits N ms (after doing the work)
``/_sim/drop_sockets``     ``{}``: close every WebSocket (code 1012); replies ``{"dropped": n}``
``/_sim/silence``          ``{"all": bool, "channels": [...]}``: sockets stay open but send nothing
                           (whole socket, or only these channels); ``{}`` ends the silence
``/_sim/lose_next_order``  ``{}``: the next order/closeOrder/closeBulkOrder is placed, then the
                           connection is cut without a reply
``/_sim/fill_on_cancel``   ``{"orderId": N}``: the next cancelOrder of N finds it filled (ERR-5122)
``/_sim/chaos``            ``{"malformed": p, "out_of_order": p}``: WebSocket frames sent truncated
                           or swapped with the next one, with these probabilities
``/_sim/rates``            ``{"books_per_s", "trades_per_s", "tickers_per_s", "idle_factor"}``
                           (any subset)
``/_sim/tier``             ``{"tier": 1|2, "apiKey"?}``: 20 or 30 requests/s, and ``tierLevel``
``/_sim/limits``           ``{"rest_per_s": N|null, "ws_commands_per_s": N}``: override the limits
``/_sim/fill``             ``{"orderId": N, "size"?: "0.1", "apiKey"?}``: force-fill a resting order
``/_sim/account``          ``{"apiKey", "apiSecret", "jpy"?}``: open another funded account/key
``/_sim/reset_faults``     ``{}``: every fault off (delay, silence, chaos, lost reply, skew)
``/_sim/state``            ``{}``: status, sim time, connection and token counts
=========================  =====================================================================
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gmo_tui.exchange.codec import format_ts
from gmo_tui.exchange.enums import ExchangeStatus

if TYPE_CHECKING:
    from gmo_tui.sim.state import ApiAccount, SimState


class BadControl(Exception):
    pass


def _number(body: dict[str, Any], name: str, *, default: float | None = None) -> float:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadControl(f"`{name}` must be a number")
    return float(value)


def control_routes(state: SimState) -> list[Route]:
    def account(body: dict[str, Any]) -> ApiAccount:
        key = body.get("apiKey") or state.api_key
        found = state.account_for_key(key)
        if found is None:
            raise BadControl("unknown apiKey")
        return found

    def status(body: dict[str, Any]) -> dict[str, Any]:
        try:
            value = ExchangeStatus(body.get("status"))
        except ValueError:
            raise BadControl("`status` must be MAINTENANCE, PREOPEN or OPEN") from None
        state.set_status(value, emergency=bool(body.get("emergency", False)))
        return {"status": value.value, "emergency": state.emergency}

    def clock(body: dict[str, Any]) -> dict[str, Any]:
        seconds = _number(body, "advance")
        if seconds < 0:
            raise BadControl("the clock only moves forward")
        state.clock.advance(seconds)
        state.pulse()
        return {"now": format_ts(state.clock.now())}

    def skew(body: dict[str, Any]) -> dict[str, Any]:
        state.clock.set_skew(_number(body, "seconds"))
        return {"now": format_ts(state.clock.now())}

    def delay(body: dict[str, Any]) -> dict[str, Any]:
        ms = _number(body, "ms")
        if ms < 0:
            raise BadControl("`ms` must not be negative")
        state.faults.delay_ms = int(ms)
        return {"ms": int(ms)}

    def drop_sockets(_: dict[str, Any]) -> dict[str, Any]:
        return {"dropped": state.hub.drop_all(code=1012, reason="dropped")}

    def silence(body: dict[str, Any]) -> dict[str, Any]:
        channels = body.get("channels", [])
        if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
            raise BadControl("`channels` must be a list of channel names")
        state.faults.silent_all = bool(body.get("all", False))
        state.faults.silent_channels = set(channels)
        return {"all": state.faults.silent_all, "channels": sorted(channels)}

    def lose_next_order(_: dict[str, Any]) -> dict[str, Any]:
        state.faults.lose_next_order = True
        return {}

    def fill_on_cancel(body: dict[str, Any]) -> dict[str, Any]:
        order_id = body.get("orderId")
        if not isinstance(order_id, int) or isinstance(order_id, bool):
            raise BadControl("`orderId` must be a number")
        state.faults.fill_on_cancel.add(order_id)
        return {"orderId": order_id}

    def chaos(body: dict[str, Any]) -> dict[str, Any]:
        malformed = _number(body, "malformed", default=0.0)
        out_of_order = _number(body, "out_of_order", default=0.0)
        if not (0 <= malformed <= 1 and 0 <= out_of_order <= 1 and malformed + out_of_order <= 1):
            raise BadControl("probabilities must be within 0..1")
        state.faults.chaos_malformed = malformed
        state.faults.chaos_out_of_order = out_of_order
        return {"malformed": malformed, "out_of_order": out_of_order}

    def rates(body: dict[str, Any]) -> dict[str, Any]:
        names = ("books_per_s", "trades_per_s", "tickers_per_s", "idle_factor")
        changes = {name: _number(body, name) for name in names if name in body}
        if any(value < 0 or value > 10_000 for value in changes.values()):
            raise BadControl("rates must be within 0..10000")
        state.market.set_rates(state.market.rates.with_(**changes))
        return {name: getattr(state.market.rates, name) for name in names}

    def tier(body: dict[str, Any]) -> dict[str, Any]:
        level = body.get("tier")
        if level not in (1, 2):
            raise BadControl("`tier` must be 1 or 2")
        account(body).tier = level
        return {"tier": level}

    def limits(body: dict[str, Any]) -> dict[str, Any]:
        if "rest_per_s" in body:
            value = body["rest_per_s"]
            state.limiter.override = None if value is None else int(_number(body, "rest_per_s"))
        if "ws_commands_per_s" in body:
            state.ws_commands_per_s = _number(body, "ws_commands_per_s")
        return {"rest_per_s": state.limiter.override, "ws_commands_per_s": state.ws_commands_per_s}

    def fill(body: dict[str, Any]) -> dict[str, Any]:
        from gmo_tui.sim.engine import SimError

        order_id = body.get("orderId")
        if not isinstance(order_id, int) or isinstance(order_id, bool):
            raise BadControl("`orderId` must be a number")
        size = None
        if body.get("size") is not None:
            try:
                size = Decimal(str(body["size"]))
            except InvalidOperation:
                raise BadControl("`size` must be a decimal string") from None
        try:
            state.engine.fill_order(account(body).account_id, order_id, size)
        except SimError as exc:
            raise BadControl(f"{exc.code}: {exc.message}") from None
        return {"orderId": order_id}

    def open_account(body: dict[str, Any]) -> dict[str, Any]:
        key, secret = body.get("apiKey"), body.get("apiSecret")
        if not isinstance(key, str) or not key or not isinstance(secret, str) or not secret:
            raise BadControl("`apiKey` and `apiSecret` are required")
        if state.account_for_key(key) is not None:
            raise BadControl("that apiKey exists already")
        jpy = Decimal(str(body.get("jpy", "10000000")))
        state.add_account(key, secret, f"acct-{len(state.accounts)}", jpy=jpy)
        return {}

    def reset_faults(_: dict[str, Any]) -> dict[str, Any]:
        state.faults.reset()
        state.clock.set_skew(0)
        state.limiter.override = None
        return {}

    def info(_: dict[str, Any]) -> dict[str, Any]:
        return {
            "status": state.status.value,
            "now": format_ts(state.clock.now()),
            "connections": len(state.hub.conns),
            "tokens": sum(state.tokens.count(k) for k in state.accounts),
            "frozen": state.frozen,
        }

    handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "status": status,
        "clock": clock,
        "skew": skew,
        "delay": delay,
        "drop_sockets": drop_sockets,
        "silence": silence,
        "lose_next_order": lose_next_order,
        "fill_on_cancel": fill_on_cancel,
        "chaos": chaos,
        "rates": rates,
        "tier": tier,
        "limits": limits,
        "fill": fill,
        "account": open_account,
        "reset_faults": reset_faults,
        "state": info,
    }

    def endpoint(
        fn: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Callable[[Request], Awaitable[JSONResponse]]:
        async def handle(request: Request) -> JSONResponse:
            raw = await request.body()
            try:
                body = json.loads(raw) if raw.strip() else {}
                if not isinstance(body, dict):
                    raise BadControl("the body must be a JSON object")
                return JSONResponse({"ok": True, **fn(body)})
            except (BadControl, ValueError) as exc:
                return JSONResponse({"ok": False, "error": str(exc)}, status_code=400)

        return handle

    return [Route(f"/_sim/{name}", endpoint(fn), methods=["POST"]) for name, fn in handlers.items()]

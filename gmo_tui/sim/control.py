"""Test controls of the built-in exchange: JSON POSTs under ``/_sim/`` (404 unless enabled).

Never mixed with GMO's paths; every reply is ``{"ok": true, ...}``, or ``{"ok": false, "error":
...}`` with HTTP 400 for a bad body (every value is checked, see
:mod:`gmo_tui.sim.control_values`, and a refused call changes nothing), 403 for a client that is
neither on loopback nor sends the control token, 415 for a body that is not
``application/json`` (:mod:`gmo_tui.sim.control_access`). Unknown fields are refused. Controls:

=========================  =====================================================================
``/_sim/status``           ``{"status": "MAINTENANCE"|"PREOPEN"|"OPEN", "emergency"?: bool}``
                           (maintenance also ends every socket and token; ERR-5201, or ERR-5202
                           with ``"emergency": true``)
``/_sim/clock``            ``{"advance": seconds}``: move sim time forward, then run the
                           time-driven work (engine tick, token expiry, PERIODIC frames)
``/_sim/skew``             ``{"seconds": N}``: the server's clock runs N seconds ahead (negative:
                           behind) of real time; replaces the previous skew
``/_sim/delay``            ``{"ms": N}``: every REST reply waits N ms (after doing the work; at
                           most 60 s)
``/_sim/drop_sockets``     ``{}``: close every WebSocket (code 1012); replies ``{"dropped": n}``
``/_sim/silence``          ``{"all": bool, "channels": [...]}``: sockets stay open but send nothing
                           (whole socket, or only these channels); ``{}`` ends the silence
``/_sim/lose_next_order``  ``{}``: the next order/closeOrder/closeBulkOrder is placed, then the
                           connection is cut without a reply
``/_sim/fill_on_cancel``   ``{"orderId": N}``: the next cancelOrder of N finds it filled (ERR-5122)
``/_sim/chaos``            ``{"malformed": p, "out_of_order": p}``: WebSocket frames sent truncated
                           or swapped with the next one, with these probabilities
``/_sim/rates``            ``{"books_per_s", "trades_per_s", "tickers_per_s", "idle_factor"}``
                           (any subset; rates 0..10000 per second, ``idle_factor`` 0..1)
``/_sim/tier``             ``{"tier": 1|2, "apiKey"?}``: 20 or 30 requests/s, and ``tierLevel``
``/_sim/limits``           ``{"rest_per_s": N|null, "ws_commands_per_s": N}``: override the limits
``/_sim/fill``             ``{"orderId": N, "size"?: "0.1", "apiKey"?}``: force-fill a resting order
``/_sim/account``          ``{"apiKey", "apiSecret", "jpy"?}``: open another funded account/key
                           (``jpy`` a decimal string or number, 0..1e15)
``/_sim/reset_faults``     ``{}``: every fault off (delay, silence, chaos, lost reply, skew)
``/_sim/state``            ``{}``: status, sim time, connection and token counts
=========================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gmo_tui.exchange.codec import format_ts
from gmo_tui.exchange.enums import ExchangeStatus, PrivateChannel, PublicChannel
from gmo_tui.sim.control_access import refusal
from gmo_tui.sim.control_values import (
    MAX_ADVANCE_S,
    MAX_DELAY_MS,
    MAX_JPY,
    MAX_RATE,
    MAX_SIZE,
    MAX_SKEW_S,
    BadControl,
    amount,
    credential,
    flag,
    integer,
    names,
    number,
    only,
)
from gmo_tui.sim.replies import ApiFail, parse_object
from gmo_tui.sim.request_body import BodyLost, BodyTooLarge, read_body, too_large

if TYPE_CHECKING:
    from gmo_tui.sim.state import ApiAccount, SimState

CHANNELS = frozenset(c.value for c in PublicChannel) | frozenset(c.value for c in PrivateChannel)
RATE_NAMES = ("books_per_s", "trades_per_s", "tickers_per_s", "idle_factor")


def control_routes(state: SimState) -> list[Route]:
    def account(body: dict[str, Any]) -> ApiAccount:
        key = credential(body, "apiKey") if "apiKey" in body else state.api_key
        found = state.account_for_key(key)
        if found is None:
            raise BadControl("unknown apiKey")
        return found

    def status(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("status", "emergency"))
        raw = body.get("status")
        if not isinstance(raw, str) or raw not in {s.value for s in ExchangeStatus}:
            raise BadControl("`status` must be MAINTENANCE, PREOPEN or OPEN")
        value = ExchangeStatus(raw)
        state.set_status(value, emergency=flag(body, "emergency"))
        return {"status": value.value, "emergency": state.emergency}

    def clock(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("advance",))
        seconds = number(body, "advance", low=0, high=MAX_ADVANCE_S)
        if state.clock.advanced + seconds > MAX_ADVANCE_S:
            raise BadControl(f"the clock moves at most {MAX_ADVANCE_S} s ahead in all")
        state.clock.advance(seconds)
        state.pulse()
        return {"now": format_ts(state.clock.now())}

    def skew(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("seconds",))
        state.clock.set_skew(number(body, "seconds", low=-MAX_SKEW_S, high=MAX_SKEW_S))
        return {"now": format_ts(state.clock.now())}

    def delay(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("ms",))
        ms = int(number(body, "ms", low=0, high=MAX_DELAY_MS))
        state.faults.delay_ms = ms
        return {"ms": ms}

    def drop_sockets(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ())
        return {"dropped": state.hub.drop_all(code=1012, reason="dropped")}

    def silence(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("all", "channels"))
        channels = names(body, "channels", CHANNELS)
        silent_all = flag(body, "all")
        state.faults.silent_all = silent_all
        state.faults.silent_channels = channels
        return {"all": silent_all, "channels": sorted(channels)}

    def lose_next_order(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ())
        state.faults.lose_next_order = True
        return {}

    def fill_on_cancel(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("orderId",))
        order_id = integer(body, "orderId")
        state.faults.fill_on_cancel.add(order_id)
        return {"orderId": order_id}

    def chaos(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("malformed", "out_of_order"))
        malformed = number(body, "malformed", low=0, high=1, default=0.0)
        out_of_order = number(body, "out_of_order", low=0, high=1, default=0.0)
        if malformed + out_of_order > 1:
            raise BadControl("the probabilities must add up to at most 1")
        state.faults.chaos_malformed = malformed
        state.faults.chaos_out_of_order = out_of_order
        return {"malformed": malformed, "out_of_order": out_of_order}

    def rates(body: dict[str, Any]) -> dict[str, Any]:
        only(body, RATE_NAMES)
        # idle_factor is the share of those rates that symbols nobody watches get
        changes = {
            name: number(body, name, low=0, high=1 if name == "idle_factor" else MAX_RATE)
            for name in body
        }
        state.market.set_rates(state.market.rates.with_(**changes))
        current = state.market.rates
        return {
            "books_per_s": current.books_per_s,
            "trades_per_s": current.trades_per_s,
            "tickers_per_s": current.tickers_per_s,
            "idle_factor": current.idle_factor,
        }

    def tier(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("tier", "apiKey"))
        level = integer(body, "tier", low=1, high=2)
        account(body).tier = level
        return {"tier": level}

    def limits(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("rest_per_s", "ws_commands_per_s"))
        rest = state.limiter.override
        if "rest_per_s" in body:
            rest = (
                None if body["rest_per_s"] is None else integer(body, "rest_per_s", high=MAX_RATE)
            )
        ws = state.ws_commands_per_s
        if "ws_commands_per_s" in body:
            ws = number(body, "ws_commands_per_s", low=0, high=MAX_RATE, low_open=True)
        state.limiter.override, state.ws_commands_per_s = rest, ws
        return {"rest_per_s": rest, "ws_commands_per_s": ws}

    def fill(body: dict[str, Any]) -> dict[str, Any]:
        from gmo_tui.sim.engine import SimError

        only(body, ("orderId", "size", "apiKey"))
        order_id = integer(body, "orderId")
        size = amount(body, "size", low=Decimal(0), high=MAX_SIZE, positive=True)
        owner = account(body)
        try:
            state.engine.fill_order(owner.account_id, order_id, size)
        except SimError as exc:
            raise BadControl(f"{exc.code}: {exc.message}") from None
        return {"orderId": order_id}

    def open_account(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ("apiKey", "apiSecret", "jpy"))
        key, secret = credential(body, "apiKey"), credential(body, "apiSecret")
        jpy = amount(body, "jpy", low=Decimal(0), high=MAX_JPY)
        if state.account_for_key(key) is not None:
            raise BadControl("that apiKey exists already")
        state.add_account(key, secret, f"acct-{len(state.accounts)}", jpy=jpy)
        return {}

    def reset_faults(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ())
        state.faults.reset()
        state.clock.set_skew(0)
        state.limiter.override = None
        return {}

    def info(body: dict[str, Any]) -> dict[str, Any]:
        only(body, ())
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

    def refused(status_code: int, reason: str) -> JSONResponse:
        return JSONResponse({"ok": False, "error": reason}, status_code=status_code)

    def endpoint(
        fn: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def handle(request: Request) -> Response:
            denied = refusal(request, state.control_token)
            if denied is not None:
                return refused(*denied)
            try:
                raw = await read_body(request)
                body = parse_object(raw) if raw.strip() else {}
                return JSONResponse({"ok": True, **fn(body)})
            except ApiFail:
                return refused(400, "the body must be a JSON object")
            except BadControl as exc:
                return refused(400, str(exc))
            except BodyTooLarge:
                return too_large(state.clock.now())
            except BodyLost:
                return Response(status_code=400)  # nobody is left to read it

        return handle

    return [Route(f"/_sim/{name}", endpoint(fn), methods=["POST"]) for name, fn in handlers.items()]

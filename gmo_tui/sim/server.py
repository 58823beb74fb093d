"""The built-in exchange's ASGI application (Starlette).

:func:`create_app` wires GMO Coin's documented paths (public REST, private REST, both
WebSockets) and, only when control is enabled, the ``/_sim/`` test controls. Unknown paths answer
HTTP 404 (a method a path does not take: 405), both with GMO's error envelope and ERR-5204.
:class:`SimApp` is the outer ASGI callable: it refuses a request whose Content-Length is over the
body limit with HTTP 413 before any route runs (:mod:`gmo_tui.sim.request_body`), and hands the
connection's transport to the routes (so the "lost reply" fault can cut a connection without
answering).
"""

from __future__ import annotations

import socket
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from gmo_tui.sim.control import control_routes
from gmo_tui.sim.private_routes import TRANSPORT_KEY, private_routes
from gmo_tui.sim.public_routes import public_routes
from gmo_tui.sim.replies import fail
from gmo_tui.sim.request_body import declared_too_large, too_large
from gmo_tui.sim.state import SimState


def _nodelay(transport: Any) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            if not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class SimApp:
    """ASGI entry point around the Starlette app of one :class:`SimState`."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        routes: list[Any] = [
            *state.extra_routes,  # a market's own routes come first (a live feed's public REST)
            *public_routes(state),
            *private_routes(state),
            *state.hub.routes(),
        ]
        if state.control:
            routes += control_routes(state)
        self.starlette = Starlette(
            routes=routes, exception_handlers={404: self._no_route, 405: self._no_route}
        )

    async def _no_route(self, request: Request, exc: Exception) -> Response:
        known = exc if isinstance(exc, HTTPException) else HTTPException(404)
        return fail(
            self.state.clock.now(), "ERR-5204", http_status=known.status_code, headers=known.headers
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            if declared_too_large(scope):
                await too_large(self.state.clock.now())(scope, receive, send)
                return
            cycle = getattr(receive, "__self__", None)
            transport = getattr(cycle, "transport", None)
            if transport is not None:
                scope[TRANSPORT_KEY] = transport
                _nodelay(transport)
        await self.starlette(scope, receive, send)


def create_app(state: SimState | None = None, **options: Any) -> SimApp:
    """An app for ``state`` (or a new :class:`SimState` built from ``options``)."""
    return SimApp(state if state is not None else SimState(**options))

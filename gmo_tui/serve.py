"""``gmo-tui serve``: the app in a browser through ``textual-serve`` (each browser tab runs its
own app process).

* **Read-only by default**: each served app process runs with ``GMO_TUI_READ_ONLY=1`` and gets
  no API key (the key/secret variables are removed from its environment and ``run_app`` drops
  any credentials it finds), so it cannot place an order whatever its screens do;
  :func:`read_only_reason` is what the app shows in place of order entry.
* ``--allow-trading``: the app gets its credentials, and the page and its WebSocket answer only
  to the random token printed at start (``/?token=...``; the page sets it as a SameSite=Strict,
  HttpOnly cookie for the WebSocket). The token is compared in constant time.
* Loopback by default; any other host prints a warning (the stream is plain HTTP).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import secrets
import shlex
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from gmo_tui.i18n import N_, _

READ_ONLY_ENV = "GMO_TUI_READ_ONLY"
TOKEN_COOKIE = "gmo_tui_serve"
GUARDED = ("/", "/ws")
SECRET_ENV = ("GMO_API_KEY", "GMO_API_SECRET")


def read_only() -> bool:
    """True in an app process served without ``--allow-trading``."""
    return os.environ.get(READ_ONLY_ENV) == "1"


def read_only_reason() -> str | None:
    """Why order entry is off in this process (None when it is not: the app's setting)."""
    if read_only():
        return N_("Read-only: served to a browser without --allow-trading; order entry is disabled")
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(app_args: Sequence[str]) -> str:
    """The shell command textual-serve runs for each browser tab."""
    return shlex.join([sys.executable, "-m", "gmo_tui", *app_args])


def make_guard(token: str) -> Callable[..., Awaitable[Any]]:
    """An aiohttp middleware: the page and its WebSocket need ``token`` (query or cookie)."""
    from aiohttp import web

    @web.middleware
    async def guard(request: web.Request, handler: Callable[..., Awaitable[Any]]) -> Any:
        if request.path not in GUARDED:
            return await handler(request)
        given = request.query.get("token") or request.cookies.get(TOKEN_COOKIE) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return web.Response(status=403, text="gmo-tui serve: this URL needs its token\n")
        response = await handler(request)
        if request.path == "/" and isinstance(response, web.Response):
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="Strict")
        return response

    return guard


def build_server(
    host: str, port: int, app_args: Sequence[str], *, allow_trading: bool
) -> tuple[Any, str | None]:
    """The textual-serve server and the trading token (None when read-only)."""
    from textual_serve.server import Server

    token = secrets.token_urlsafe(24) if allow_trading else None

    from gmo_tui import redact

    redact.register_secret(token)

    class GuardedServer(Server):  # type: ignore[misc]
        def initialize_logging(self) -> None:
            super().initialize_logging()
            for handler in logging.getLogger().handlers:  # request lines carry the token
                handler.addFilter(redact.RedactingFilter())

        async def _make_app(self) -> Any:
            app = await super()._make_app()
            if token is not None:
                app.middlewares.append(make_guard(token))
            return app

    server = GuardedServer(app_command(app_args), host=host, port=port, title="gmo-tui")
    return server, token


def serve(host: str, port: int, app_args: Sequence[str], *, allow_trading: bool) -> None:
    """Serve until interrupted."""
    if allow_trading:
        os.environ.pop(READ_ONLY_ENV, None)
    else:
        os.environ[READ_ONLY_ENV] = "1"
        for name in SECRET_ENV:
            os.environ.pop(name, None)
    server, token = build_server(host, port, app_args, allow_trading=allow_trading)
    if not is_loopback(host):
        print(
            f"warning: serving on {host}, not loopback: anyone who can reach it sees the app "
            "(plain HTTP, not encrypted)",
            file=sys.stderr,
        )
    if token is not None:
        print(f"trading allowed; open http://{host}:{port}/?token={token}")
    else:
        print(f"read-only (order entry disabled); open http://{host}:{port}/")
    sys.stdout.flush()
    server.serve()


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("serve", help=_("serve the app to a browser (textual-serve)"))
    cmd.add_argument("--host", default="127.0.0.1", help=_("default 127.0.0.1 (loopback only)"))
    cmd.add_argument("--port", type=int, default=8000)
    cmd.add_argument(
        "--allow-trading",
        action="store_true",
        help=_("let the served app trade (the URL then needs the token printed at start)"),
    )


def run(args: Any) -> int:
    """``gmo-tui [--demo|--paper] [--symbol S] [--endpoint URL] serve ...``: the app options
    before ``serve`` are the served app's."""
    app_args: list[str] = []
    for flag, on in (("--demo", args.demo), ("--paper", args.paper)):
        if on:
            app_args.append(flag)
    for flag, value in (
        ("--symbol", args.symbol),
        ("--theme", args.theme),
        ("--endpoint", args.endpoint),
        ("--seed", args.seed),
    ):
        if value is not None:
            app_args += [flag, str(value)]
    try:
        serve(args.host, args.port, app_args, allow_trading=args.allow_trading)
    except ImportError:
        print("gmo-tui serve needs textual-serve: pip install 'gmo-tui[serve]'", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"gmo-tui serve: {exc}", file=sys.stderr)
        return 2
    return 0

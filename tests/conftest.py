"""Shared fixtures: the built-in exchange on loopback.

* ``sim``: a running :class:`gmo_tui.sim.runner.SimServer` on 127.0.0.1 (free port), seed 42,
  test controls enabled, quiet-ish market rates. ``sim.endpoint``, ``sim.api_key``,
  ``sim.api_secret``, ``sim.engine``, ``sim.clock``, and ``await sim.control(name, body)``
  (POST ``/_sim/<name>``; see :mod:`gmo_tui.sim.control` for the names).
* ``make_sim``: ``await make_sim(**options)`` starts another one with other options (for
  example ``frozen=True``, ``rates=MarketRates.busy()``, ``control=False``); all are stopped
  after the test.

Both use the session's canary credentials (:mod:`tests.canary`) unless told otherwise; the
canary plugin fails the run if any piece of them, or of any WS token, shows up anywhere.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

# no test reads or writes the machine's own keyring: the keys tests set their own backend
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

pytest.register_assert_rewrite("tests.canary")

from tests.canary import CANARY_KEY, CANARY_SECRET  # noqa: E402

pytest_plugins = ["tests.canary"]

SIM_DEFAULTS: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 0,
    "seed": 42,
    "control": True,
    "api_key": CANARY_KEY,
    "api_secret": CANARY_SECRET,
}


def _quiet_rates() -> Any:
    from gmo_tui.sim.market import MarketRates

    return MarketRates(books_per_s=2, trades_per_s=1, tickers_per_s=1)


@pytest.fixture
async def sim() -> AsyncIterator[Any]:
    from gmo_tui.sim.runner import SimServer

    server = SimServer(**SIM_DEFAULTS, rates=_quiet_rates())
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def make_sim() -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    from gmo_tui.sim.runner import SimServer

    servers: list[Any] = []

    async def factory(**options: Any) -> Any:
        settings = {**SIM_DEFAULTS, **options}
        if "rates" not in settings and not settings.get("frozen"):
            settings["rates"] = _quiet_rates()
        server = SimServer(**settings)
        await server.start()
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in servers:
            await server.stop()

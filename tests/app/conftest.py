"""Fixtures of the app tests: the app wired to the built-in exchange, and a polling helper."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gmo_tui.app import GmoTuiApp
from gmo_tui.config import Settings
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's config, themes or credentials."""
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GMO_TUI_LOG_DIR", str(tmp_path / "log"))
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path / "data"))
    for var in (
        "GMO_API_KEY",
        "GMO_API_SECRET",
        "GMO_TUI_SYMBOL",
        "GMO_TUI_THEME",
        "GMO_TUI_ENDPOINT",
        "GMO_TUI_LANGUAGE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANGUAGE", "en")  # English on any machine unless a test asks


@pytest.fixture(autouse=True)
def _restore_logging():
    """`setup_logging` (the CLI, the config tests) adds a root handler: undo it after each test."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {n: logging.getLogger(n).level for n in ("httpx", "httpcore", "websockets")}
    yield
    for handler in [h for h in root.handlers if h not in saved[0]]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture(autouse=True)
def _no_idle_heuristic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pilot waits for "CPU idle" after each key; with the exchange in the same process that
    costs up to a second a key. Tests poll for the conditions they need instead."""
    import textual.app
    import textual.pilot

    async def settle(min_sleep: float = 0, max_sleep: float = 1) -> None:
        await asyncio.sleep(0.002)

    monkeypatch.setattr(textual.app, "wait_for_idle", settle)
    monkeypatch.setattr(textual.pilot, "wait_for_idle", settle)


FAST_WS_INTERVAL = 0.02


@pytest.fixture
async def sim(sim: Any) -> Any:
    """The shared exchange fixture, allowing fast WebSocket commands (the app is told to pace
    at FAST_WS_INTERVAL instead of GMO's one a second)."""
    # the test's own REST client shares the account's budget with the app: give it room
    await sim.control("limits", {"ws_commands_per_s": 200, "rest_per_s": 60})
    return sim


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., GmoTuiApp]:
    def factory(
        sim: Any, *, symbol: str = "BTC_JPY", credentials: bool = True, **settings: Any
    ) -> GmoTuiApp:
        creds = Credentials(sim.api_key, sim.api_secret, source="test") if credentials else None
        options = {
            "endpoint": sim.endpoint,
            "symbol": symbol,
            "bell": False,
            "ws_command_interval": FAST_WS_INTERVAL,
            **settings,
        }
        return GmoTuiApp(
            Settings(**options),
            creds,
            mode="DEMO",
            journal_path=str(tmp_path / "journal.sqlite"),
        )

    return factory


@pytest.fixture
async def rest(sim: Any):
    client = GmoRestClient(sim.endpoint, Credentials(sim.api_key, sim.api_secret))
    try:
        yield client
    finally:
        await client.aclose()


def orders_listed(app: Any, n: int, symbol: str = "BTC_JPY") -> bool:
    """The Orders table lists exactly the ``n`` orders the exchange acknowledged, by their
    order ids (an order still on its way is listed under its intent's id first, and the table
    follows the model at a coalesced rate: a row count alone can be a moment old)."""
    from gmo_tui.widgets.orders_table import OrdersTable

    table = app.main.query_one(OrdersTable)
    acknowledged = app.session.service.tracker.active(symbol, include_in_flight=False)
    ids = sorted(str(order.order_id) for order in acknowledged)
    return len(ids) == n and sorted(table.keys()) == ids


async def wait_for(
    pilot: Any, predicate: Callable[[], Any], what: str = "condition", timeout: float = 8.0
) -> Any:
    """Poll ``predicate`` (letting the app run) until it is truthy; fail after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def wait_ready(pilot: Any, app: GmoTuiApp, *, trading: bool = True) -> None:
    """The book is on screen and (with credentials) order entry is enabled."""
    await wait_for(
        pilot,
        lambda: app.session.books[app.session.symbol].snapshots > 0 and app.session.rules,
        "book and rules",
    )
    if trading:
        await wait_for(
            pilot,
            lambda: app.session.service is not None and app.session.service.gates.enabled,
            "order entry",
        )


def tick_price(app: GmoTuiApp, price: Decimal, ticks: int) -> Decimal:
    rule = app.session.rules[app.session.symbol]
    return price + rule.tick_size * ticks


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*list(text))


async def replace_input(pilot: Any, text: str) -> None:
    """Clear the focused Input and type ``text`` (home, delete to the end, type)."""
    await pilot.press("home", "ctrl+k")
    await type_text(pilot, text)


async def focus_to(pilot: Any, app: GmoTuiApp, key: str, widget_id: str) -> None:
    """Press ``key`` and wait until the widget ``widget_id`` has the focus."""
    await pilot.press(key)
    await wait_for(
        pilot,
        lambda: app.focused is not None and app.focused.id == widget_id,
        f"focus on #{widget_id}",
    )

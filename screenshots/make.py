"""Make the README's SVG screenshots from the demo: `python screenshots/make.py`.

Starts the built-in exchange as `gmo-tui --demo` does (its own thread, the demo market shaped by
the shipped recording, `gmo_tui/record/demo_market.py`; seed 42), opens orders and positions on
BTC_JPY and ETH_JPY on the demo account, then drives the app headless (every symbol listed, `*`;
config and data in a temporary directory, never the user's) and saves each screen as an SVG next
to this script.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from gmo_tui.app import GmoTuiApp  # noqa: E402
from gmo_tui.config import Settings  # noqa: E402
from gmo_tui.exchange.auth import Credentials  # noqa: E402
from gmo_tui.exchange.rest import GmoRestClient  # noqa: E402
from gmo_tui.record.demo_market import demo_market  # noqa: E402
from gmo_tui.screens.confirm import ConfirmScreen  # noqa: E402
from gmo_tui.sim.runner import SimThread  # noqa: E402
from gmo_tui.view_state import ViewState, save_view_state  # noqa: E402

Step = Callable[[object, GmoTuiApp], Awaitable[None]]


async def until(pilot, predicate, what: str = "", timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError(f"the demo did not get there in time: {what}")
        await pilot.pause(0.05)


async def seed_account(endpoint: str, key: str, secret: str) -> None:
    async with GmoRestClient(endpoint, Credentials(key, secret)) as rest:
        book = await rest.get_orderbook("BTC_JPY")
        await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.02"))
        await rest.place_order(
            "BTC_JPY", "SELL", "LIMIT", Decimal("0.01"), price=book.asks[-1].price
        )
        await rest.place_order(
            "BTC_JPY", "BUY", "LIMIT", Decimal("0.03"), price=book.bids[-1].price
        )
        eth = await rest.get_orderbook("ETH_JPY")
        await rest.place_order("ETH_JPY", "SELL", "MARKET", Decimal("0.2"))
        await rest.place_order("ETH_JPY", "BUY", "LIMIT", Decimal("0.5"), price=eth.bids[-1].price)


async def ready(pilot, app: GmoTuiApp) -> None:
    book, tape = app.session.books[app.session.symbol], app.session.tapes[app.session.symbol]
    await until(pilot, lambda: book.snapshots > 3 and len(tape) > 10, "book and tape")
    await until(pilot, lambda: app.main.query_one("#chart").candles, "candles")
    await until(
        pilot,
        lambda: app.session.service is not None and app.session.service.gates.enabled,
        "trading",
    )
    await until(pilot, lambda: app.main.query_one("#orders-table").row_count >= 2, "orders")
    await until(
        pilot,
        lambda: (
            sum(not r.provisional for r in app.session.watchlist.rows())
            >= len(app.session.rules) - 1
        ),
        "24h changes",
    )
    app.clear_notifications()
    await pilot.pause(0.5)


async def nothing(pilot, app: GmoTuiApp) -> None:
    return None


async def ticket(pilot, app: GmoTuiApp) -> None:
    await pilot.press("b")
    await pilot.pause(0.3)
    await pilot.press(*"0.05")
    await pilot.pause(0.3)


async def confirm(pilot, app: GmoTuiApp) -> None:
    await ticket(pilot, app)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
    await pilot.pause(0.3)


def account(tab: str) -> Step:
    async def step(pilot, app: GmoTuiApp) -> None:
        app.main.show_pane("account")
        app.main.query_one("#account").active = tab
        await pilot.pause(0.5)

    return step


async def help_screen(pilot, app: GmoTuiApp) -> None:
    await pilot.press("question_mark")
    await pilot.pause(0.3)


SHOTS: list[tuple[str, tuple[int, int], Step]] = [
    ("main-160x48", (160, 48), nothing),
    ("main-80x24", (80, 24), nothing),
    ("ticket", (100, 30), ticket),
    ("confirm", (100, 30), confirm),
    ("help", (100, 36), help_screen),
    *[
        (f"account-{tab}", (120, 30), account(tab))
        for tab in ("positions", "orders", "executions", "assets", "margin", "account", "history")
    ],
]


async def shoot(
    sim: SimThread, name: str, size: tuple[int, int], step: Step, workdir: Path
) -> Path:
    app = GmoTuiApp(
        Settings(endpoint=sim.endpoint, symbol="BTC_JPY", bell=False, theme="gmo-dark"),
        Credentials(sim.api_key, sim.api_secret, source="demo"),
        mode="DEMO",
        journal_path=str(workdir / f"{name}.sqlite"),
    )
    path = HERE / f"{name}.svg"
    async with app.run_test(size=size) as pilot:
        await ready(pilot, app)
        await step(pilot, app)
        app.save_screenshot(filename=path.name, path=str(HERE))
        await app.shutdown()
    return path


def main() -> int:
    sim = SimThread(host="127.0.0.1", port=0, seed=42, market=demo_market())
    sim.start()
    try:
        asyncio.run(seed_account(sim.endpoint, sim.api_key, sim.api_secret))
        with tempfile.TemporaryDirectory() as tmp:
            for name in ("CONFIG", "DATA", "LOG"):
                os.environ[f"GMO_TUI_{name}_DIR"] = str(Path(tmp) / name.lower())
            save_view_state(ViewState(all_symbols=True))
            for name, size, step in SHOTS:
                path = asyncio.run(shoot(sim, name, size, step, Path(tmp)))
                print(f"wrote {path.relative_to(HERE.parent)}")
    finally:
        sim.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

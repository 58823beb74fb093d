"""A tiny app process for the crash tests: places one order through the trading service and
SIGKILLs itself at the stage named by ``GMO_TUI_CRASH_AT`` ("journaled", "sent", "replied"),
or ``GMO_TUI_KILL_AFTER_S`` seconds after the request went out (while its reply is delayed).
With ``GMO_TUI_WAIT_GO`` set it prints ``READY`` once started and sends the order only after a
line on stdin (so the test can set the exchange's faults between the two).

Usage: python crash_child.py ENDPOINT JOURNAL_PATH SIDE SIZE PRICE_OFFSET (the API key and
secret come in the environment, ``GMO_TUI_API_KEY`` / ``GMO_TUI_API_SECRET``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from decimal import Decimal

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.market.book import Books
from gmo_tui.market.fills import FillLedger
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.orders import OrderTracker
from gmo_tui.market.safety import SafetyLimits
from gmo_tui.trading.gates import Gate
from gmo_tui.trading.journal import Journal
from gmo_tui.trading.service import TradingService


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def crash_hook(stage: str, intent_id: int) -> None:
    if os.environ.get("GMO_TUI_CRASH_AT") == stage:
        _die()
    after = os.environ.get("GMO_TUI_KILL_AFTER_S")
    if after and stage == "sending":
        threading.Timer(float(after), _die).start()


async def main(endpoint: str, journal_path: str, side: str, size: str, offset: str) -> None:
    credentials = Credentials(os.environ["GMO_TUI_API_KEY"], os.environ["GMO_TUI_API_SECRET"])
    async with GmoRestClient(endpoint, credentials) as rest:
        rules = {r.symbol: r for r in await rest.get_symbols()}
        books = Books()
        books.apply(await rest.get_orderbook("BTC"), time.time())
        service = TradingService(
            rest,
            tracker=OrderTracker(),
            fills=FillLedger(),
            books=books,
            rules=rules,
            limits=SafetyLimits(),
            journal=Journal(journal_path),
            stage_hook=crash_hook,
        )
        for gate in (Gate.RULES, Gate.BOOK, Gate.PRIVATE_STREAM):  # what the app opens
            service.set_gate(gate, True)
        await service.start()
        if os.environ.get("GMO_TUI_WAIT_GO"):
            print("READY", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
        price = books["BTC"].best_bid - Decimal(offset)
        result = await service.submit(
            OrderIntent("BTC", Side(side), ExecutionType.LIMIT, Decimal(size), price)
        )
        print(result.outcome.value, result.order_id, flush=True)
        await service.aclose()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))

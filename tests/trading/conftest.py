"""Fixtures of the trading-service tests: a service wired to the built-in exchange.

``trading`` builds a :class:`TradingService` on a real :class:`GmoRestClient` talking to the
``sim`` fixture over loopback, through a transport that counts every request by path (so a test
can prove that nothing reached the exchange), with a fresh order tracker, fills ledger, books,
the exchange's symbol rules, default safety limits and a journal in ``tmp_path``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.market.book import Books
from gmo_tui.market.fills import Fill, FillLedger
from gmo_tui.market.orders import OrderTracker
from gmo_tui.market.safety import SafetyLimits
from gmo_tui.trading.gates import EntryGates, Gate
from gmo_tui.trading.journal import Journal
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.results import TradingNotice
from gmo_tui.trading.service import TradingService

FAST_POLLS = (0.05, 0.1, 0.2, 0.4)


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts requests by (method, path) and the error codes of the replies (``codes``)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.calls: Counter[tuple[str, str]] = Counter()
        self.codes: Counter[str] = Counter()
        self.latencies: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[(request.method, request.url.path)] += 1
        started = time.monotonic()
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.latencies.append(time.monotonic() - started)
        for code in re.findall(rb'"message_code":\s*"(ERR-\d+)"', body):
            self.codes[code.decode()] += 1
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"]
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def posts(self) -> int:
        return sum(n for (method, _), n in self.calls.items() if method == "POST")

    def private(self) -> int:
        return sum(n for (_, path), n in self.calls.items() if path.startswith("/private/"))


@dataclass
class RecordingListener:
    """A :class:`TradingListener` that keeps everything it is told."""

    notices: list[TradingNotice] = field(default_factory=list)
    fills: list[tuple[Fill, FillSource]] = field(default_factory=list)
    parts: list[AccountPart] = field(default_factory=list)
    entry: list[bool] = field(default_factory=list)

    def on_notice(self, notice: TradingNotice) -> None:
        self.notices.append(notice)

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        self.fills.append((fill, source))

    def on_account_changed(self, part: AccountPart) -> None:
        self.parts.append(part)

    def on_entry_changed(self, gates: EntryGates) -> None:
        self.entry.append(gates.enabled)


def open_app_gates(service: TradingService) -> None:
    """What the app's session opens: rules loaded, book live, private stream live."""
    for gate in (Gate.RULES, Gate.BOOK, Gate.PRIVATE_STREAM):
        service.set_gate(gate, True)


@dataclass
class Rig:
    sim: Any
    rest: GmoRestClient
    transport: CountingTransport
    service: TradingService
    journal: Journal
    listener: RecordingListener

    @property
    def notices(self) -> list[TradingNotice]:
        return self.listener.notices

    @property
    def account(self) -> Any:
        return self.sim.engine._accounts["demo"]

    def exchange_orders(self, symbol: str | None = None) -> list[Any]:
        """Every order the exchange has received for the demo account (any state)."""
        return [o for o in self.account.orders.values() if symbol is None or o.symbol == symbol]

    async def refresh_book(self, symbol: str) -> Any:
        book = await self.rest.get_orderbook(symbol)
        return self.service.books.apply(book, time.time())

    def kinds(self) -> list[str]:
        return [n.kind.value for n in self.notices]


async def build_rig(sim: Any, journal_path: Any, *, timeout: float = 10.0, **options: Any) -> Rig:
    transport = CountingTransport()
    rest = GmoRestClient(
        sim.endpoint,
        Credentials(sim.api_key, sim.api_secret, "test"),
        transport=transport,
        timeout=timeout,
    )
    rules = {r.symbol: r for r in await rest.get_symbols()}
    journal = Journal(journal_path)
    listener = RecordingListener()
    settings: dict[str, Any] = {
        "tracker": OrderTracker(),
        "fills": FillLedger(),
        "books": Books(),
        "rules": rules,
        "limits": SafetyLimits(),
        "journal": journal,
        "listener": listener,
        "resolve_delays": FAST_POLLS,
        "status_poll_interval": 0.05,
    }
    settings.update(options)
    service = TradingService(rest, **settings)
    open_app_gates(service)
    transport.calls.clear()
    return Rig(sim, rest, transport, service, journal, listener)


@pytest.fixture
async def rig(sim: Any, tmp_path: Any):
    r = await build_rig(sim, tmp_path / "journal.sqlite3")
    await r.service.start()
    try:
        yield r
    finally:
        await r.service.aclose()
        await r.rest.aclose()
        r.journal.close()

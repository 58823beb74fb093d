"""Rate-limit burst benchmark: 100 orders through the trading service + 100 private GETs at
once against the built-in exchange; no ERR-5003, and the share of the exchange's maximum.

The exchange (:class:`bench.harness.Sim`: ``SimServer`` in its own process on a free loopback
port, quiet market: 2 books, 1 trade, 1 ticker a second per symbol) enforces GMO Coin's tier-1
limits, 20 GET/s and 20 POST/s per key in rolling one-second windows, answering ERR-5003 beyond
them. The app side is wired as in the app: a :class:`GmoRestClient` on the demo account's key
(its :class:`RateLimiter` shared by every caller) and a :class:`TradingService` with its journal,
tracker, books and default safety limits.

Each run waits 1.1 s (empty windows), then fires at once 100 ``service.submit`` of distinct
LIMIT BUY orders (BTC and ETH alternately, 0.3 % + 10..59 ticks under the best bid, so nothing
fills) and 100 GETs (``activeOrders`` and ``latestExecutions`` alternately, on both symbols).
The makespan is from the burst's start until the last reply; the exchange's minimum is 4.0 s
(the 100th request of a budget may start 4 windows after the first), so the share of its
maximum is ``4.0 / makespan``. ERR-5003 replies are counted at the client's transport. After
the burst the active orders of both symbols are read back (they must be exactly the accepted
ones, each once) and cancelled with one ``cancelBulkOrder``.

Run: ``.venv/bin/python -m bench.rate_burst [--runs 10] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.harness import Sim
from bench.report import emit, percentile, summary
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
from gmo_tui.trading.results import Outcome
from gmo_tui.trading.service import TradingService

PER_SECOND = 20  # tier 1, per budget (GET and POST)
POSTS = GETS = 100
EXCHANGE_MINIMUM_S = (POSTS // PER_SECOND - 1) * 1.0  # 4.0 s
SYMBOLS = ("BTC", "ETH")
SIZE = {"BTC": Decimal("0.001"), "ETH": Decimal("0.01")}
BELOW_TOUCH = Decimal("0.003")  # far enough under the best bid that nothing fills
ERROR_CODE = re.compile(rb'"message_code":\s*"(ERR-\d+)"')


class CountingTransport(httpx.AsyncBaseTransport):
    """Counts private requests and the error codes of the replies; records each round trip."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.private = 0
        self.codes: Counter[str] = Counter()
        self.round_trips: list[float] = []

    def reset(self) -> None:
        self.private = 0
        self.codes.clear()
        self.round_trips.clear()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        private = request.url.path.startswith("/private/")
        started = time.monotonic()
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        if private:
            self.private += 1
            self.round_trips.append(time.monotonic() - started)
        for code in ERROR_CODE.findall(body):
            self.codes[code.decode()] += 1
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-encoding"]
        return httpx.Response(response.status_code, headers=headers, content=body, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def _active_ids(rest: GmoRestClient) -> list[int]:
    ids: list[int] = []
    for symbol in SYMBOLS:
        page = await rest.get_active_orders(symbol, count=100)
        ids += [int(o.order_id) for o in page.list]
    return ids


async def one_run(rest: GmoRestClient, service: TradingService, transport: Any) -> dict:
    orders = []
    for symbol in SYMBOLS:
        book = service.books.apply(await rest.get_orderbook(symbol), time.time())
        tick = service.rules[symbol].tick_size
        top = (book.best_bid * (1 - BELOW_TOUCH)).quantize(tick)
        orders.append([(symbol, top - tick * (10 + i)) for i in range(POSTS // 2)])
    intents = [
        OrderIntent(s, Side.BUY, ExecutionType.LIMIT, SIZE[s], price)
        for pair in zip(*orders, strict=True)
        for s, price in pair
    ]
    gets = [rest.get_active_orders, rest.get_latest_executions]
    # the bench account starts with open orders of its own (so the app's panes are live in the
    # app benches): the burst's are the ones that were not there before
    before = set(await _active_ids(rest))
    await asyncio.sleep(1.1)  # empty rate windows
    transport.reset()
    started = time.monotonic()
    results = await asyncio.gather(
        *(service.submit(intent) for intent in intents),
        *(gets[i % 2](SYMBOLS[(i // 2) % 2]) for i in range(GETS)),
        return_exceptions=True,
    )
    makespan = time.monotonic() - started
    submitted = results[:POSTS]
    get_failures = sum(isinstance(r, BaseException) for r in results[POSTS:])
    accepted = [r.order_id for r in submitted if getattr(r, "outcome", None) is Outcome.ACCEPTED]
    not_accepted = [
        str(r) for r in submitted if getattr(r, "outcome", None) is not Outcome.ACCEPTED
    ]
    err_5003 = transport.codes["ERR-5003"]
    private = transport.private
    round_trips = list(transport.round_trips)
    on_exchange = [i for i in await _active_ids(rest) if i not in before]
    cancelled = await rest.cancel_bulk_order(list(SYMBOLS))
    left = await _active_ids(rest)
    return {
        "makespan_s": round(makespan, 3),
        "percent_of_exchange_max": round(100 * EXCHANGE_MINIMUM_S / makespan, 1),
        "err_5003": err_5003,
        "private_requests": private,
        "orders_placed": len(accepted),
        "orders_on_exchange": len(on_exchange),
        "same_orders": sorted(on_exchange) == sorted(accepted),
        "not_accepted": not_accepted[:5],
        "get_failures": get_failures,
        "round_trip_ms_p50": round(1000 * statistics.median(round_trips), 1),
        "round_trip_ms_p90": round(1000 * percentile(round_trips, 90), 1),
        "cancelled_after": len(cancelled or ()),
        "left_after_cancel": len(left),
    }


async def run(runs: int, endpoint: str, key: str, secret: str, journal_dir: Path) -> list[dict]:
    transport = CountingTransport()
    rest = GmoRestClient(endpoint, Credentials(key, secret, "bench"), transport=transport)
    journal = Journal(journal_dir / "journal.sqlite3")
    service = TradingService(
        rest,
        tracker=OrderTracker(),
        fills=FillLedger(),
        books=Books(),
        rules={r.symbol: r for r in await rest.get_symbols()},
        limits=SafetyLimits(),
        journal=journal,
    )
    for gate in (Gate.RULES, Gate.BOOK, Gate.PRIVATE_STREAM):  # what the app opens
        service.set_gate(gate, True)
    await service.start()
    out = []
    try:
        for n in range(runs):
            result = await one_run(rest, service, transport)
            print(
                f"run {n + 1}: {result['makespan_s']:.2f}s -> "
                f"{result['percent_of_exchange_max']:.1f}% of the exchange's maximum, "
                f"ERR-5003 {result['err_5003']}, orders {result['orders_placed']} placed / "
                f"{result['orders_on_exchange']} on the exchange, round trip p50 "
                f"{result['round_trip_ms_p50']} ms",
                flush=True,
            )
            out.append(result)
    finally:
        await service.aclose()
        await rest.aclose()
        journal.close()
    return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    with Sim(books=2, trades=1, tickers=1) as sim, tempfile.TemporaryDirectory() as tmp:
        runs = asyncio.run(run(args.runs, sim.endpoint, sim.api_key, sim.api_secret, Path(tmp)))
    percents = [r["percent_of_exchange_max"] for r in runs]
    ok = all(
        r["err_5003"] == 0
        and r["orders_placed"] == r["orders_on_exchange"] == POSTS
        and r["same_orders"]
        and r["private_requests"] == POSTS + GETS
        and r["get_failures"] == 0
        for r in runs
    )
    result = {
        "burst": f"{POSTS} service submits (POST) + {GETS} GETs at once, tier 1 (20 + 20 /s)",
        "exchange_minimum_s": EXCHANGE_MINIMUM_S,
        "runs": len(runs),
        "makespan_s": [r["makespan_s"] for r in runs],
        "percent_of_exchange_max": {k: round(v, 1) for k, v in summary(percents).items()},
        "err_5003_total": sum(r["err_5003"] for r in runs),
        "orders_placed": sum(r["orders_placed"] for r in runs),
        "orders_on_exchange": sum(r["orders_on_exchange"] for r in runs),
        "target_percent": 90,
        "ok": ok and min(percents, default=0) >= 90,
        "per_run": runs,
    }
    emit("rate_burst", result, args.json)
    return result


if __name__ == "__main__":
    main()

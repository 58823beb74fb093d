"""The synthetic market: deterministic per seed, deep books, configurable rates, modest CPU."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.state import SimState
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES
from tests.sim.test_server_support import Gmo, connect, recv_json


def snapshot(state: SimState) -> list:
    return [
        (s, state.engine.orderbook(s), state.engine.trades(s, 1, 20))
        for s in ("BTC", "XRP", "ETH_JPY")
    ]


def test_same_seed_same_market_moves() -> None:
    rates = MarketRates(books_per_s=5, trades_per_s=5, tickers_per_s=0, idle_factor=1.0)
    one, two, other = (
        SimState(seed=3, rates=rates),
        SimState(seed=3, rates=rates),
        SimState(seed=4, rates=rates),
    )
    for state in (one, two, other):
        for _ in range(10):
            state.market.step(0.5)
    prices = [
        [(b.asks[0].price, b.bids[0].price) for _, b, _ in snapshot(s)] for s in (one, two, other)
    ]
    assert prices[0] == prices[1]
    assert prices[0] != prices[2]
    assert one.market.trades == two.market.trades > 50


def test_books_stay_deep_and_near_the_reference() -> None:
    state = SimState(
        seed=42,
        rates=MarketRates(books_per_s=10, trades_per_s=20, tickers_per_s=0, idle_factor=1.0),
    )
    for _ in range(10):
        state.market.step(0.5)
    for symbol in SYMBOL_RULES:
        book = state.engine.orderbook(symbol)
        assert len(book.asks) >= 20 and len(book.bids) >= 20, symbol
        assert book.bids[0].price < book.asks[0].price
        mid = (book.asks[0].price + book.bids[0].price) / 2
        assert abs(mid / REFERENCE_PRICES[symbol] - 1) < Decimal("0.05"), symbol
        tick = SYMBOL_RULES[symbol].tick_size
        assert all(level.price % tick == 0 for level in book.asks + book.bids)


def test_frozen_market_never_steps() -> None:
    state = SimState(seed=42, frozen=True)
    before = snapshot(state)
    state.market.step(10.0)
    state.pulse()
    assert snapshot(state) == before


async def test_hundreds_of_trades_per_second_and_coalesced_books(make_sim) -> None:
    sim = await make_sim(rates=MarketRates(books_per_s=4, trades_per_s=300, tickers_per_s=1))
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "trades", "symbol": "BTC"}))
        await ws.send(
            json.dumps({"command": "subscribe", "channel": "orderbooks", "symbol": "BTC"})
        )
        await recv_json(ws)
        counts = {"trades": 0, "orderbooks": 0}
        began = time.perf_counter()
        while time.perf_counter() - began < 1.0:
            frame = await recv_json(ws)
            counts[frame["channel"]] += 1
    assert counts["trades"] >= 100
    assert 2 <= counts["orderbooks"] <= 7  # 4 per second, coalesced however many prints


async def test_idle_server_uses_little_cpu(make_sim) -> None:
    await make_sim(rates=MarketRates())
    await asyncio.sleep(0.2)
    cpu = time.process_time()
    await asyncio.sleep(0.6)
    assert time.process_time() - cpu < 0.2


async def test_public_output_only_for_subscribed_symbols(sim) -> None:
    await sim.control("limits", {"ws_commands_per_s": 100})
    await sim.control("rates", {"trades_per_s": 50, "idle_factor": 1.0})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        await ws.send(json.dumps({"command": "subscribe", "channel": "trades", "symbol": "XRP"}))
        symbols = {(await recv_json(ws))["symbol"] for _ in range(30)}
    assert symbols == {"XRP"}


async def test_a_user_sweeping_the_book_is_replenished(sim) -> None:
    await sim.control("rates", {"trades_per_s": 0, "books_per_s": 0})  # nothing else moves
    async with Gmo(sim) as gmo:
        before = (await gmo.public("/v1/orderbooks", symbol="ETH"))["data"]
        depth = sum(Decimal(level["size"]) for level in before["asks"][:12])
        reply = await gmo.post(
            "/v1/order",
            {"symbol": "ETH", "side": "BUY", "executionType": "MARKET", "size": str(depth)},
        )
        assert reply["status"] == 0, reply
        fills = (await gmo.get("/v1/executions", orderId=reply["data"]))["data"]["list"]
        assert len({f["price"] for f in fills}) >= 12  # the sweep really took a dozen levels
        for _ in range(50):
            book = (await gmo.public("/v1/orderbooks", symbol="ETH"))["data"]
            if len(book["asks"]) >= 20:
                break
            await asyncio.sleep(0.02)
        assert len(book["asks"]) >= 20 and len(book["bids"]) >= 20

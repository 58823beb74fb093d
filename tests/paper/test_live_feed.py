"""Paper trading on a live feed: a running built-in exchange is the "live" public source."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import websockets

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import OrderStatus, Side
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.sim.live_feed import live_feed_market
from gmo_tui.sim.market import MarketRates

D = Decimal


async def _until(check, what: str, timeout: float = 10.0) -> None:
    for _ in range(int(timeout / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_paper_forwards_the_live_feed_and_fills_on_its_prints(make_sim) -> None:
    # a still market (nothing moves unless traded), so the test's own prints are the only ones
    still = MarketRates(books_per_s=0, trades_per_s=0, tickers_per_s=0, idle_factor=0)
    live = await make_sim(rates=still, ws_commands_per_s=100)
    paper = await make_sim(
        market=live_feed_market(live.endpoint, command_interval=0.02), ws_commands_per_s=100
    )
    feed = paper.state.market
    url = paper.endpoint.replace("http://", "ws://") + "/ws/public/v1"
    async with (
        websockets.connect(url) as ws,
        GmoRestClient(live.endpoint, Credentials(live.api_key, live.api_secret)) as market,
        GmoRestClient(paper.endpoint, Credentials(paper.api_key, paper.api_secret)) as account,
    ):
        for channel in ("orderbooks", "trades"):
            await ws.send(json.dumps({"command": "subscribe", "channel": channel, "symbol": "BTC"}))
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert first["channel"] == "orderbooks" and first["symbol"] == "BTC"

        # public REST is the live exchange's
        live_book = await market.get_orderbook("BTC")
        assert (await account.get_orderbook("BTC")).bids == live_book.bids
        assert [r.symbol for r in await account.get_symbols()] == [
            r.symbol for r in await market.get_symbols()
        ]
        bid, ahead = live_book.bids[0].price, live_book.bids[0].size

        order_id = await account.place_order("BTC", "BUY", "LIMIT", D("0.01"), price=bid)

        # a live print at the bid smaller than the queue ahead: no paper fill
        await market.place_order("BTC", "SELL", "MARKET", ahead - D("0.005"))

        async def shrunk() -> bool:
            return feed.view.level_size("BTC", Side.BUY, bid) == D("0.005")

        await _until(shrunk, "the live book to reach the paper exchange")
        await asyncio.sleep(0.2)
        (order,) = await account.get_orders([order_id])
        assert order.status is OrderStatus.ORDERED and order.executed_size == 0

        # the queue goes, and a print trades through the bid: the paper order fills, at its price
        await market.place_order("BTC", "SELL", "MARKET", D("0.01"))

        async def filled() -> bool:
            (order,) = await account.get_orders([order_id])
            return order.status is OrderStatus.EXECUTED

        await _until(filled, "the paper fill")
        (execution,) = await account.get_executions(order_id=order_id)
        assert (execution.price, execution.size) == (bid, D("0.01"))
        # the live exchange knows nothing of the paper order
        assert not (await market.get_active_orders("BTC")).list
    async with httpx.AsyncClient(base_url=paper.endpoint) as client:
        assert (await client.get("/public/v1/status")).json()["data"]["status"] == "OPEN"

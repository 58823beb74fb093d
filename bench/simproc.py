"""The built-in exchange as a separate process, instrumented for the benchmarks.

Run by :class:`bench.harness.Sim` as ``python -m bench.simproc --seed 42 [--frozen] ...``. It
serves :class:`gmo_tui.sim.runner.SimServer` (with the ``/_sim/`` controls) and prints one JSON
line ``{"endpoint", "api_key", "api_secret", "pid"}``. Then it takes JSON commands, one a line,
on stdin and answers each with one JSON line on stdout:

* ``{"cmd": "mark_trade", "symbol": "BTC", "size": "7.0123"}``: push a ``trades`` frame with this
  (unique) size at the last price to every subscriber, through the hub's own send path; the
  answer carries ``sent``: ``time.monotonic()`` just before the frame went to the socket.
* ``{"cmd": "bump_level", "symbol": "BTC", "side": "BUY", "index": 2, "size": "0.3333"}``: rest a
  limit order of ``size`` at the ``index``-th level of that side (a house account), cancelling
  the previous bump; the answer has ``price``, the level's new ``total`` and ``sent``: when the
  next ``orderbooks`` frame of that symbol went out.
* ``{"cmd": "rates", "books_per_s": 10, ...}``: the market's per-symbol rates.
* ``{"cmd": "book", "symbol": "BTC"}``: the exchange's book now (``bids``/``asks`` as
  ``[price, size]`` strings).
* ``{"cmd": "stats"}``: frames sent per channel.

Unless ``--no-account``, the demo account (the key the app gets) starts with open orders
(BTC spot LIMITs 5 % away from the touch, which do not fill) and margin positions (BTC_JPY,
ETH_JPY), so the orders, positions and account panes are live in the benches.

``time.monotonic()`` is CLOCK_MONOTONIC, shared by every process on Linux, so the bench compares
these stamps with the times it reads the app's terminal output.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.sim import ws as sim_ws
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.runner import SimServer
from gmo_tui.sim.state import DEMO_ACCOUNT

BENCH_ACCOUNT = "__bench__"

sent_counts: Counter[str] = Counter()
_watch_frames: dict[bytes, asyncio.Future[float]] = {}
_watch_books: dict[str, asyncio.Future[float]] = {}


def _instrument() -> None:
    """Wrap the hub's per-connection sender so marked frames are stamped as they go out."""

    async def run_sender(self: sim_ws.Conn) -> None:
        queue = self.queue
        send = self.ws.send_text
        try:
            while True:
                frame = await queue.get()
                if frame is None:
                    return
                now = time.monotonic()
                channel = frame[12:22]
                if channel.startswith(b"orderbooks"):
                    sent_counts["orderbooks"] += 1
                    if _watch_books:
                        symbol = json.loads(frame)["symbol"]
                        fut = _watch_books.pop(symbol, None)
                        if fut is not None and not fut.done():
                            fut.set_result(now)
                elif channel.startswith(b"trades"):
                    sent_counts["trades"] += 1
                    fut = _watch_frames.pop(frame, None) if _watch_frames else None
                    if fut is not None and not fut.done():
                        fut.set_result(now)
                elif channel.startswith(b"ticker"):
                    sent_counts["ticker"] += 1
                else:
                    sent_counts["other"] += 1
                await send(frame.decode())
        except Exception:  # noqa: BLE001 - a closed peer ends the sender quietly
            return

    sim_ws.Conn.run_sender = run_sender  # type: ignore[method-assign]


class Controller:
    def __init__(self, sim: SimServer) -> None:
        self.sim = sim
        self.state = sim.state
        self.bump_order: int | None = None
        engine = self.state.engine
        if not engine.has_account(BENCH_ACCOUNT):
            engine.open_account(BENCH_ACCOUNT, jpy=Decimal("1e15"), unlimited=True)

    def open_demo_account_positions(self) -> None:
        """Open orders and margin positions on the demo account (see the module docstring)."""
        engine = self.state.engine
        book = engine.orderbook("BTC")
        bid, ask = book.bids[0].price, book.asks[0].price
        for k in range(3):
            engine.place_order(
                DEMO_ACCOUNT,
                symbol="BTC",
                side=Side.BUY,
                execution_type=ExecutionType.LIMIT,
                size=Decimal("0.01") * (k + 1),
                price=(bid * Decimal("0.95")).quantize(Decimal(1)) - k * 1000,
            )
            engine.place_order(
                DEMO_ACCOUNT,
                symbol="BTC",
                side=Side.SELL,
                execution_type=ExecutionType.LIMIT,
                size=Decimal("0.01") * (k + 1),
                price=(ask * Decimal("1.05")).quantize(Decimal(1)) + k * 1000,
            )
        for symbol, side, size in (
            ("BTC_JPY", Side.BUY, "0.02"),
            ("BTC_JPY", Side.SELL, "0.01"),
            ("ETH_JPY", Side.BUY, "0.1"),
        ):
            engine.place_order(
                DEMO_ACCOUNT,
                symbol=symbol,
                side=side,
                execution_type=ExecutionType.MARKET,
                size=Decimal(size),
            )

    async def handle(self, cmd: dict) -> dict:
        name = cmd.get("cmd")
        if name == "mark_trade":
            return await self.mark_trade(cmd)
        if name == "bump_level":
            return await self.bump_level(cmd)
        if name == "rates":
            changes = {k: float(v) for k, v in cmd.items() if k != "cmd"}
            market = self.state.market
            market.set_rates(market.rates.with_(**changes))
            return {"ok": True}
        if name == "book":
            book = self.state.engine.orderbook(cmd.get("symbol", "BTC"))
            return {
                "ok": True,
                "bids": [[str(lv.price), str(lv.size)] for lv in book.bids],
                "asks": [[str(lv.price), str(lv.size)] for lv in book.asks],
            }
        if name == "stats":
            return {"ok": True, "sent": dict(sent_counts)}
        return {"ok": False, "error": f"unknown command {name!r}"}

    async def mark_trade(self, cmd: dict) -> dict:
        symbol = cmd.get("symbol", "BTC")
        engine = self.state.engine
        event = models.TradeEvent(
            price=engine.last_price(symbol),
            side=Side(cmd.get("side", "BUY")),
            size=Decimal(cmd["size"]),
            timestamp=self.state.clock.now(),
            symbol=symbol,
        )
        frame = sim_ws.encode(event)
        subs = self.state.hub.public_subs.get(("trades", symbol))
        if not subs:
            return {"ok": False, "error": "no trades subscriber"}
        fut = asyncio.get_running_loop().create_future()
        _watch_frames[frame] = fut
        for conn in list(subs):
            conn.push("trades", frame)
        sent = await asyncio.wait_for(fut, 5)
        return {"ok": True, "sent": sent, "price": str(event.price)}

    async def bump_level(self, cmd: dict) -> dict:
        symbol = cmd.get("symbol", "BTC")
        side = Side(cmd.get("side", "BUY"))
        index = int(cmd.get("index", 2))
        size = Decimal(cmd["size"])
        engine = self.state.engine
        if self.bump_order is not None:
            try:
                engine.cancel_order(BENCH_ACCOUNT, self.bump_order)
            except Exception:  # noqa: BLE001 - it may have filled or gone
                pass
            self.bump_order = None
            await asyncio.sleep(0)
        book = engine.orderbook(symbol)
        levels = book.bids if side is Side.BUY else book.asks
        price = levels[index].price
        fut = asyncio.get_running_loop().create_future()
        _watch_books[symbol] = fut
        self.bump_order = engine.place_order(
            BENCH_ACCOUNT,
            symbol=symbol,
            side=side,
            execution_type=ExecutionType.LIMIT,
            size=size,
            price=price,
            time_in_force=TimeInForce.FAS,
        )
        after = engine.orderbook(symbol)
        total = next(
            lv.size for lv in (after.bids if side is Side.BUY else after.asks) if lv.price == price
        )
        sent = await asyncio.wait_for(fut, 5)
        return {"ok": True, "sent": sent, "price": str(price), "total": str(total)}


async def main_async(args: argparse.Namespace) -> None:
    _instrument()
    rates = MarketRates(
        books_per_s=args.books, trades_per_s=args.trades, tickers_per_s=args.tickers
    )
    sim = SimServer(seed=args.seed, control=True, rates=rates, frozen=args.frozen)
    await sim.start()
    if args.frozen:
        # a frozen market sends nothing by itself; book changes made by bump_level still go out
        sim.state.market.rates = sim.state.market.rates.with_(books_per_s=1000.0)
    controller = Controller(sim)
    if not args.no_account:
        controller.open_demo_account_positions()
    hello = {
        "endpoint": sim.endpoint,
        "api_key": sim.api_key,
        "api_secret": sim.api_secret,
        "pid": __import__("os").getpid(),
    }
    print(json.dumps(hello), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            try:
                reply = await controller.handle(json.loads(line))
            except Exception as exc:  # noqa: BLE001 - report, keep serving
                reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            print(json.dumps(reply), flush=True)
    finally:
        await sim.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--frozen", action="store_true")
    parser.add_argument("--no-account", action="store_true", help="no demo orders/positions")
    parser.add_argument("--books", type=float, default=10)
    parser.add_argument("--trades", type=float, default=30)
    parser.add_argument("--tickers", type=float, default=10)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

"""The demo market (sim/market_recorded.py): shaped like its shipped recording, sane, matching
real orders, and going on past the recording's end. The random walk stays the tests' default.

A market is stepped by hand (``market.step``) with ``idle_factor=1`` so every symbol plays
every print without a subscriber; the measures are in :mod:`tests.sim.market_measures`.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from gmo_tui import cli
from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side, TimeInForce
from gmo_tui.record.controls import ReplayRemote
from gmo_tui.record.demo_market import demo_market, demo_recording, load_timeline
from gmo_tui.record.format import Header, Kind
from gmo_tui.record.reader import open_recording
from gmo_tui.record.replay_source import replay_market
from gmo_tui.record.writer import RecordingWriter
from gmo_tui.sim.engine_events import PublicTrade
from gmo_tui.sim.market import MarketRates, SyntheticMarket
from gmo_tui.sim.market_recorded import RecordedMarket, recorded_market
from gmo_tui.sim.market_shape import BookShape, Events, LaterBook, PrintShape, Timeline
from gmo_tui.sim.runner import SimServer
from gmo_tui.sim.state import DEMO_ACCOUNT, SimState
from gmo_tui.sim.symbols import REFERENCE_PRICES, SYMBOL_RULES
from gmo_tui.sim.ws import encode
from tests.sim.market_measures import assert_sane, gap_cv, round_share, sizes_of
from tests.sim.test_server_support import Gmo, connect, recv_json

WATCHED = ("BTC", "ETH", "XRP", "BTC_JPY", "LINK")
STEP_S = 0.1
ALL_PRINTS = MarketRates(idle_factor=1.0)


@dataclass
class Minute:
    """A minute of one market: books of the watched symbols every half second, every print
    with the step it happened in."""

    cvs: dict[str, list[float]] = field(default_factory=dict)
    sizes: dict[str, list[Decimal]] = field(default_factory=dict)
    walls: dict[str, list[float]] = field(default_factory=dict)
    prints: list[tuple[int, PublicTrade]] = field(default_factory=list)


def _state(**options: object) -> SimState:
    return SimState(seed=42, rates=ALL_PRINTS, **options)  # type: ignore[arg-type]


def _stepping(state: SimState) -> RecordedMarket | SyntheticMarket:
    market = state.market
    assert isinstance(market, RecordedMarket | SyntheticMarket)
    return market


def _minute(state: SimState) -> Minute:
    market = _stepping(state)
    seen = Minute()
    step = 0

    def on_event(event: object) -> None:
        if isinstance(event, PublicTrade):
            seen.prints.append((step, event))

    state.engine.add_listener(on_event)
    for step in range(int(60 / STEP_S)):
        market.step(STEP_S)
        if step % 5:
            continue
        for symbol in SYMBOL_RULES:
            assert_sane(state.engine.orderbook(symbol), symbol)
        for symbol in WATCHED:
            book = state.engine.orderbook(symbol)
            seen.cvs.setdefault(symbol, []).append(gap_cv(book, symbol))
            sizes = sizes_of(book)
            seen.sizes.setdefault(symbol, []).extend(sizes)
            seen.walls.setdefault(symbol, []).append(float(max(sizes) / statistics.median(sizes)))
    return seen


@pytest.fixture(scope="module")
def recorded() -> Minute:
    return _minute(_state(market=demo_market()))


@pytest.fixture(scope="module")
def walk() -> Minute:
    return _minute(_state())


def test_the_walk_stays_the_default_and_the_demo_and_sim_wear_the_recording() -> None:
    assert isinstance(SimState(seed=42, frozen=True).market, SyntheticMarket)
    args = cli.build_parser().parse_args(["sim"])
    assert args.market == "recorded"
    assert cli.build_parser().parse_args(["sim", "--market", "walk"]).market == "walk"


def test_levels_are_unevenly_spaced(recorded: Minute, walk: Minute) -> None:
    for symbol in WATCHED:
        # the walk's grid is even (CV 0); a market's gaps vary as much as their mean
        assert statistics.fmean(walk.cvs[symbol]) < 0.05, symbol
        assert statistics.fmean(recorded.cvs[symbol]) > 0.8, symbol


def test_sizes_cluster_round_with_walls_and_many_small_orders(
    recorded: Minute, walk: Minute
) -> None:
    for symbol in WATCHED:
        sizes = recorded.sizes[symbol]
        assert round_share(sizes, symbol) > 0.2, symbol
        # a few walls: in most books the biggest level is ten times the median one
        walls = recorded.walls[symbol]
        assert sum(ratio > 10 for ratio in walls) > 0.8 * len(walls), symbol
        # many small orders: the mean is pulled far above the median by the few big ones
        assert statistics.fmean(sizes) > 2 * statistics.median(sizes), symbol
    for symbol in ("BTC", "ETH", "XRP"):
        assert round_share(walk.sizes[symbol], symbol) < 0.1, symbol
        assert max(walk.walls[symbol]) < 3, symbol


def test_prints_come_in_bursts_of_market_like_sizes(recorded: Minute, walk: Minute) -> None:
    def dispersion(seen: Minute) -> float:
        per_second = [0] * 60
        for step, event in seen.prints:
            if event.symbol == "BTC":
                per_second[int(step * STEP_S)] += 1
        return statistics.pvariance(per_second) / statistics.fmean(per_second)

    # a Poisson stream has dispersion 1, the walk's regular one less; bursts far more
    assert dispersion(walk) < 1
    assert dispersion(recorded) > 3
    sizes = [event.trade.size for _, event in recorded.prints if event.symbol == "BTC"]
    assert round_share(sizes, "BTC") > 0.25
    assert max(sizes) > 20 * statistics.median(sizes)


def test_a_resting_bid_fills_when_the_prints_reach_it() -> None:
    state = _state(market=demo_market())
    engine = state.engine
    symbol = "BTC"
    bid = engine.best_bid(symbol)
    assert bid is not None
    price = bid + 1  # the best bid: the next sell taker takes it first
    order_id = engine.place_order(
        DEMO_ACCOUNT,
        symbol=symbol,
        side=Side.BUY,
        execution_type=ExecutionType.LIMIT,
        size=Decimal("0.001"),
        price=price,
        time_in_force=TimeInForce.FAS,
    )
    prints: list[PublicTrade] = []
    engine.add_listener(lambda e: prints.append(e) if isinstance(e, PublicTrade) else None)
    for _ in range(int(120 / STEP_S)):
        if engine.executions(DEMO_ACCOUNT, order_id=order_id):
            break
        # not filled yet: no print has reached its price
        assert all(p.trade.price > price for p in prints if p.symbol == symbol)
        _stepping(state).step(STEP_S)
    fills = engine.executions(DEMO_ACCOUNT, order_id=order_id)
    assert fills, "the bid never filled in two minutes"
    assert {fill.price for fill in fills} == {price}
    assert any(p.symbol == symbol and p.trade.price <= price for p in prints)


def test_it_goes_on_past_the_recording_seamlessly() -> None:
    # the shipped recording's first minute, so that it runs out soon
    whole = load_timeline()
    events = tuple(event for event in whole.events if event.at <= 60)
    timeline = Timeline(events, 60.25, whole.start_mid, whole.gap)
    state = _state(market=lambda state, rates: RecordedMarket(state, rates, timeline))
    market = state.market
    assert isinstance(market, RecordedMarket)
    engine = state.engine
    symbol = "BTC"
    mids: list[Decimal] = []
    passes: list[int] = []
    prints: list[tuple[int, int]] = []  # (second, pass) of each BTC print
    second = 0
    engine.add_listener(
        lambda e: (
            prints.append((second, market.cursors[symbol].passes))
            if isinstance(e, PublicTrade) and e.symbol == symbol
            else None
        )
    )
    seconds = int(2.2 * timeline.span)  # the recording twice over, and more
    for second in range(seconds):
        market.step(1.0)
        book = engine.orderbook(symbol)
        assert_sane(book, symbol)
        mids.append((book.bids[0].price + book.asks[0].price) / 2)
        passes.append(market.cursors[symbol].passes)
        if second % 60 == 0:
            for other in SYMBOL_RULES:
                assert_sane(engine.orderbook(other), other)
    assert all(cursor.passes >= 2 for cursor in market.cursors.values())
    # the whole second pass (mirrored) traded, and the last half minute still trades
    assert sum(1 for _, n in prints if n == 1) > 20
    assert sum(1 for s, _ in prints if s >= seconds - 30) > 10
    # no second jumps, and the seconds of the wraps move like any other: seamless (this minute
    # ends 0.1 % above where it began: a book of one pass drawn with the next pass's map would
    # jump by that much)
    jumps = [abs(b - a) / a for a, b in zip(mids, mids[1:], strict=False)]
    assert max(jumps) < Decimal("0.003")
    wraps = [jumps[i] for i in range(len(jumps)) if passes[i + 1] != passes[i]]
    assert len(wraps) >= 2
    assert max(wraps) < Decimal("0.0005")
    # and the price has not wandered off
    assert abs(mids[-1] - REFERENCE_PRICES[symbol]) < REFERENCE_PRICES[symbol] * Decimal("0.05")


def test_the_shipped_books_read_later_are_the_books_read_at_once() -> None:
    """The demo reads the shipped recording's books when the market reaches each; the same file
    read at once (as any other recording is) gives the same timeline, every book of it."""
    later = load_timeline()
    assert isinstance(later.events, Events)
    read = sum(isinstance(item, BookShape) for item in later.events._items)
    assert read <= len(later.book_indices) // 8, "a start reads only a sample of the books"
    SimState(market=recorded_market(later))  # the build: a start, first-print and last book each
    built = sum(isinstance(item, BookShape) for item in later.events._items)
    assert built - read <= 3 * len(SYMBOL_RULES), (read, built)
    at_once = load_timeline(demo_recording())
    assert not isinstance(at_once.events, Events) or all(
        not isinstance(item, LaterBook) for item in at_once.events._items
    )
    assert later.book_indices == at_once.book_indices and len(later.book_indices) > 1000
    assert list(later.events) == list(at_once.events)
    assert (later.span, later.start_mid, later.gap) == (
        at_once.span,
        at_once.start_mid,
        at_once.gap,
    )


def test_events_read_each_book_once_when_first_looked_at() -> None:
    reads: list[float] = []

    def read(at: float, raw: bytes) -> BookShape:
        reads.append(at)
        return BookShape(at, Decimal(len(raw)), (), ())

    events = Events(
        [LaterBook(0.0, b"ab"), PrintShape(0.5, Side.BUY, Decimal(1)), LaterBook(1.0, b"abc")], read
    )
    assert events.book_indices == (0, 2) and reads == []
    assert events[2] == BookShape(1.0, Decimal(3), (), ()) and reads == [1.0]
    assert events[2] is events[2] and reads == [1.0]
    assert events[-3:] == (BookShape(0.0, Decimal(2), (), ()), events[1], events[2])
    assert reads == [1.0, 0.0]


def test_a_frozen_demo_market_does_not_move() -> None:
    state = SimState(seed=42, rates=MarketRates.frozen(), market=demo_market())
    before = state.engine.orderbook("BTC")
    assert_sane(before, "BTC")
    _stepping(state).step(5.0)
    assert state.engine.orderbook("BTC") == before


def test_the_shipped_recording_is_small_and_what_the_script_makes(tmp_path: Path) -> None:
    shipped = demo_recording()
    assert shipped.stat().st_size < 1_000_000
    assert open_recording(shipped).header.symbols == ("BTC",)
    script = Path(__file__).resolve().parents[2] / "scripts" / "make_demo_market.py"
    out = tmp_path / "demo.gmorec"
    subprocess.run([sys.executable, str(script), "--out", str(out)], check=True, timeout=120)
    assert out.read_bytes() == shipped.read_bytes()


async def test_the_exchange_serves_the_recorded_market_over_http() -> None:
    async with SimServer(port=0, seed=42, market=demo_market()) as sim:
        async with httpx.AsyncClient(base_url=sim.endpoint) as client:
            reply = await client.get("/public/v1/orderbooks", params={"symbol": "ETH"})
    data = reply.json()["data"]
    tick = SYMBOL_RULES["ETH"].tick_size
    prices = [int(Decimal(level["price"]) / tick) for level in data["asks"][:20]]
    gaps = [b - a for a, b in zip(prices, prices[1:], strict=False)]
    assert min(gaps) >= 1
    assert statistics.pstdev(gaps) / statistics.fmean(gaps) > 0.5
    assert Decimal(data["bids"][0]["price"]) < Decimal(data["asks"][0]["price"])


async def test_the_shipped_recording_replays_like_any_other(make_sim: Any) -> None:
    sim = await make_sim(market=replay_market(demo_recording(), autostart=False))
    async with httpx.AsyncClient(base_url=sim.endpoint) as client:
        remote = ReplayRemote(client)
        await remote.step(40)  # the first frames hold a ticker, books and prints
        ticker = (await client.get("/public/v1/ticker", params={"symbol": "BTC"})).json()
        book = (await client.get("/public/v1/orderbooks", params={"symbol": "BTC"})).json()
    assert ticker["status"] == 0 and Decimal(ticker["data"][0]["last"]) > 0
    assert Decimal(book["data"]["bids"][0]["price"]) < Decimal(book["data"]["asks"][0]["price"])


def _record_eth(path: Path, levels: int) -> None:
    """Two minutes of a made-up ETH market with ``levels`` levels a side, as `record` writes."""
    writer = RecordingWriter(path, Header(start="", endpoint="test", symbols=("ETH",)))
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for second in range(120):
        at = start + timedelta(seconds=second)
        mid = 500_000 + 40 * (second % 7)
        book = models.OrderBookEvent(
            symbol="ETH",
            asks=tuple(
                models.BookLevel(price=Decimal(mid + 30 + 7 * i * i), size=Decimal("0.5"))
                for i in range(levels)
            ),
            bids=tuple(
                models.BookLevel(price=Decimal(mid - 30 - 5 * i * i), size=Decimal("2"))
                for i in range(levels)
            ),
            timestamp=at,
        )
        trade = models.TradeEvent(
            symbol="ETH", side=Side.BUY, price=Decimal(mid + 30), size=Decimal("0.3"), timestamp=at
        )
        for event in (book, trade):
            writer.write(Kind.PUBLIC, encode(event), int(at.timestamp() * 1e9))
    writer.close()


def test_another_recording_can_shape_the_market(tmp_path: Path) -> None:
    path = tmp_path / "eth.gmorec"
    _record_eth(path, levels=120)
    timeline = load_timeline(path)
    state = _state(market=demo_market(str(path)))
    market = _stepping(state)
    for _ in range(30):
        market.step(1.0)
    # ETH's lot is 0.01 ETH, BTC's 0.001 BTC: 0.5 ETH (50 lots) a level is 0.05 BTC in BTC,
    # 2 ETH 0.2 BTC (on one side each; a mirrored pass swaps them)
    btc = state.engine.orderbook("BTC")
    assert_sane(btc, "BTC")
    # (the best level may be part-eaten by a print since the last book)
    modes = {statistics.mode(level.size for level in side) for side in (btc.asks, btc.bids)}
    assert modes == {Decimal("0.05"), Decimal("0.2")}
    # a deep book is cut to the levels a ladder uses
    assert max(len(book.asks) for book in timeline.events if isinstance(book, BookShape)) == 40
    assert len(btc.asks) <= 40


def test_a_recording_that_cannot_shape_the_market_is_said_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.gmorec"
    args = cli.build_parser().parse_args(["sim", "--shape", str(missing)])
    assert cli.run_sim(args) == 2
    assert f"cannot shape the market by {missing}" in capsys.readouterr().err
    garbage = tmp_path / "garbage.gmorec"
    garbage.write_bytes(b"not a recording")
    assert cli.run_sim(cli.build_parser().parse_args(["sim", "--shape", str(garbage)])) == 2
    assert "not a gmo-tui recording" in capsys.readouterr().err
    foreign = tmp_path / "foreign.gmorec"
    RecordingWriter(foreign, Header(start="", endpoint="test", symbols=("FOO",))).close()
    assert cli.run_sim(cli.build_parser().parse_args(["sim", "--shape", str(foreign)])) == 2
    assert "no symbol of the built-in exchange" in capsys.readouterr().err


async def test_a_subscriber_sees_the_demo_market_move_live(make_sim: Any) -> None:
    sim = await make_sim(market=demo_market())
    await sim.control("limits", {"ws_commands_per_s": 100})
    async with Gmo(sim) as gmo, connect(gmo.ws_url("/ws/public/v1")) as ws:
        for channel in ("trades", "orderbooks"):
            await ws.send(json.dumps({"command": "subscribe", "channel": channel, "symbol": "BTC"}))
        frames: dict[str, list[dict[str, Any]]] = {"trades": [], "orderbooks": []}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while loop.time() < deadline and (
            len(frames["trades"]) < 5 or len(frames["orderbooks"]) < 5
        ):
            frame = await recv_json(ws, timeout=10)
            frames[frame["channel"]].append(frame)
    assert len(frames["trades"]) >= 5 and len(frames["orderbooks"]) >= 5
    for frame in frames["orderbooks"]:
        asks = [Decimal(level["price"]) for level in frame["asks"][:20]]
        bids = [Decimal(level["price"]) for level in frame["bids"][:20]]
        assert bids[0] < asks[0]
        gaps = [int(b - a) for a, b in zip(asks, asks[1:], strict=False)]
        assert statistics.pstdev(gaps) / statistics.fmean(gaps) > 0.5

"""Fuzzed WebSocket frames through the app's decode + apply path, and the app under chaos.

Public and private frames (the docs' examples, mutated: fields dropped or mistyped,
NaN/Infinity/1e400/huge/negative numbers, unknown channel/msgType, truncated JSON, random and
non-UTF-8 bytes, oversized) go through :meth:`StreamBase.decode_frame` (what the socket loop
calls) and then into the market models the way the app applies them (Books, Tapes, Watchlist,
CandleSeries; OrderTracker, FillLedger, Positions). Invariants: nothing raises; every frame is
either an event or a counted, logged BadFrame/ServerError (the log names the reason, never a
private frame's content); a book that is not sane is never a price reference; a tracked
order's filled size stays within [0, size]; the ledger holds each executionId once.

The last test runs the real app against the built-in exchange while its chaos control
truncates and reorders frames: the app keeps running, the bad frames are counted, and the
book keeps updating.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.exchange.private_stream import PrivateStream
from gmo_tui.exchange.public_stream import PublicStream
from gmo_tui.exchange.stream_base import BadFrame, ServerError
from gmo_tui.market.book import Books
from gmo_tui.market.candles import CandleSeries
from gmo_tui.market.fills import FillLedger
from gmo_tui.market.orders import OrderTracker
from gmo_tui.market.positions import Positions
from gmo_tui.market.tape import Tapes
from gmo_tui.market.watchlist import Watchlist
from tests.fuzz.mutations import SEEDS, dumps, mutated_json, raw_bodies

PUBLIC_SEEDS = [SEEDS[k] for k in ("ws:Ticker", "ws:Order Books", "ws:Trades")]
PRIVATE_SEEDS = [
    SEEDS[k]
    for k in (
        "ws:Execution Notifications",
        "ws:Order Notifications",
        "ws:Position Notifications",
        "ws:Position Summary Notifications",
    )
]
MAX_SIZE = 64_000
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


class _NoTokens:
    """The private stream needs a token source to connect; decoding never uses it."""

    async def create_ws_token(self) -> str:  # pragma: no cover - never connects here
        raise AssertionError("no connection in this test")


def frames(seeds: list[Any]) -> st.SearchStrategy[list[bytes]]:
    one = st.sampled_from(seeds).flatmap(
        lambda seed: raw_bodies(
            mutated_json(seed, tag_fields=("channel", "msgType")), big=MAX_SIZE + 10
        )
    )
    return st.lists(one, min_size=1, max_size=12)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


class PublicApply:
    """What the app's public worker does with each Received event (see GmoTuiApp)."""

    def __init__(self) -> None:
        self.books = Books()
        self.tapes = Tapes()
        self.watch = Watchlist()
        self.candles = CandleSeries("BTC", KlineInterval("1min"))

    def apply(self, event: Any, now: float) -> None:
        if isinstance(event, models.OrderBookEvent):
            self.books.apply(event, now)
        elif isinstance(event, models.TradeEvent):
            self.tapes.append(event, event.symbol or "BTC")
            if event.symbol == "BTC":
                self.candles.apply_trade(event)
        elif isinstance(event, models.TickerEvent):
            self.watch.update_ticker(event, now)


class PrivateApply:
    """What the trading service and the app do with each private event."""

    def __init__(self) -> None:
        self.tracker = OrderTracker()
        self.fills = FillLedger()
        self.positions = Positions()

    def apply(self, event: Any) -> None:
        if isinstance(event, models.OrderEvent | models.ExecutionEvent):
            self.tracker.apply(event)
        if isinstance(event, models.ExecutionEvent):
            self.fills.add(event)
        if isinstance(event, models.PositionEvent):
            self.positions.apply_event(event)
        if isinstance(event, models.PositionSummaryEvent):
            self.positions.apply_summary_event(event)


def _drain(stream: Any) -> list[Any]:
    out = []
    while not stream._out.empty():
        out.append(stream._out.get_nowait())
    return out


def _feed(stream: Any, raws: list[bytes], apply: Any) -> tuple[int, list[Any], list[str]]:
    handler = _Records()
    logger = logging.getLogger("gmo_tui.exchange")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    events = 0
    try:
        for raw in raws:
            event = stream.decode_frame(raw)
            if event is not None:
                events += 1
                apply(event)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    return events, _drain(stream), handler.lines


def _check_accounting(
    stream: Any, raws: list[bytes], events: int, items: list[Any], lines: list[str]
):
    bad = [i for i in items if isinstance(i, BadFrame)]
    errors = [i for i in items if isinstance(i, ServerError)]
    # every frame is either an event or a counted, logged bad frame / server error
    assert events + len(bad) + len(errors) == len(raws)
    assert stream.counters["bad_frames"] == len(bad)
    assert stream.counters["server_errors"] == len(errors)
    assert sum("bad frame" in line for line in lines) == len(bad)
    for item in bad:
        assert item.reason and item.size >= 0


@FUZZ
@given(raws=frames(PUBLIC_SEEDS))
def test_public_frames_never_break_the_market_state(raws: list[bytes]) -> None:
    stream = PublicStream("http://127.0.0.1:9", max_size=MAX_SIZE)
    state = PublicApply()
    events, items, lines = _feed(stream, raws, lambda e: state.apply(e, 1_700_000_000.0))
    _check_accounting(stream, raws, events, items, lines)
    for book in state.books.values():
        reference = book.reference()
        if not book.sane:
            assert reference is None
        else:
            assert reference is not None and reference.bid < reference.ask
            assert reference.bid.is_finite() and reference.ask.is_finite()
    for tape in state.tapes.values():
        assert all(p.price.is_finite() and p.size.is_finite() for p in tape._ring)


@FUZZ
@given(raws=frames(PRIVATE_SEEDS))
def test_private_frames_never_break_orders_fills_positions(raws: list[bytes]) -> None:
    stream = PrivateStream(_NoTokens(), "http://127.0.0.1:9", max_size=MAX_SIZE)
    state = PrivateApply()
    events, items, lines = _feed(stream, raws, state.apply)
    _check_accounting(stream, raws, events, items, lines)
    # a private frame's content never reaches the log: no quoted value of it appears
    private_values = {"877404", "123456789", "72123911", "876045", "0.8"}
    for line in lines:
        assert not any(f"'{v}'" in line or f'"{v}"' in line for v in private_values), line
    for order in state.tracker:
        if order.size is not None and order.filled is not None:
            assert Decimal(0) <= order.filled <= order.size, order
    ids = [f.execution_id for f in state.fills.latest()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("seed", PUBLIC_SEEDS + PRIVATE_SEEDS, ids=lambda s: s["channel"])
def test_the_unmutated_examples_decode(seed: dict[str, Any]) -> None:
    """Control: the docs' frames are events (so the fuzz above reaches the models)."""
    public = seed in PUBLIC_SEEDS
    stream = (
        PublicStream("http://127.0.0.1:9")
        if public
        else PrivateStream(_NoTokens(), "http://127.0.0.1:9")
    )
    assert stream.decode_frame(dumps(seed)) is not None
    assert stream.counters["bad_frames"] == 0


def test_non_utf8_and_oversized_frames_are_counted() -> None:
    stream = PublicStream("http://127.0.0.1:9", max_size=MAX_SIZE)
    assert stream.decode_frame(b'\xff\xfe{"channel": "ticker"}') is None
    assert stream.decode_frame(b'{"channel":"orderbooks","symbol":"BTC","asks":[') is None
    assert stream.decode_frame(b'{"channel":"trades","price":NaN}') is None
    assert stream.decode_frame(b"") is None
    assert stream.counters["bad_frames"] == 4
    assert all(isinstance(item, BadFrame) for item in _drain(stream))


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e400", "sNaN"])
def test_a_book_with_a_non_number_level_is_flagged_not_raised(bad: str) -> None:
    """Book levels are not checked when decoded (speed): the book model flags them."""
    frame = dumps(
        {
            "channel": "orderbooks",
            "asks": [{"price": "455659", "size": "0.1"}, {"price": bad, "size": "0.2"}],
            "bids": [{"price": "455655", "size": bad}],
            "symbol": "BTC",
            "timestamp": "2018-03-30T12:34:56.789Z",
        }
    )
    event = PublicStream("http://127.0.0.1:9").decode_frame(frame)
    assert event is not None  # decoded: the levels are the book model's to judge
    books = Books()
    book = books.apply(event, 1.0)
    assert not book.sane and book.issue and book.reference() is None
    # refused whole: no non-number ever sits in the levels the panes draw from
    assert book.dropped == 1 and book.bid_prices == () and book.ask_prices == ()
    good = PublicStream("http://127.0.0.1:9").decode_frame(dumps(SEEDS["ws:Order Books"]))
    books.apply(good, 2.0)
    assert book.snapshots == 1 and all(p.is_finite() for p in book.ask_prices + book.bid_sizes)

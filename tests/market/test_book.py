"""Book: replacement, touch, grouping, change tracking, sanity and freshness."""

from __future__ import annotations

import timeit
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from gmo_tui.exchange.models import BookLevel, OrderBookEvent
from gmo_tui.market.book import RESYNC_AFTER, Book, Books, Reference, changed_rows
from tests.market.factories import book_event, ts

D = Decimal

GOOD = book_event(
    [("100", "1"), ("99", "2"), ("97", "3")], [("101", "0.5"), ("102", "1"), ("105", "2")]
)


def test_snapshot_replaces_whole_book_and_exposes_touch() -> None:
    book = Book("BTC_JPY")
    assert book.reference() is None and not book.sane
    assert book.apply(GOOD, 10.0)
    assert (book.best_bid, book.best_ask) == (D(100), D(101))
    assert book.mid == D("100.5") and book.spread == D(1)
    assert book.reference() == Reference(D(100), D(101))
    smaller = book_event([("98", "1")], [("103", "1")], at=1)
    book.apply(smaller, 11.0)
    assert book.bid_prices == (D(98),) and book.ask_prices == (D(103),)  # never merged
    assert book.snapshots == 2


def test_cumulative_sizes_and_grouping() -> None:
    book = Book("BTC_JPY")
    book.apply(GOOD, 0.0)
    bids, asks = book.cumulative()
    assert bids == (D(1), D(3), D(6)) and asks == (D("0.5"), D("1.5"), D("3.5"))
    (gbp, gbs), (gap, gas) = book.grouped(D(5), 10)
    assert gbp == (D(100), D(95)) and gbs == (D(1), D(5))  # bids floor: 99, 97 -> 95
    assert gap == (D(105),) and gas == (D("3.5"),)  # asks ceil: 101, 102, 105 -> 105
    (gbp, _), (gap, _) = book.grouped(D(1), 2)
    assert len(gbp) == 2 and len(gap) == 2


def test_changed_rows_and_versions() -> None:
    book = Book("BTC_JPY")
    book.apply(GOOD, 0.0)
    v_bid, v_ask = book.bid_version, book.ask_version
    nxt = book_event(
        [("100", "1"), ("99", "2.5"), ("97", "3"), ("96", "1")],
        [("101", "0.5"), ("102", "1"), ("105", "2")],
        at=1,
    )
    book.apply(nxt, 1.0)
    assert book.changed_bid_rows() == [1, 3]
    assert book.changed_ask_rows() == []
    assert book.bid_version == v_bid + 1 and book.ask_version == v_ask
    assert changed_rows((D(1),), (D(1),), (), ()) == [0]


def test_sanity_flags() -> None:
    cases = {
        "crossed": book_event([("101", "1")], [("101", "1")]),
        "empty bid": book_event([], [("101", "1")]),
        "empty ask": book_event([("100", "1")], []),
        "zero price": book_event([("100", "1"), ("0", "1")], [("101", "1")]),
        "zero size": book_event([("100", "1")], [("101", "0")]),
        "unordered": book_event([("99", "1"), ("100", "1")], [("101", "1")]),
    }
    for name, snap in cases.items():
        book = Book("BTC_JPY")
        assert not book.apply(snap, 0.0), name
        assert book.issue, name
        assert book.reference() is None and book.ref_bid() is None and book.ref_ask() is None, name


def test_backwards_timestamp_is_dropped_and_flagged_until_next_good() -> None:
    book = Book("BTC_JPY")
    book.apply(book_event([("100", "1")], [("101", "1")], at=10), 0.0)
    assert not book.apply(book_event([("90", "1")], [("91", "1")], at=5), 1.0)
    assert book.best_bid == D(100)  # the newer book stays
    assert book.dropped == 1 and "backwards" in (book.issue or "")
    assert book.reference() is None
    assert book.apply(book_event([("100", "1")], [("102", "1")], at=11), 2.0)
    assert book.reference() == Reference(D(100), D(102))


def test_rest_snapshot_without_timestamp_is_accepted() -> None:
    book = Book("BTC_JPY")
    book.apply(book_event([("100", "1")], [("101", "1")], at=10), 0.0)
    assert book.apply(book_event([("100", "2")], [("101", "1")], at=None), 1.0)
    assert book.timestamp == ts(10)


def test_age_and_freshness() -> None:
    book = Book("BTC_JPY")
    assert book.age(5.0) is None and not book.is_fresh(5.0, 1.0)
    book.apply(GOOD, 100.0)
    assert book.age(102.5) == 2.5
    assert book.is_fresh(101.0, 2.0) and not book.is_fresh(103.0, 2.0)
    assert book.reference(103.0, 2.0) is None
    assert book.reference(101.0, 2.0) is not None


def test_books_container_creates_per_symbol() -> None:
    books = Books()
    books.apply(book_event([("1", "1")], [("2", "1")], symbol="ETH"), 0.0)
    assert books["ETH"].best_ask == D(2)
    assert books["XRP"].best_bid is None


prices = st.decimals(min_value=-5, max_value=200, places=0, allow_nan=False, allow_infinity=False)
sizes = st.decimals(min_value=-1, max_value=5, places=2, allow_nan=False, allow_infinity=False)
levels = st.lists(st.tuples(prices, sizes), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(levels, levels, st.integers(0, 20)), min_size=1, max_size=5))
def test_random_books_never_give_a_flagged_reference(seq) -> None:
    book = Book("X")
    for i, (bids, asks, t) in enumerate(seq):
        snap = OrderBookEvent(
            symbol="X",
            bids=tuple(BookLevel(price=p, size=s) for p, s in bids),
            asks=tuple(BookLevel(price=p, size=s) for p, s in asks),
            timestamp=ts(t),
        )
        book.apply(snap, float(i))
        ref = book.reference()
        if not book.sane:
            assert ref is None and book.issue
            continue
        # A reference is only ever a real, uncrossed, positive touch of an ordered book.
        assert ref is not None and 0 < ref.bid < ref.ask
        assert all(p > 0 for p in book.bid_prices + book.ask_prices)
        assert all(s > 0 for s in book.bid_sizes + book.ask_sizes)
        assert list(book.bid_prices) == sorted(book.bid_prices, reverse=True)
        assert list(book.ask_prices) == sorted(book.ask_prices)


def _pybotters_rate(messages: list[dict]) -> float | None:
    """pybotters' GMOCoinDataStore on the same (already parsed) messages, if installed."""
    try:
        import pybotters
    except ImportError:
        return None
    store = pybotters.GMOCoinDataStore()

    def run() -> None:
        for m in messages:
            store.onmessage(m, None)

    return len(messages) / min(timeit.repeat(run, number=1, repeat=3))


def test_ingest_is_fast() -> None:
    """>= 5x pybotters' GMOCoinDataStore, measured side by side (else >= 20,000/s absolute)."""
    snaps = []
    messages = []
    for k in range(200):
        mid = 15_000_000 + k
        bids = [(D(mid - 1 - 5 * i), D("0.01")) for i in range(20)]
        asks = [(D(mid + 1 + 5 * i), D("0.02")) for i in range(20)]
        snaps.append(
            OrderBookEvent(
                symbol="BTC_JPY",
                bids=tuple(BookLevel(price=p, size=s) for p, s in bids),
                asks=tuple(BookLevel(price=p, size=s) for p, s in asks),
                timestamp=ts(k),
            )
        )
        messages.append(
            {
                "channel": "orderbooks",
                "symbol": "BTC_JPY",
                "bids": [{"price": str(p), "size": str(s)} for p, s in bids],
                "asks": [{"price": str(p), "size": str(s)} for p, s in asks],
                "timestamp": f"2026-01-05T00:00:{k // 1000:02d}.{k % 1000:03d}Z",
            }
        )
    book = Book("BTC_JPY")

    def run() -> None:
        book.reset_timeline()
        for s in snaps:
            book.apply(s, 0.0)

    rate = len(snaps) / min(timeit.repeat(run, number=1, repeat=5))
    assert book.sane
    baseline = _pybotters_rate(messages)
    if baseline is None:
        assert rate >= 20_000, f"{rate:,.0f} snapshots/s"
    else:
        assert rate >= 5 * baseline, f"{rate:,.0f} vs pybotters {baseline:,.0f} snapshots/s"


def test_persistent_backwards_feed_is_followed_after_resync_limit() -> None:
    book = Book("BTC_JPY")
    book.apply(book_event([("100", "1")], [("101", "1")], at=100), 0.0)
    for i in range(RESYNC_AFTER):
        assert not book.apply(book_event([("90", "1")], [("91", "1")], at=50 + i), 1.0)
        assert book.best_bid == D(100) and book.reference() is None
    assert book.apply(book_event([("90", "1")], [("91", "1")], at=60), 2.0)
    assert book.best_bid == D(90) and book.timestamp == ts(60) and book.dropped == RESYNC_AFTER
    book.reset_timeline()
    assert book.apply(book_event([("80", "1")], [("81", "1")], at=1), 3.0)
    assert book.best_bid == D(80)

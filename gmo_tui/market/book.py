"""Order books: the latest full snapshot per symbol, with sanity, freshness and change tracking.

A :class:`Book` holds one snapshot as four flat tuples of ``Decimal`` (bid prices, bid sizes,
ask prices, ask sizes; bids best-first descending, asks best-first ascending). Every snapshot
*replaces* the book whole; nothing is ever merged.

Sanity (``sane`` / ``issue``): a snapshot is flagged when a side is empty, the book is crossed
(best bid >= best ask), a price or size is not positive, or its timestamp is older than the
last applied one. A backwards snapshot is **not applied** (the newer book stays on screen) but
the book is flagged until the next in-order snapshot arrives; ``dropped`` counts them. After
``RESYNC_AFTER`` backwards snapshots in a row the feed is taken to have really moved back (e.g.
a server clock correction) and the next one is applied as a new timeline; call
:meth:`Book.reset_timeline` after a reconnect to start a new timeline at once. A snapshot with
a NaN, infinite or absurd (>= 1e30) price or size is not applied either (flagged, counted in
``dropped``): the levels never hold a non-number.

Display versus reference: :attr:`Book.best_bid` / :attr:`Book.best_ask` are the raw touch for
display (``None`` only when the side is empty). Anything that uses the book as a *price
reference* (safety checks, P&L marks, slippage) must call :meth:`Book.reference`, which returns
``None`` when the book is not sane (and, if asked, when it is older than ``max_age``), and
:meth:`Book.ref_bid` / :meth:`Book.ref_ask` which do the same per side.

Times: ``received_at`` / ``now`` are float seconds on any one clock the caller chooses
(the app uses ``time.time()``); :meth:`Book.age` is ``now - received_at``.

Change tracking for the ladder: ``bid_version`` / ``ask_version`` grow when that side's content
changes; :meth:`Book.changed_bid_rows` / :meth:`Book.changed_ask_rows` (or the free function
:func:`changed_rows`) list the row indexes that differ from the previous snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from itertools import accumulate
from typing import NamedTuple

from gmo_tui.exchange.models import OrderBook
from gmo_tui.i18n import N_

__all__ = ["Book", "Books", "Levels", "Reference", "changed_rows"]

_ZERO = Decimal(0)
_ABSURD = Decimal("1e30")  # as the wire models refuse for single numbers
_GARBAGE_ABSURD = N_("infinite or absurdly large price or size")
_GARBAGE_NAN = N_("price or size is not a number")
_GARBAGE = (_GARBAGE_ABSURD, _GARBAGE_NAN)
"""Issues of a snapshot that is refused whole (the previous levels stay, flagged not sane),
so no NaN or infinity ever reaches a book's levels or anything drawn from them."""
RESYNC_AFTER = 5
"""Consecutive backwards snapshots after which the feed's new timeline is accepted."""
_EMPTY: tuple[Decimal, ...] = ()

Levels = tuple[tuple[Decimal, ...], tuple[Decimal, ...]]
"""One side as ``(prices, sizes)``."""


class Reference(NamedTuple):
    """The touch of a sane book: usable as a price reference."""

    bid: Decimal
    ask: Decimal

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2

    @property
    def spread(self) -> Decimal:
        return self.ask - self.bid


def changed_rows(
    old_prices: tuple[Decimal, ...],
    old_sizes: tuple[Decimal, ...],
    new_prices: tuple[Decimal, ...],
    new_sizes: tuple[Decimal, ...],
) -> list[int]:
    """Row indexes whose (price, size) differ between two versions of one side.

    Rows that exist in only one of the two versions count as changed.
    """
    if old_prices == new_prices and old_sizes == new_sizes:
        return []
    n_old, n_new = len(old_prices), len(new_prices)
    common = min(n_old, n_new)
    out = [
        i for i in range(common) if old_prices[i] != new_prices[i] or old_sizes[i] != new_sizes[i]
    ]
    out.extend(range(common, max(n_old, n_new)))
    return out


def _check(
    bp: tuple[Decimal, ...],
    bs: tuple[Decimal, ...],
    ap: tuple[Decimal, ...],
    as_: tuple[Decimal, ...],
) -> str | None:
    if not bp:
        return N_("bid side is empty")
    if not ap:
        return N_("ask side is empty")
    try:
        # min() over a tuple runs in C: no per-level Python loop.
        if min(bp) <= _ZERO or min(ap) <= _ZERO:
            return N_("non-positive price")
        if min(bs) <= _ZERO or min(as_) <= _ZERO:
            return N_("non-positive size")
        if max(bp) >= _ABSURD or max(ap) >= _ABSURD or max(bs) >= _ABSURD or max(as_) >= _ABSURD:
            return _GARBAGE_ABSURD
        if bp[0] >= ap[0]:
            return N_("crossed book: best bid >= best ask")
        # sorted() of ~20 Decimals runs in C; catches a side that is out of order.
        if len(bp) > 1 and list(bp) != sorted(bp, reverse=True):
            return N_("bids are not in descending price order")
        if len(ap) > 1 and list(ap) != sorted(ap):
            return N_("asks are not in ascending price order")
    except InvalidOperation:  # a NaN level (the levels are not checked when decoded)
        return _GARBAGE_NAN
    return None


class Book:
    """The latest snapshot of one symbol's order book (see the module docstring)."""

    __slots__ = (
        "symbol",
        "bid_prices",
        "bid_sizes",
        "ask_prices",
        "ask_sizes",
        "prev_bid_prices",
        "prev_bid_sizes",
        "prev_ask_prices",
        "prev_ask_sizes",
        "timestamp",
        "received_at",
        "sane",
        "issue",
        "bid_version",
        "ask_version",
        "snapshots",
        "dropped",
        "_backwards",
        "_cum",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bid_prices = self.bid_sizes = self.ask_prices = self.ask_sizes = _EMPTY
        self.prev_bid_prices = self.prev_bid_sizes = _EMPTY
        self.prev_ask_prices = self.prev_ask_sizes = _EMPTY
        self.timestamp: datetime | None = None
        self.received_at: float | None = None
        self.sane = False
        self.issue: str | None = N_("no snapshot yet")
        self.bid_version = 0
        self.ask_version = 0
        self.snapshots = 0
        """Snapshots applied."""
        self.dropped = 0
        """Snapshots refused: timestamp went backwards, or a level held a non-number."""
        self._backwards = 0
        self._cum: tuple[int, int, tuple[Decimal, ...], tuple[Decimal, ...]] | None = None

    # ------------------------------------------------------------------ ingest (hot path)

    def apply(self, snapshot: OrderBook, received_at: float) -> bool:
        """Replace the book with ``snapshot`` (REST reply or WS event); return ``self.sane``."""
        bids = snapshot.bids
        asks = snapshot.asks
        bp = tuple([lv.price for lv in bids])
        bs = tuple([lv.size for lv in bids])
        ap = tuple([lv.price for lv in asks])
        as_ = tuple([lv.size for lv in asks])
        return self.apply_levels(bp, bs, ap, as_, snapshot.timestamp, received_at)

    def apply_levels(
        self,
        bid_prices: tuple[Decimal, ...],
        bid_sizes: tuple[Decimal, ...],
        ask_prices: tuple[Decimal, ...],
        ask_sizes: tuple[Decimal, ...],
        timestamp: datetime | None,
        received_at: float,
    ) -> bool:
        """Replace the book from flat tuples (bids descending, asks ascending)."""
        last = self.timestamp
        if timestamp is not None and last is not None and timestamp < last:
            self._backwards += 1
            if self._backwards <= RESYNC_AFTER:
                self.dropped += 1
                self.sane = False
                self.issue = N_("timestamp went backwards")
                return False
            self.timestamp = None  # the feed really moved back: follow it
        issue = _check(bid_prices, bid_sizes, ask_prices, ask_sizes)
        if issue in _GARBAGE:
            self.dropped += 1
            self.sane = False
            self.issue = issue
            return False
        self._backwards = 0
        if bid_prices != self.bid_prices or bid_sizes != self.bid_sizes:
            self.bid_version += 1
        if ask_prices != self.ask_prices or ask_sizes != self.ask_sizes:
            self.ask_version += 1
        self.prev_bid_prices, self.prev_bid_sizes = self.bid_prices, self.bid_sizes
        self.prev_ask_prices, self.prev_ask_sizes = self.ask_prices, self.ask_sizes
        self.bid_prices, self.bid_sizes = bid_prices, bid_sizes
        self.ask_prices, self.ask_sizes = ask_prices, ask_sizes
        if timestamp is not None:
            self.timestamp = timestamp
        self.received_at = received_at
        self.snapshots += 1
        self.issue = issue
        self.sane = issue is None
        return self.sane

    def reset_timeline(self) -> None:
        """Forget the last timestamp (e.g. after a reconnect): the next snapshot is in order."""
        self.timestamp = None
        self._backwards = 0

    # ------------------------------------------------------------------ display

    @property
    def best_bid(self) -> Decimal | None:
        """Raw best bid for display (``None`` if empty). Not a reference: see :meth:`reference`."""
        return self.bid_prices[0] if self.bid_prices else None

    @property
    def best_ask(self) -> Decimal | None:
        """Raw best ask for display (``None`` if empty). Not a reference: see :meth:`reference`."""
        return self.ask_prices[0] if self.ask_prices else None

    @property
    def mid(self) -> Decimal | None:
        """Mid of the raw touch (display); ``None`` if a side is empty."""
        if not self.bid_prices or not self.ask_prices:
            return None
        return (self.bid_prices[0] + self.ask_prices[0]) / 2

    @property
    def spread(self) -> Decimal | None:
        """Raw spread (display; negative when crossed); ``None`` if a side is empty."""
        if not self.bid_prices or not self.ask_prices:
            return None
        return self.ask_prices[0] - self.bid_prices[0]

    @property
    def bids(self) -> Levels:
        return self.bid_prices, self.bid_sizes

    @property
    def asks(self) -> Levels:
        return self.ask_prices, self.ask_sizes

    def levels(self, side: str) -> Iterator[tuple[Decimal, Decimal]]:
        """(price, size) pairs of ``"BUY"``/``"bid"`` or ``"SELL"``/``"ask"``, best first."""
        if side in ("BUY", "bid", "bids"):
            return zip(self.bid_prices, self.bid_sizes, strict=True)
        return zip(self.ask_prices, self.ask_sizes, strict=True)

    def cumulative(self) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
        """Running totals of sizes from the touch outwards: (bids, asks). Cached per version."""
        cum = self._cum
        if cum is not None and cum[0] == self.bid_version and cum[1] == self.ask_version:
            return cum[2], cum[3]
        bids = tuple(accumulate(self.bid_sizes))
        asks = tuple(accumulate(self.ask_sizes))
        self._cum = (self.bid_version, self.ask_version, bids, asks)
        return bids, asks

    def grouped(self, step: Decimal, levels: int) -> tuple[Levels, Levels]:
        """Aggregate to multiples of ``step`` (bids rounded down, asks up): (bids, asks).

        At most ``levels`` rows per side, best first. ``step`` must be positive.
        """
        if step <= 0:
            raise ValueError("step must be positive")
        return (
            _group(self.bid_prices, self.bid_sizes, step, levels, ROUND_FLOOR),
            _group(self.ask_prices, self.ask_sizes, step, levels, ROUND_CEILING),
        )

    def changed_bid_rows(self) -> list[int]:
        """Bid rows that differ from the previous snapshot."""
        return changed_rows(
            self.prev_bid_prices, self.prev_bid_sizes, self.bid_prices, self.bid_sizes
        )

    def changed_ask_rows(self) -> list[int]:
        """Ask rows that differ from the previous snapshot."""
        return changed_rows(
            self.prev_ask_prices, self.prev_ask_sizes, self.ask_prices, self.ask_sizes
        )

    # ------------------------------------------------------------------ freshness / reference

    def age(self, now: float) -> float | None:
        """Seconds since the last snapshot was received (``None`` before the first)."""
        if self.received_at is None:
            return None
        return now - self.received_at

    def is_fresh(self, now: float, max_age: float) -> bool:
        """True when a snapshot arrived within ``max_age`` seconds of ``now``."""
        age = self.age(now)
        return age is not None and age <= max_age

    def reference(self, now: float | None = None, max_age: float | None = None) -> Reference | None:
        """The touch as a price reference, or ``None`` if the book is not sane.

        With ``now`` and ``max_age`` given, also ``None`` when the book is stale.
        """
        if not self.sane:
            return None
        if now is not None and max_age is not None and not self.is_fresh(now, max_age):
            return None
        return Reference(self.bid_prices[0], self.ask_prices[0])

    def ref_bid(self) -> Decimal | None:
        """Best bid usable as a reference (``None`` when the book is not sane)."""
        return self.bid_prices[0] if self.sane else None

    def ref_ask(self) -> Decimal | None:
        """Best ask usable as a reference (``None`` when the book is not sane)."""
        return self.ask_prices[0] if self.sane else None

    def __repr__(self) -> str:
        return (
            f"Book({self.symbol!r}, bid={self.best_bid}, ask={self.best_ask}, "
            f"levels={len(self.bid_prices)}/{len(self.ask_prices)}, sane={self.sane})"
        )


def _group(
    prices: tuple[Decimal, ...],
    sizes: tuple[Decimal, ...],
    step: Decimal,
    levels: int,
    rounding: str,
) -> Levels:
    out_p: list[Decimal] = []
    out_s: list[Decimal] = []
    for price, size in zip(prices, sizes, strict=True):
        bucket = (price / step).to_integral_value(rounding=rounding) * step
        if out_p and out_p[-1] == bucket:
            out_s[-1] += size
        else:
            if len(out_p) == levels:
                break
            out_p.append(bucket)
            out_s.append(size)
    return tuple(out_p), tuple(out_s)


class Books(dict[str, Book]):
    """Books by symbol, created on first use."""

    def __missing__(self, symbol: str) -> Book:
        book = Book(symbol)
        self[symbol] = book
        return book

    def apply(self, snapshot: OrderBook, received_at: float) -> Book:
        """Apply a snapshot to its symbol's book and return that book."""
        book = self[snapshot.symbol]
        book.apply(snapshot, received_at)
        return book

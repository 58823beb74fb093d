"""Pane mechanics without an exchange: the ladder repaints only the rows that changed, groups
by multiples of the tick, and posts the level under the cursor; snapshot messages coalesce,
trades never do; tables update by row key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from textual.app import App, ComposeResult

from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.exchange.models import BookLevel, OrderBook
from gmo_tui.market.book import Book
from gmo_tui.market.fills import Fill
from gmo_tui.messages import (
    BookUpdated,
    FillArrived,
    Notice,
    PricePicked,
    StreamStateChanged,
    TickersUpdated,
    TradesArrived,
)
from gmo_tui.themes import DOMAIN_DEFAULTS
from gmo_tui.trading.listener import FillSource
from gmo_tui.widgets.keyed_table import KeyedTable
from gmo_tui.widgets.order_book import OrderBookLadder

NOW = datetime(2026, 1, 5, tzinfo=UTC)


def snapshot(bid_sizes: list[str], ask_sizes: list[str], ts: int = 0) -> OrderBook:
    bids = tuple(BookLevel(Decimal(1000 - i), Decimal(s)) for i, s in enumerate(bid_sizes))
    asks = tuple(BookLevel(Decimal(1001 + i), Decimal(s)) for i, s in enumerate(ask_sizes))
    return OrderBook(symbol="X", bids=bids, asks=asks, timestamp=NOW.replace(microsecond=ts))


class LadderApp(App):
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def __init__(self):
        super().__init__()
        self.picked: list[PricePicked] = []

    def compose(self) -> ComposeResult:
        yield OrderBookLadder(id="book")

    def on_price_picked(self, message: PricePicked) -> None:
        self.picked.append(message)


async def test_ladder_repaints_only_changed_rows_and_picks_prices():
    app = LadderApp()
    book = Book("X")
    async with app.run_test(size=(40, 12)) as pilot:  # 5 asks, spread, 5 bids
        ladder = app.query_one(OrderBookLadder)
        ladder.set_rules(Decimal(1), Decimal("0.01"))
        book.apply(snapshot(["1"] * 10, ["1"] * 10, 1), 0.0)
        ladder.set_book(book)
        await pilot.pause()

        # the 5th ask (top row) changes size: that one row, nothing else
        before = ladder.repainted_rows
        book.apply(snapshot(["1"] * 10, ["1", "1", "1", "1", "2"] + ["1"] * 5, 2), 0.1)
        ladder.set_book(book)
        assert ladder.repainted_rows - before == 1
        # a level beyond the shown depth changes: no row at all
        before = ladder.repainted_rows
        book.apply(snapshot(["1"] * 9 + ["7"], ["1", "1", "1", "1", "2"] + ["1"] * 5, 3), 0.2)
        ladder.set_book(book)
        assert ladder.repainted_rows - before == 0
        # the 2nd bid changes: its row and the totals of the 3 bids below it
        before = ladder.repainted_rows
        book.apply(
            snapshot(["1", "3"] + ["1"] * 7 + ["7"], ["1", "1", "1", "1", "2"] + ["1"] * 5, 4), 0.3
        )
        ladder.set_book(book)
        assert ladder.repainted_rows - before == 4

        ladder.focus()
        await pilot.press("down")  # cursor onto the best bid
        await pilot.press("enter")
        await pilot.pause()
        assert app.picked and app.picked[-1].price == Decimal(1000)
        assert app.picked[-1].side is Side.BUY  # a bid level joins the bid (issue 14)

        await pilot.press("right_square_bracket")  # coarser: groups of 2 ticks
        await pilot.pause()
        assert ladder.step == Decimal(2)
        bid_rows = [r for r in ladder._rows if r[0] == "bid"]
        assert bid_rows[0][1] == Decimal(1000) and bid_rows[0][2] == Decimal(1)
        assert bid_rows[1][1] == Decimal(998) and bid_rows[1][2] == Decimal(3 + 1)  # 999 + 998
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert ladder.step == Decimal(1)


def test_snapshot_messages_coalesce_by_key_and_fills_never_do():
    """Cues to re-read a model coalesce per key (the tape model keeps every print, so a
    TradesArrived cue coalesces too); fills and notices never do."""
    assert BookUpdated("BTC").can_replace(BookUpdated("BTC"))
    assert not BookUpdated("BTC").can_replace(BookUpdated("ETH"))
    assert TradesArrived("BTC").can_replace(TradesArrived("BTC"))
    assert not TradesArrived("BTC").can_replace(TradesArrived("ETH"))
    assert TickersUpdated().can_replace(TickersUpdated())
    assert StreamStateChanged("public", "LIVE").can_replace(StreamStateChanged("public", "STALE"))
    assert not StreamStateChanged("public", "LIVE").can_replace(
        StreamStateChanged("private", "LIVE")
    )
    fill = Fill(
        execution_id=1,
        order_id=2,
        symbol="BTC",
        side=Side.BUY,
        settle_type=SettleType.OPEN,
        price=Decimal(1),
        size=Decimal(1),
        fee=Decimal(0),
        loss_gain=Decimal(0),
        timestamp=NOW,
    )
    first = FillArrived(fill, FillSource.STREAM)
    assert not FillArrived(fill, FillSource.STREAM).can_replace(first)
    assert not Notice("a").can_replace(Notice("a"))


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield KeyedTable([("a", "A"), ("b", "B")])


async def test_keyed_table_updates_cells_by_key():
    app = TableApp()
    async with app.run_test() as pilot:
        table = app.query_one(KeyedTable)
        table.sync([("1", ("x", "y")), ("2", ("p", "q"))])
        await pilot.pause()
        row_keys = list(table.rows)
        table.sync([("1", ("x", "Y")), ("2", ("p", "q"))])
        assert table.cell_updates == 1 and list(table.rows) == row_keys  # same rows, one cell
        table.sync([("2", ("p", "q")), ("3", ("m", "n"))])
        assert table.keys() == ["2", "3"] and table.row_count == 2


async def test_a_crossed_book_is_drawn_as_crossed_not_as_a_negative_spread():
    """Finding 9: the spread row says the book is crossed; no "spread -3" and no mid."""
    app = LadderApp()
    book = Book("X")
    async with app.run_test(size=(40, 12)) as pilot:
        ladder = app.query_one(OrderBookLadder)
        ladder.set_rules(Decimal(1), Decimal("0.01"))
        crossed = OrderBook(
            symbol="X",
            bids=(BookLevel(Decimal(1003), Decimal(1)), BookLevel(Decimal(1002), Decimal(1))),
            asks=(BookLevel(Decimal(1000), Decimal(1)), BookLevel(Decimal(1001), Decimal(1))),
            timestamp=NOW,
        )
        book.apply(crossed, 0.0)
        assert not book.sane
        ladder.set_book(book)
        await pilot.pause()
        lines = [ladder.render_line(y).text for y in range(ladder.size.height)]
        assert any("CROSSED" in line for line in lines), lines
        assert not any("spread" in line for line in lines), lines

"""The ladder and the tape hand their strips to the compositor directly (``DirectLines``): the
lines must be cell for cell what Textual's own path draws, with a border and a title, after a
focus change, and with a stylesheet the direct path cannot reproduce (padding: fallback)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from gmo_tui.exchange.enums import Side
from gmo_tui.market.book import Book
from gmo_tui.market.tape import Tape
from gmo_tui.themes import DOMAIN_DEFAULTS, load_themes
from gmo_tui.widgets.order_book import OrderBookLadder
from gmo_tui.widgets.trades_tape import TradesTape
from tests.market.factories import book_event, trade


def _cells(strip: Strip) -> list[tuple[str, object]]:
    return [(ch, seg.style) for seg in strip for ch in seg.text]


class Panes(App[None]):
    CSS = """
    Screen { layout: horizontal; }
    .framed { border: round $accent; border-title-color: $accent; width: 1fr; }
    .framed:focus { border: round $primary; }
    .padded { padding: 0 1; border: none; }
    """

    def __init__(self, padded: bool = False) -> None:
        super().__init__()
        self.padded = padded

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(DOMAIN_DEFAULTS)

    def on_mount(self) -> None:
        for theme in load_themes():
            self.register_theme(theme)
        self.theme = "gmo-dark"

    def compose(self) -> ComposeResult:
        classes = "framed padded" if self.padded else "framed"
        yield OrderBookLadder(id="ladder", classes=classes)
        yield TradesTape(id="tape", classes=classes)


def _compare(widget: Widget) -> None:
    region = Region(0, 0, *widget.outer_size)
    direct = widget.render_lines(region)
    widget._styles_cache.clear()
    textual = Widget.render_lines(widget, region)
    assert len(direct) == len(textual) == widget.outer_size.height
    for y, (a, b) in enumerate(zip(direct, textual, strict=True)):
        assert _cells(a) == _cells(b), f"{type(widget).__name__} line {y}"
    # a column crop (the pane partly off screen) matches too
    part = Region(2, 1, widget.outer_size.width - 4, widget.outer_size.height - 2)
    for a, b in zip(widget.render_lines(part), Widget.render_lines(widget, part), strict=True):
        assert _cells(a) == _cells(b)


async def _fill(app: Panes, pilot) -> tuple[OrderBookLadder, TradesTape]:
    ladder = app.query_one(OrderBookLadder)
    tape_pane = app.query_one(TradesTape)
    ladder.border_title = "Book BTC"
    tape_pane.border_title = "Trades"
    book = Book("BTC")
    book.apply(
        book_event(
            bids=[(str(100 - i), f"0.{i + 1}") for i in range(10)],
            asks=[(str(101 + i), f"0.{i + 2}") for i in range(10)],
        ),
        0.0,
    )
    ladder.set_book(book, {(Side.BUY, Decimal(98)): Decimal("0.1")})
    tape = Tape("BTC")
    for i in range(30):
        tape.append(trade(str(100 + i % 3), f"0.0{i % 9 + 1}", Side.BUY if i % 2 else Side.SELL))
    tape_pane.set_tape(tape)
    await pilot.pause()
    return ladder, tape_pane


@pytest.mark.parametrize("size", [(80, 24), (61, 17)])
async def test_direct_lines_match_textuals_rendering(size: tuple[int, int]) -> None:
    app = Panes()
    async with app.run_test(size=size) as pilot:
        ladder, tape = await _fill(app, pilot)
        assert ladder._direct == (True, True, True, True)  # the direct path is in use
        _compare(ladder)
        _compare(tape)
        ladder.focus()  # the border colour changes with focus; the cursor row too
        await pilot.press("down", "down")
        await pilot.pause()
        _compare(ladder)
        tape.border_title = "Trades (new title)"
        await pilot.pause()
        _compare(tape)


async def test_padding_falls_back_to_textuals_path() -> None:
    app = Panes(padded=True)
    async with app.run_test(size=(80, 24)) as pilot:
        ladder, tape = await _fill(app, pilot)
        _compare(ladder)
        _compare(tape)
        assert ladder._direct is False and tape._direct is False


async def test_render_memo_reuses_lines_until_the_widget_changes() -> None:
    """RenderMemo (header, status bar, ticket, footer, tabs, screen): an unchanged widget
    hands back the very same lines; a change (reactive, style, size) is drawn at once."""
    from gmo_tui.widgets.market_header import MarketHeader

    class HeaderApp(App[None]):
        def get_theme_variable_defaults(self) -> dict[str, str]:
            return dict(DOMAIN_DEFAULTS)

        def compose(self) -> ComposeResult:
            yield MarketHeader()

    app = HeaderApp()
    async with app.run_test(size=(60, 5)) as pilot:
        header = app.query_one(MarketHeader)
        header.symbol = "BTC_JPY"
        await pilot.pause()
        region = Region(0, 0, *header.outer_size)
        first = header.render_lines(region)
        assert header.render_lines(region) is first  # nothing changed: reused
        assert "BTC_JPY" in first[0].text
        header.symbol = "ETH_JPY"  # a reactive change marks the widget dirty
        await pilot.pause()
        second = header.render_lines(region)
        assert second is not first and "ETH_JPY" in second[0].text
        header.exchange_status = "MAINTENANCE"  # a class change restyles the background
        await pilot.pause()
        third = header.render_lines(region)
        assert third[0].text != second[0].text or _cells(third[0]) != _cells(second[0])
        await pilot.resize_terminal(40, 5)
        for _ in range(50):
            await pilot.pause(0.01)
            if header.outer_size.width == 40:
                break
        assert header.outer_size.width == 40
        narrow = header.render_lines(Region(0, 0, *header.outer_size))
        assert narrow[0].cell_length == 40

"""The order book ladder: a Line API widget that repaints only the rows that changed.

Asks above, bids below, a spread row between; price / size / cumulative with depth bars; the
user's own resting orders and position prices (average entry, break-even, losscut) marked; a
level cursor that stays on its price while the book moves (up/down; off screen, a key
re-centres it on the touch); price grouping in multiples of the tick (``[`` / ``]``).

Trading keys act on the cursor's price and post one message each (the screen's flows confirm
and send): ``b`` / ``s`` a LIMIT at it, ``t`` a STOP, ``c`` cancel my orders there, ``m`` move
my order selected in the Orders table (else the nearest) there, ``Enter`` the ticket on the
side that joins the level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.strip import Strip

from gmo_tui.exchange.enums import Side
from gmo_tui.i18n import _
from gmo_tui.i18n.cells import center, fit, fit_right
from gmo_tui.market.book import Book
from gmo_tui.market.formatting import decimals_of, fmt, fmt_fine, group_price
from gmo_tui.messages import (
    AlertAtPrice,
    GroupingChanged,
    LadderCancel,
    LadderLimit,
    LadderMove,
    LadderStop,
    PricePicked,
)
from gmo_tui.widgets.direct_lines import DirectLines

Level = tuple[Decimal, Decimal]


@dataclass(frozen=True, slots=True)
class _RowContext:
    key: tuple
    width: int
    price_w: int
    size_w: int
    cum_w: int
    price_places: int
    size_places: int
    tick_places: int
    cursor_row: int | None
    base: Style
    header: Style
    spread: Style
    styles: dict[tuple[str, bool, bool], tuple[Style, Style, Style]]


ROW_STRIPS_KEPT = 512
CURSOR_ACTIONS = frozenset({"limit", "stop", "cancel_level", "move_here", "pick"})
"""Actions on the cursor's price (hidden from the footer, and their keys passed on, without one)."""
GROUP_FACTORS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


class OrderBookLadder(DirectLines, can_focus=True):
    """Dumb pane: the app calls :meth:`set_book`; the ladder diffs rows and repaints changes."""

    PricePicked = PricePicked
    GroupingChanged = GroupingChanged

    COMPONENT_CLASSES = {
        "ladder--header",
        "ladder--bid",
        "ladder--ask",
        "ladder--bid-bar",
        "ladder--ask-bar",
        "ladder--spread",
        "ladder--cursor",
        "ladder--own",
        "ladder--size",
    }
    DEFAULT_CSS = """
    OrderBookLadder { height: 1fr; min-height: 7; }
    OrderBookLadder > .ladder--header { color: $text-muted; text-style: bold; }
    OrderBookLadder > .ladder--bid { color: $bid; }
    OrderBookLadder > .ladder--ask { color: $ask; }
    OrderBookLadder > .ladder--bid-bar { background: $bid-bar; }
    OrderBookLadder > .ladder--ask-bar { background: $ask-bar; }
    OrderBookLadder > .ladder--spread { color: $spread; text-style: italic; }
    OrderBookLadder > .ladder--cursor { background: $cursor; }
    OrderBookLadder > .ladder--own { color: $own-order; text-style: bold; }
    OrderBookLadder > .ladder--size { color: $foreground; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", "Level up", show=False, id="book.up"),
        Binding("down", "cursor(1)", "Level down", show=False, id="book.down"),
        Binding(
            "enter", "pick", "Price to ticket", id="book.pick", tooltip="Ticket joining the level"
        ),
        Binding("b", "limit('BUY')", "Buy here", id="book.buy", tooltip="BUY LIMIT at the cursor"),
        Binding(
            "s", "limit('SELL')", "Sell here", id="book.sell", tooltip="SELL LIMIT at the cursor"
        ),
        Binding("t", "stop", "Stop here", id="book.stop", tooltip="STOP at the cursor"),
        Binding(
            "c",
            "cancel_level",
            "Cancel here",
            id="book.cancel",
            tooltip="Cancel my orders at the level",
        ),
        Binding(
            "m",
            "move_here",
            "Move here",
            id="book.move",
            tooltip="Move my selected (Orders) or nearest order to the cursor",
        ),
        # not ``a``: that is the app's Account pane, reachable from the book too
        Binding(
            "exclamation_mark",
            "alert",
            "Alert",
            show=False,
            id="book.alert",
            tooltip="Price alert at this level",
        ),
        Binding(
            "left_square_bracket",
            "group(-1)",
            "Finer",
            id="book.finer",
            tooltip="Group the ladder more finely",
        ),
        Binding(
            "right_square_bracket",
            "group(1)",
            "Coarser",
            id="book.coarser",
            tooltip="Group the ladder more coarsely",
        ),
    ]

    group_index: reactive[int] = reactive(0, init=False)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ):
        super().__init__(name=name, id=id, classes=classes)
        self.tick = Decimal("1")
        self.size_step = Decimal("0.0001")
        self._book: Book | None = None
        self._own: Mapping[tuple[Side, Decimal], Decimal] = {}
        self._marks: Mapping[Decimal, str] = {}
        self._rows: list[tuple] = []
        self._strips: list[Strip | None] = []
        self._styles: dict[str, Style] | None = None
        self._cursor: Decimal | None = None  # the cursor's price: it stays there as the book moves
        self.repainted_rows = 0
        self._depth_scale: Decimal | None = None
        self._ctx: _RowContext | None = None
        self._row_strips: dict[object, Any] = {}
        self._cursor_memo: tuple[list[tuple], Decimal, int | None] | None = None

    # ------------------------------------------------------------------ public API
    @property
    def step(self) -> Decimal:
        return self.tick * GROUP_FACTORS[self.group_index]

    def set_rules(self, tick: Decimal, size_step: Decimal) -> None:
        self.tick, self.size_step = tick, size_step
        self.group_index = 0
        self._rebuild(force=True)

    def set_book(
        self, book: Book | None, own: Mapping[tuple[Side, Decimal], Decimal] | None = None
    ) -> None:
        """Show ``book`` (a :class:`gmo_tui.market.book.Book`); ``own``: (side, price) -> own size."""
        self._book = book
        if own is not None:
            self._own = own
        self._rebuild()

    def set_own(self, own: Mapping[tuple[Side, Decimal], Decimal]) -> None:
        self._own = own
        self._rebuild()

    def set_marks(self, marks: Mapping[Decimal, str]) -> None:
        """Position prices to mark: price -> a short tag (``E`` entry, ``BE``, ``LC``)."""
        if marks != self._marks:
            self._marks = marks
            self._rebuild()

    def clear(self) -> None:
        self._book, self._own, self._marks = None, {}, {}
        self._cursor = None
        self.refresh_bindings()
        self._rebuild(force=True)

    @property
    def cursor_price(self) -> Decimal | None:
        return self._cursor

    @property
    def spread(self) -> Decimal | None:
        """The real spread (best ask - best bid), whatever the grouping."""
        book = self._book
        if book is None or book.best_bid is None or book.best_ask is None:
            return None
        return book.best_ask - book.best_bid

    # ------------------------------------------------------------------ layout
    def _split(self, height: int) -> tuple[int, int]:
        usable = max(0, height - 2)
        asks = usable // 2
        return asks, usable - asks

    def _build_rows(self) -> list[tuple]:
        height, width = self.size.height, self.size.width
        n_asks, n_bids = self._split(height)
        step = self.step
        book = self._book
        if book is None:
            asks: list[Level] = []
            bids: list[Level] = []
        else:
            # a side with fewer levels than its half gives its rows to the other (grouped
            # coarsely the book runs out of levels: no blank rows above the asks)
            (bp, bs), (ap, as_) = book.grouped(step, max(n_asks + n_bids, 1))
            n_asks = min(len(ap), n_asks + max(0, n_bids - len(bp)))
            n_bids = min(len(bp), self._split(height)[0] + self._split(height)[1] - n_asks)
            asks = list(zip(ap[:n_asks], as_[:n_asks], strict=True))
            bids = list(zip(bp[:n_bids], bs[:n_bids], strict=True))
        own: dict[tuple[str, Decimal], Decimal] = {}
        for (side, price), size in self._own.items():
            kind = "bid" if side == Side.BUY else "ask"
            key = (kind, group_price(price, step, up=kind == "ask"))
            own[key] = own.get(key, Decimal(0)) + size
        marks: dict[Decimal, str] = {}
        for price, text in sorted(self._marks.items()):
            # the level a mark shows at: its own price grouped like the side it is on
            book_bid = book.best_bid if book is not None else None
            up = book_bid is None or price > book_bid
            grouped = group_price(price, step, up=up)
            for tag in text.split("/"):
                if tag not in marks.get(grouped, "").split("/"):
                    marks[grouped] = f"{marks[grouped]}/{tag}" if grouped in marks else tag
        cum_ask: list[Decimal] = []
        total = Decimal(0)
        for _price, size in asks:
            total += size
            cum_ask.append(total)
        cum_bid: list[Decimal] = []
        total = Decimal(0)
        for _price, size in bids:
            total += size
            cum_bid.append(total)
        depth_max = self._scale(max(cum_ask[-1] if cum_ask else 0, cum_bid[-1] if cum_bid else 0))
        rows: list[tuple] = [("header",)]
        for _row in range(n_asks - len(asks)):
            rows.append(("blank",))
        for i in range(len(asks) - 1, -1, -1):
            price, size = asks[i]
            rows.append(
                (
                    "ask",
                    price,
                    size,
                    cum_ask[i],
                    int(cum_ask[i] * width / depth_max + Decimal("0.5")),
                    own.get(("ask", price)),
                    i,
                    marks.get(price),
                )
            )
        if book is not None and book.snapshots and not book.sane:
            # a crossed (or one-sided) book has no spread and no mid: say what is wrong
            rows.append(("insane", book.issue or _("book not sane")))
        elif asks and bids and book is not None and book.best_bid and book.best_ask:
            # the real touch, not the grouped levels: grouping widens the levels, not the spread
            spread = book.best_ask - book.best_bid
            mid = (book.best_ask + book.best_bid) / 2
            rows.append(("spread", spread, mid))
        else:
            rows.append(("spread", None, None))
        for i, (price, size) in enumerate(bids):
            rows.append(
                (
                    "bid",
                    price,
                    size,
                    cum_bid[i],
                    int(cum_bid[i] * width / depth_max + Decimal("0.5")),
                    own.get(("bid", price)),
                    i,
                    marks.get(price),
                )
            )
        while len(rows) < height:
            rows.append(("blank",))
        return rows[:height]

    def _scale(self, deepest: Decimal | int) -> Decimal:
        """The depth bars' full width: a sticky 1-2-5 ceiling of the deepest total, so a change
        at one level does not rescale (and repaint) every other row."""
        scale = self._depth_scale
        if deepest <= 0:
            return scale or Decimal(1)
        if scale is None or deepest > scale or deepest < scale * Decimal("0.3"):
            target = Decimal(deepest) * Decimal("1.5")  # headroom: small growth keeps the scale
            magnitude = Decimal(10) ** target.adjusted()
            for step in (1, 2, 5, 10):
                if magnitude * step >= target:
                    scale = magnitude * step
                    break
            self._depth_scale = scale
        return scale if scale is not None else Decimal(1)

    def _rebuild(self, force: bool = False) -> None:
        if not self.is_mounted or self.size.height == 0:
            return
        rows = self._build_rows()
        old = self._rows
        if force or len(old) != len(rows):
            self._rows = rows
            self._strips = [None] * len(rows)
            self.repainted_rows += len(rows)
            self.refresh()
            return
        width = self.size.width
        cursor = self._cursor_row()
        changed = []
        for y, row in enumerate(rows):
            if row != old[y]:
                self._strips[y] = None
                changed.append(Region(0, y, width, 1))
        if changed:
            self.repainted_rows += len(changed)
            self.refresh(*changed)
        self._rows = rows
        if self._cursor_row() != cursor:
            self._strips = [None] * len(rows)
            self.refresh()

    def on_resize(self) -> None:
        self._styles = None
        self._ctx = None
        self._rebuild(force=True)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._ctx = None
        self._strips = [None] * len(self._rows)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ------------------------------------------------------------------ rendering
    def direct_styles(self) -> list[Style]:
        self._style("base")
        assert self._styles is not None
        return list(self._styles.values())

    def _style(self, name: str) -> Style:
        if self._styles is None:
            self._styles = {
                n: self.get_component_rich_style(n, partial=True) for n in self.COMPONENT_CLASSES
            }
            self._styles["base"] = self.rich_style
        return self._styles[name]

    def _columns(self, width: int) -> tuple[int, int, int]:
        price_w = max(8, min(14, width // 3))
        size_w = max(6, min(12, (width - price_w - 2) // 2))
        cum_w = max(0, width - price_w - size_w - 2)
        return price_w, size_w, cum_w

    def _row_context(self) -> _RowContext:
        """Widths, decimals and the composed styles every row of this pass shares (rebuilt
        when the width, grouping, rules, focus, cursor or styles change)."""
        width = self.size.width
        cursor_row = self._cursor_row() if self.has_focus else None
        key = (width, self.step, self.size_step, self.tick, cursor_row)
        ctx = self._ctx
        if ctx is not None and ctx.key == key:
            return ctx
        base = self._style("base")
        cursor_style = base + self._style("ladder--cursor")
        parts = (self._style("ladder--own"), self._style("ladder--size"))
        styles: dict[tuple[str, bool, bool], tuple[Style, Style, Style]] = {}
        for kind in ("ask", "bid"):
            side = self._style(f"ladder--{kind}")
            bar = self._style(f"ladder--{kind}-bar")
            for cursor in (False, True):
                row_base = cursor_style if cursor else base
                plain = (row_base + side, row_base + parts[0], row_base + parts[1])
                styles[(kind, False, cursor)] = plain
                # the cursor row shows the cursor colour instead of the depth bar
                barred = (plain[0] + bar, plain[1] + bar, plain[2] + bar)
                styles[(kind, True, cursor)] = plain if cursor else barred
        price_w, size_w, cum_w = self._columns(width)
        ctx = self._ctx = _RowContext(
            key=key,
            width=width,
            price_w=price_w,
            size_w=size_w,
            cum_w=cum_w,
            price_places=decimals_of(self.step),
            size_places=decimals_of(self.size_step),
            tick_places=decimals_of(self.tick),
            cursor_row=cursor_row,
            base=base,
            header=base + self._style("ladder--header"),
            spread=base + self._style("ladder--spread"),
            styles=styles,
        )
        return ctx

    def render_line(self, y: int) -> Strip:
        ctx = self._row_context()
        if y >= len(self._rows):
            return Strip.blank(ctx.width, ctx.base)
        strip = self._strips[y] if y < len(self._strips) else None
        if strip is None or strip.cell_length != ctx.width:
            row = self._rows[y]
            # the same level text comes back as the mid moves to and fro: reuse its strip
            key = (row[:6] + row[7:], ctx.cursor_row == y)
            seen = self._row_strips
            if seen.get("ctx") is not ctx or len(seen) > ROW_STRIPS_KEPT:
                seen.clear()
                seen["ctx"] = ctx
            strip = seen.get(key)
            if strip is None:
                strip = seen[key] = self._render_row(y, row, ctx)
            if y < len(self._strips):
                self._strips[y] = strip
        return strip

    def _render_row(self, y: int, row: tuple, ctx: _RowContext) -> Strip:
        width = ctx.width
        price_w, size_w, cum_w = ctx.price_w, ctx.size_w, ctx.cum_w
        kind = row[0]
        if kind == "blank":
            return Strip.blank(width, ctx.base)
        if kind == "header":
            text = fit(
                f"{fit_right(_('Price'), price_w)} {fit_right(_('Size'), size_w)} "
                f"{fit_right(_('Total'), cum_w)}",
                width,
            )
            return Strip([Segment(text, ctx.header)], width)
        if kind == "insane":
            text = center(f"⚠ {str(row[1]).upper()}", width)
            return Strip([Segment(text, ctx.spread + Style(bold=True, reverse=True))], width)
        if kind == "spread":
            spread, mid = row[1], row[2]
            if spread is None:
                text = center(_("— no book —"), width)
            else:
                places = ctx.tick_places
                text = _("spread {spread}  mid {mid}").format(
                    spread=fmt(spread, places), mid=fmt_fine(mid, places)
                )
                text = center(text, width)
            return Strip([Segment(text, ctx.spread)], width)
        _kind, price, size, cum, depth, own_size, _index, tag = row
        sd = ctx.size_places
        marker = "◆" if own_size else " "
        total = fmt(cum, sd, commas=False)
        if tag:  # a position price at this level: the tag before the total
            total = f"{tag} {total}"
        body = (
            f"{fmt(price, ctx.price_places):>{price_w - 1}}{marker} "
            f"{fmt(size, sd, commas=False):>{size_w}} {total:>{cum_w}}"
        )
        body = body[:width].ljust(width)
        bar = min(width, depth)  # depth is already in cells: unchanged bars, unchanged rows
        cursor = ctx.cursor_row == y
        barred = ctx.styles[(kind, True, cursor)]
        plain = ctx.styles[(kind, False, cursor)]
        segments: list[Segment] = []
        price_end = price_w - 1
        # cells: [0, price_end) price, the own-order marker at price_end, then the sizes
        for index, start, end in (
            (0, 0, price_end),
            (1, price_end, price_end + 1),
            (2, price_end + 1, width),
        ):
            if start >= end:
                continue
            cut = min(end, bar)
            if start < cut:
                segments.append(Segment(body[start:cut], barred[index]))
            cut = max(start, bar)
            if cut < end:
                segments.append(Segment(body[cut:end], plain[index]))
        return Strip(segments, width)

    # ------------------------------------------------------------------ cursor and keys
    def _level_rows(self) -> list[int]:
        return [y for y, row in enumerate(self._rows) if row[0] in ("ask", "bid")]

    def _cursor_row(self) -> int | None:
        price = self._cursor
        if price is None:
            return None
        memo = self._cursor_memo
        if memo is not None and memo[0] is self._rows and memo[1] == price:
            return memo[2]
        found = None
        for y, row in enumerate(self._rows):
            if row[0] in ("ask", "bid") and row[1] == price:
                found = y
                break
        self._cursor_memo = (self._rows, price, found)
        return found

    def _set_cursor_row(self, y: int) -> None:
        if self._cursor is None:
            self.refresh_bindings()
        self._cursor = self._rows[y][1]
        self._strips = [None] * len(self._rows)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        levels = self._level_rows()
        if not levels:
            return
        rows = self._rows
        price = self._cursor
        prices = [rows[y][1] for y in levels]
        if price is None or not prices[-1] <= price <= prices[0]:
            # no cursor, or its price is off screen: re-centre on the touch
            spread = next(
                (y for y, r in enumerate(rows) if r[0] in ("spread", "insane")), levels[0]
            )
            target = (
                next((y for y in levels if y > spread), levels[-1])
                if delta > 0
                else next((y for y in reversed(levels) if y < spread), levels[0])
            )
        else:
            # rows run from the highest price down: down is the next lower price shown
            candidates = [
                y for y in levels if (rows[y][1] < price if delta > 0 else rows[y][1] > price)
            ]
            if not candidates:
                return
            target = candidates[0] if delta > 0 else candidates[-1]
        self._set_cursor_row(target)

    def cursor_side(self) -> Side | None:
        """The side that joins the cursor's level: a bid level (at or below the best bid) is a
        BUY, an ask level a SELL; None between the touch or without a cursor."""
        price, book = self._cursor, self._book
        if price is None:
            return None
        y = self._cursor_row()
        if y is not None:
            return Side.BUY if self._rows[y][0] == "bid" else Side.SELL
        if book is not None and book.best_bid is not None and price <= book.best_bid:
            return Side.BUY
        if book is not None and book.best_ask is not None and price >= book.best_ask:
            return Side.SELL
        return None

    def action_pick(self) -> None:
        price, side = self._cursor, self.cursor_side()
        if price is None:
            return
        # Enter joins the level: a bid level is a price to buy at, an ask level to sell at
        self.post_message(PricePicked(price, side))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The trading keys act only with a cursor: before ``up``/``down`` placed one, ``b`` /
        ``s`` / ``t`` fall through to the app's bindings (the ticket, the tape)."""
        if action in CURSOR_ACTIONS:
            return self._cursor is not None
        return True

    def action_limit(self, side: str) -> None:
        if self._cursor is not None:
            self.post_message(LadderLimit(Side(side), self._cursor))

    def action_stop(self) -> None:
        if self._cursor is not None:
            self.post_message(LadderStop(self._cursor))

    def action_cancel_level(self) -> None:
        if self._cursor is not None:
            self.post_message(LadderCancel(self._cursor, self.step))

    def action_move_here(self) -> None:
        if self._cursor is not None:
            self.post_message(LadderMove(self._cursor))

    def action_alert(self) -> None:
        price = self.cursor_price
        if price is None:
            self.notify(_("Alert: first put the cursor on a level (up / down)"), severity="warning")
            return
        self.post_message(AlertAtPrice(price))

    def action_group(self, delta: int) -> None:
        new = max(0, min(len(GROUP_FACTORS) - 1, self.group_index + delta))
        if new != self.group_index:
            self.group_index = new

    def watch_group_index(self) -> None:
        self._cursor = None
        self.refresh_bindings()
        self._rebuild(force=True)
        self.post_message(GroupingChanged(self.step))

    def on_focus(self) -> None:
        self._strips = [None] * len(self._rows)
        self.refresh()

    def on_blur(self) -> None:
        self.on_focus()

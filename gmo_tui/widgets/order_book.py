"""The order book ladder: a Line API widget that repaints only the rows that changed.

Asks above, bids below, a spread row between; price / size / cumulative with depth bars; the
user's own resting orders marked; a level cursor (up/down, Enter puts the price in the ticket);
price grouping in multiples of the tick (``[`` / ``]``).
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
from gmo_tui.market.formatting import decimals_of, fmt, group_price
from gmo_tui.messages import GroupingChanged, PricePicked
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
        Binding("enter", "pick", "Price to ticket", id="book.pick", tooltip="Ticket price = level"),
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
        self._rows: list[tuple] = []
        self._strips: list[Strip | None] = []
        self._styles: dict[str, Style] | None = None
        self._cursor: tuple[str, int] | None = None  # ("ask"|"bid", depth index from the touch)
        self.repainted_rows = 0
        self._depth_scale: Decimal | None = None
        self._ctx: _RowContext | None = None
        self._row_strips: dict[object, Any] = {}
        self._cursor_memo: tuple[list[tuple], tuple[str, int], int | None] | None = None

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

    def clear(self) -> None:
        self._book, self._own = None, {}
        self._rebuild(force=True)

    @property
    def cursor_price(self) -> Decimal | None:
        row = self._cursor_row()
        return self._rows[row][1] if row is not None else None

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
            (bp, bs), (ap, as_) = book.grouped(step, max(n_asks, n_bids, 1))
            asks = list(zip(ap[:n_asks], as_[:n_asks], strict=True))
            bids = list(zip(bp[:n_bids], bs[:n_bids], strict=True))
        own: dict[tuple[str, Decimal], Decimal] = {}
        for (side, price), size in self._own.items():
            kind = "bid" if side == Side.BUY else "ask"
            key = (kind, group_price(price, step, up=kind == "ask"))
            own[key] = own.get(key, Decimal(0)) + size
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
                )
            )
        if book is not None and book.snapshots and not book.sane:
            # a crossed (or one-sided) book has no spread and no mid: say what is wrong
            rows.append(("insane", book.issue or _("book not sane")))
        elif asks and bids:
            spread = asks[0][0] - bids[0][0]
            mid = (asks[0][0] + bids[0][0]) / 2
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
            key = (row[:6], ctx.cursor_row == y)
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
                    spread=fmt(spread, places), mid=fmt(mid, places + 1)
                )
                text = center(text, width)
            return Strip([Segment(text, ctx.spread)], width)
        _kind, price, size, cum, depth, own_size, _index = row
        sd = ctx.size_places
        marker = "◆" if own_size else " "
        body = (
            f"{fmt(price, ctx.price_places):>{price_w - 1}}{marker} "
            f"{fmt(size, sd, commas=False):>{size_w}} {fmt(cum, sd, commas=False):>{cum_w}}"
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
        if self._cursor is None:
            return None
        memo = self._cursor_memo
        if memo is not None and memo[0] is self._rows and memo[1] == self._cursor:
            return memo[2]
        side, index = self._cursor
        found = None
        for y, row in enumerate(self._rows):
            if row[0] == side and row[6] == index:
                found = y
                break
        self._cursor_memo = (self._rows, self._cursor, found)
        return found

    def _set_cursor_row(self, y: int) -> None:
        row = self._rows[y]
        self._cursor = (row[0], row[6])
        self._strips = [None] * len(self._rows)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        levels = self._level_rows()
        if not levels:
            return
        current = self._cursor_row()
        if current is None:
            spread = next(
                (y for y, r in enumerate(self._rows) if r[0] in ("spread", "insane")), levels[0]
            )
            target = (
                next((y for y in levels if y > spread), levels[-1])
                if delta > 0
                else next((y for y in reversed(levels) if y < spread), levels[0])
            )
        else:
            candidates = [y for y in levels if (y > current if delta > 0 else y < current)]
            if not candidates:
                return
            target = candidates[0] if delta > 0 else candidates[-1]
        self._set_cursor_row(target)

    def action_pick(self) -> None:
        y = self._cursor_row()
        if y is None:
            return
        row = self._rows[y]
        # a click on an ask level is a price to buy at; a bid level, a price to sell at
        self.post_message(PricePicked(row[1], Side.BUY if row[0] == "ask" else Side.SELL))

    def action_group(self, delta: int) -> None:
        new = max(0, min(len(GROUP_FACTORS) - 1, self.group_index + delta))
        if new != self.group_index:
            self.group_index = new

    def watch_group_index(self) -> None:
        self._cursor = None
        self._rebuild(force=True)
        self.post_message(GroupingChanged(self.step))

    def on_focus(self) -> None:
        self._strips = [None] * len(self._rows)
        self.refresh()

    def on_blur(self) -> None:
        self.on_focus()

"""Brackets: an entry order whose fills get a stop-loss and a take-profit, built by the app
(GMO's crypto API has no IFD/OCO). No Textual here.

How the exits are held. The exchange lets the close orders of a margin position add up to at
most its size (a second close order for the same size is ERR-189), and a spot sell order locks
the coin it sells, so on every symbol only ONE exit of a lot can rest at the exchange. The
protective one does: the stop-loss is a STOP order at the exchange (a ``closeOrder`` naming the
position on margin; an opposite-side STOP on spot). The take-profit is emulated by the app and
marked so (:class:`~gmo_tui.trading.bracket_model.TakeProfitState`): when the touch reaches it
(:meth:`BracketManager.on_book`) the app cancels the stop, reads back what it may have filled,
then sends a MARKET exit for what is left; if that exit is refused the stop is placed again.
That is the OCO: one exit filling retires the other.

Lots. The exchange opens one margin position per execution, and a close order names one
position, so each fill of the entry is a :class:`~gmo_tui.trading.bracket_model.Lot` with its
own exits, sized to that fill (a partial fill is protected at once, for what filled).

Trailing. With a trailing distance the stop follows the touch (the bid for a long, the ask for
a short) at that distance with ``changeOrder``, only ever in the lot's favour. After the
exchange's 20 changes per order (ERR-5206) the stop is replaced (cancelled, then placed at the
new price); a price the exchange refuses is not tried again.

Durability. Every bracket is saved (:class:`~gmo_tui.trading.bracket_store.BracketStore`)
before any of its orders is sent, with a "sending" mark; after a restart :meth:`restore` reads
the bracket's orders back and links each mark to the trading journal's intent
(:mod:`~gmo_tui.trading.bracket_links`), so an order that reached the exchange is found, never
placed twice (the service also refuses an identical unresolved intent). A leg is only called
placed when the exchange accepted it.

Stops that end early. GMO's STOP is a stop-limit (FAK by default): one that triggers but
expires before filling in full sends the rest at market. A stop cancelled outside the app is
reported (the lot is unprotected), not placed again. A stop refused by the kill switch or the
rate limit waits and goes when entry is enabled again.

Wiring (the session)::

    brackets = BracketManager(service, BracketStore(), listener=...)
    service.listener = FanOutListener(session_listener, brackets)
    await service.start(); await brackets.restore()
    ... on every book update of a symbol:  brackets.on_book(symbol)   (returns at once)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Protocol

from gmo_tui.exchange.enums import ExecutionType, SettleType, Side
from gmo_tui.exchange.errors import GmoError
from gmo_tui.i18n import _
from gmo_tui.market.fills import Fill
from gmo_tui.market.orders import OrderState
from gmo_tui.market.rules import round_price
from gmo_tui.trading.bracket_links import BracketLinker
from gmo_tui.trading.bracket_model import (
    Bracket,
    BracketSpec,
    BracketState,
    Lot,
    OffsetKind,
    TakeProfitState,
    exit_intent,
)
from gmo_tui.trading.bracket_store import BracketStore
from gmo_tui.trading.gates import EntryGates
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.lost_replies import read_orders
from gmo_tui.trading.results import Outcome, SubmitResult, TradingNotice
from gmo_tui.trading.service import TradingService

__all__ = ["BracketListener", "BracketManager", "BracketResult", "ExitKind", "ExitLevel"]

log = logging.getLogger(__name__)
_ORPHAN_LIMIT = 1000
TRANSIENT_CODES = frozenset({"ERR-5003"})
"""Refusals worth trying again later (too many requests)."""
CHANGE_LIMIT_CODE = "ERR-5206"
"""changeOrder refused: the order was changed too many times (20 on GMO)."""
KEEP_FINAL = 200
"""Finished brackets kept in the file (for the Orders pane's history)."""
_GONE = frozenset({OrderState.CANCELED, OrderState.EXPIRED, OrderState.REJECTED})
_CANCELLABLE = frozenset({OrderState.WAITING, OrderState.ORDERED, OrderState.MODIFYING})


class BracketListener(Protocol):
    def on_bracket(self, bracket: Bracket, message: str, level: str) -> None:
        """A bracket changed; ``message`` says how (``level``: info, warning, error)."""


class ExitKind(StrEnum):
    STOP_LOSS = "STOP_LOSS"
    TAKE_PROFIT = "TAKE_PROFIT"


@dataclass(frozen=True, slots=True)
class ExitLevel:
    """One exit of an open lot, for the ladder and the Orders pane. ``placed``: the exchange
    accepted it (a stop); ``emulated``: the app holds it (a take-profit), nothing rests."""

    bracket_id: int
    kind: ExitKind
    side: Side
    price: Decimal
    size: Decimal
    placed: bool
    emulated: bool
    order_id: int | None = None


@dataclass(frozen=True, slots=True)
class BracketResult:
    """``bracket`` is None when nothing was created (the entry's pre-trade check said no or
    asks for a confirmation: ``entry`` says which)."""

    bracket: Bracket | None
    entry: SubmitResult


class BracketManager:
    """Places, follows, restores and cancels brackets through a :class:`TradingService`.

    It is a :class:`~gmo_tui.trading.listener.TradingListener` (give it to the service next to
    the session's listener with :class:`~gmo_tui.trading.fanout.FanOutListener`): fills and
    order changes drive it. ``clock``: wall seconds (for the sending marks).
    """

    def __init__(
        self,
        service: TradingService,
        store: BracketStore,
        *,
        listener: BracketListener | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.store = store
        self.listener = listener
        self.clock = clock
        self._brackets: dict[int, Bracket] = {b.id: b for b in store.load()}
        self._orphans: dict[int, list[Fill]] = {}
        self._trail_refused: dict[tuple[int, int], Decimal] = {}
        self._dirty: set[int] = set()
        self._touched: set[str] = set()  # symbols whose book changed since last looked at
        self._retrail: set[str] = set()  # symbols whose trailing waits for a change to end
        self._worker: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.linker = BracketLinker(service.journal)
        for bracket in self.open_brackets():
            service.watch_symbols.add(bracket.symbol)

    # ------------------------------------------------------------------ queries

    def brackets(self, symbol: str | None = None) -> list[Bracket]:
        return [b for b in self._brackets.values() if symbol is None or b.symbol == symbol]

    def open_brackets(self, symbol: str | None = None) -> list[Bracket]:
        return [b for b in self.brackets(symbol) if not b.state.is_final]

    def get(self, bracket_id: int) -> Bracket | None:
        return self._brackets.get(bracket_id)

    def by_order(self, order_id: int) -> Bracket | None:
        """The bracket an order belongs to (entry or exit), for the Orders pane and the ladder."""
        return next((b for b in self._brackets.values() if order_id in b.order_ids()), None)

    def exit_levels(self, symbol: str) -> list[ExitLevel]:
        """Every exit of the open lots of ``symbol``'s brackets: stops (placed only once the
        exchange accepted them) and armed take-profits (emulated)."""
        levels: list[ExitLevel] = []
        for bracket in self.open_brackets(symbol):
            side = bracket.spec.exit_side
            for lot in bracket.lots:
                if not lot.is_open:
                    continue
                if lot.stop_price is not None and lot.stop_error is None:
                    levels.append(
                        ExitLevel(
                            bracket.id,
                            ExitKind.STOP_LOSS,
                            side,
                            lot.stop_price,
                            lot.open_size,
                            placed=self._active(lot.stop_order_id),
                            emulated=False,
                            order_id=lot.stop_order_id,
                        )
                    )
                if lot.tp_price is not None and lot.tp_state is TakeProfitState.ARMED:
                    levels.append(
                        ExitLevel(
                            bracket.id,
                            ExitKind.TAKE_PROFIT,
                            side,
                            lot.tp_price,
                            lot.open_size,
                            placed=False,
                            emulated=True,
                        )
                    )
        return levels

    # ------------------------------------------------------------------ actions

    def check(self, spec: BracketSpec, *, confirmed: bool = False) -> SubmitResult | None:
        """The entry's pre-trade checks plus the exits' sense (no I/O): ``None`` = may go."""
        rule = self.service.rules.get(spec.symbol)
        if rule is None:
            return SubmitResult(
                Outcome.REFUSED, reason=_("unknown symbol {symbol}").format(symbol=spec.symbol)
            )
        reference = spec.price
        if reference is None:
            book = self.service.books.get(spec.symbol)
            if book is not None:
                reference = book.best_ask if spec.side is Side.BUY else book.best_bid
        if reference is not None:
            long = spec.side is Side.BUY
            if spec.stop_loss is not None and spec.stop_loss.kind is OffsetKind.PRICE:
                stop = spec.stop_loss.value
                if (long and stop >= reference) or (not long and stop <= reference):
                    why = (
                        _("the stop-loss must be below the entry")
                        if long
                        else _("the stop-loss must be above the entry")
                    )
                    return SubmitResult(Outcome.REFUSED, reason=why)
            if spec.take_profit is not None and spec.take_profit.kind is OffsetKind.PRICE:
                target = spec.take_profit.value
                if (long and target <= reference) or (not long and target >= reference):
                    why = (
                        _("the take-profit must be above the entry")
                        if long
                        else _("the take-profit must be below the entry")
                    )
                    return SubmitResult(Outcome.REFUSED, reason=why)
        return self.service.check(spec.entry_intent(), confirmed=confirmed)

    async def place(self, spec: BracketSpec, *, confirmed: bool = False) -> BracketResult:
        """Check, save the bracket, send the entry. The exits follow the entry's fills."""
        refused = self.check(spec, confirmed=confirmed)
        if refused is not None:
            return BracketResult(None, refused)
        async with self._lock:
            bracket = Bracket(
                id=max(self._brackets, default=0) + 1, spec=spec, created_at=self.clock()
            )
            self._brackets[bracket.id] = bracket
            self.service.watch_symbols.add(spec.symbol)
            await self._save()
            result = await self.service.submit(spec.entry_intent(), confirmed=confirmed)
            match result.outcome:
                case Outcome.ACCEPTED:
                    bracket.state = BracketState.WORKING
                    bracket.entry_order_id = result.order_id
                    self._drain(result.order_id)
                    self._tell(
                        bracket, _("entry placed ({order_id})").format(order_id=result.order_id)
                    )
                case Outcome.UNKNOWN:
                    bracket.state = BracketState.WORKING
                    bracket.entry_intent_id = result.intent_id
                    self._tell(
                        bracket,
                        _("the entry's reply was lost; its outcome is UNKNOWN and being resolved"),
                        "warning",
                    )
                case _:
                    bracket.state = BracketState.NOT_PLACED
                    bracket.note = _("entry not placed: {result}").format(result=result)
                    self._tell(bracket, bracket.note, "error")
            await self._save()
        self._kick([bracket.id])
        return BracketResult(bracket, result)

    async def cancel(self, bracket_id: int) -> Bracket | None:
        """Cancel the bracket as one unit: its working entry and its stops are cancelled, its
        take-profits disarmed. Open lots (positions, coin) stay the trader's, said so."""
        bracket = self._brackets.get(bracket_id)
        if bracket is None or bracket.state.is_final:
            return bracket
        async with self._lock:
            bracket.state = BracketState.CANCELLING
            await self._save()
            await self._sync(bracket)
        return bracket

    async def restore(self) -> None:
        """After ``service.start()``: read every open bracket's orders back (their fills too),
        link the sending marks to the journal, then bring each bracket up to date."""
        async with self._lock:
            ids: set[int] = set()
            for bracket in self.open_brackets():
                ids |= bracket.order_ids()
            if ids:
                try:
                    rows, _more = await read_orders(self.service.rest, ids)
                except GmoError as exc:
                    log.warning("brackets: reading orders back failed: %s", exc)
                    rows = []
                await self.service.apply_orders(rows)
                await self.service.reconciler.backfill_fills(rows)
        self._kick([b.id for b in self.open_brackets()])
        await self.wait_idle()

    def on_book(self, symbol: str) -> None:
        """The book of ``symbol`` changed: its emulated take-profits and trailing stops are
        looked at by the manager's worker, against the book as it is then (never blocks: the
        caller's stream loop does not wait for the exchange; many calls coalesce)."""
        if any(b.state is BracketState.WORKING for b in self.open_brackets(symbol)):
            self._touched.add(symbol)
            self._start_worker()

    async def _on_touch(self, symbol: str) -> None:
        book = self.service.books.get(symbol)
        if book is None:
            return
        async with self._lock:
            touch_ref = book.reference(self.service.clock(), self.service.limits.max_book_age)
            if touch_ref is None:
                return  # not sane, or stale: no exit decision on it
            for bracket in self.open_brackets(symbol):
                if bracket.state is not BracketState.WORKING:
                    continue
                long = bracket.spec.side is Side.BUY
                touch = touch_ref.bid if long else touch_ref.ask
                for lot in bracket.lots:
                    if not lot.is_open:
                        continue
                    settled = lot.stop_sending is None and lot.stop_intent_id is None
                    if (
                        lot.tp_state is TakeProfitState.ARMED
                        and lot.tp_price is not None
                        and settled  # never while a stop may be on its way
                    ):
                        if (long and touch >= lot.tp_price) or (not long and touch <= lot.tp_price):
                            await self._take_profit(bracket, lot)
                            continue
                    if bracket.spec.trail is not None:
                        await self._trail(bracket, lot, touch)

    async def wait_idle(self) -> None:
        """Wait until every pending bracket update has run (tests, shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def aclose(self) -> None:
        await self.wait_idle()

    # ------------------------------------------------------------------ TradingListener

    def on_notice(self, notice: TradingNotice) -> None:
        pass

    def on_entry_changed(self, gates: EntryGates) -> None:
        if gates.enabled:
            self._kick([b.id for b in self.open_brackets()])

    def on_account_changed(self, part: AccountPart) -> None:
        if part is AccountPart.ORDERS and self._retrail:
            # a stop's change may have ended: trailing looks again, at the touch as it is now
            self._touched |= self._retrail
            self._retrail.clear()
        if part is not AccountPart.FILLS:
            self._kick([b.id for b in self.open_brackets()])

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        touched = self._absorb(fill)
        if touched is not None:
            self._kick([touched.id])

    # ------------------------------------------------------------------ fills

    def _absorb(self, fill: Fill) -> Bracket | None:
        """Apply one fill to the bracket it belongs to (entry: a new lot; exit: the lot
        closes); a fill of an order not linked yet waits in ``_orphans``."""
        for bracket in self._brackets.values():
            if bracket.entry_order_id == fill.order_id:
                if bracket.lot(fill.execution_id) is None:
                    bracket.lots.append(self._new_lot(bracket, fill))
                    self._tell(
                        bracket,
                        _("entry filled {size} @ {price}").format(size=fill.size, price=fill.price),
                    )
                return bracket
            for lot in bracket.lots:
                mine = fill.order_id in lot.exit_order_ids() or (
                    lot.position_id is not None
                    and fill.position_id == lot.position_id
                    and fill.settle_type in (SettleType.CLOSE, SettleType.LOSS_CUT)
                )
                if mine:
                    if fill.execution_id not in lot.exit_fill_ids:
                        lot.exit_fill_ids.append(fill.execution_id)
                        lot.closed = min(lot.size, lot.closed + fill.size)
                    return bracket
        if self._unlinked() and len(self._orphans) < _ORPHAN_LIMIT:
            self._orphans.setdefault(fill.order_id, []).append(fill)
        return None

    def _unlinked(self) -> bool:
        for bracket in self.open_brackets():
            if bracket.entry_order_id is None:
                return True
            for lot in bracket.lots:
                if lot.stop_order_id is None and (lot.stop_sending or lot.stop_intent_id):
                    return True
                if lot.tp_order_id is None and lot.tp_state in (
                    TakeProfitState.SENDING,
                    TakeProfitState.SENT,
                ):
                    return True
        return False

    def _drain(self, order_id: int | None) -> None:
        if order_id is None:
            return
        for fill in self._orphans.pop(order_id, []):
            self._absorb(fill)

    def _new_lot(self, bracket: Bracket, fill: Fill) -> Lot:
        spec = bracket.spec
        rule = self.service.rules[spec.symbol]
        lot = Lot(
            execution_id=fill.execution_id,
            size=fill.size,
            price=fill.price,
            position_id=fill.position_id if rule.is_margin else None,
        )
        if spec.stop_loss is not None:
            lot.stop_price = spec.stop_loss.price(rule, spec.side, fill.price, profit=False)
        if spec.take_profit is not None:
            lot.tp_price = spec.take_profit.price(rule, spec.side, fill.price, profit=True)
            lot.tp_state = TakeProfitState.ARMED
        return lot

    # ------------------------------------------------------------------ the update loop

    def _kick(self, ids: list[int]) -> None:
        if ids:
            self._dirty.update(ids)
            self._start_worker()

    def _start_worker(self) -> None:
        if self._worker is None or self._worker.done():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                return
            self._worker = loop.create_task(self._work())

    async def _work(self) -> None:
        while self._dirty or self._touched:
            if self._dirty:
                bracket = self._brackets.get(self._dirty.pop())
                if bracket is None or bracket.state.is_final:
                    continue
                try:
                    async with self._lock:
                        await self._sync(bracket)
                except Exception:  # one bracket's trouble must not stop the others
                    log.exception("bracket %s: update failed", bracket.id)
            else:
                symbol = self._touched.pop()
                try:
                    await self._on_touch(symbol)
                except Exception:
                    log.exception("brackets of %s: book update failed", symbol)

    async def _sync(self, bracket: Bracket) -> None:
        """Bring one bracket up to date with the models: link marks, place missing stops,
        retire the other exit of a closed lot, finish or cancel."""
        before = bracket.to_json()
        self._link(bracket)
        if bracket.state.is_final:
            await self._save_if(bracket, before)
            return
        entry = self.service.tracker.get(bracket.entry_order_id) if bracket.entry_order_id else None
        if entry is not None and entry.is_terminal:
            # done once every fill the exchange counts is a lot: its end (an orderEvent) may
            # come before its fills (executionEvents), which then make the lots and exits
            absorbed = sum((lot.size for lot in bracket.lots), Decimal(0))
            bracket.entry_done = absorbed >= entry.filled
        if bracket.state is BracketState.CANCELLING:
            await self._sync_cancelling(bracket)
        else:
            for lot in bracket.lots:
                await self._sync_lot(bracket, lot)
            if bracket.entry_done and not self._busy(bracket):
                for lot in bracket.lots:  # a lot may have closed while this ran
                    self._retire_take_profit(bracket, lot)
                if bracket.lots:
                    bracket.state = BracketState.DONE
                    self._tell(bracket, _("done (every lot closed)"))
                else:
                    bracket.state = BracketState.CANCELLED
                    bracket.note = _("the entry ended without a fill")
                    self._tell(bracket, bracket.note)
        await self._save_if(bracket, before)

    def _busy(self, bracket: Bracket) -> bool:
        """Anything of the bracket still open, working or unresolved."""
        for lot in bracket.lots:
            if lot.is_open or self._active(lot.stop_order_id):
                return True
            if lot.stop_sending or (lot.stop_intent_id and lot.stop_order_id is None):
                return True
        return False

    async def _sync_lot(self, bracket: Bracket, lot: Lot) -> None:
        if not lot.is_open:
            self._retire_take_profit(bracket, lot)
            if self._cancellable(lot.stop_order_id):
                await self._cancel_stop(bracket, lot)  # closed another way: the stop goes
            return
        if lot.tp_state is TakeProfitState.SENT:
            tp = self._state(lot.tp_order_id)
            if tp is None or not tp.is_terminal:
                return  # the exit is working, or its reply is being resolved
            lot.tp_state = lot.idle_exit_state  # it ended with the lot still open: re-arm
            lot.tp_order_id = None
        if lot.tp_state is TakeProfitState.SENDING or bracket.spec.stop_loss is None:
            return
        if lot.stop_order_id is not None:
            state = self._state(lot.stop_order_id)
            if state is None or state not in _GONE:
                self._adopt_stop_price(lot)
                return
            gone = lot.stop_order_id
            lot.retired_stops.append(gone)
            lot.stop_order_id = None
            if state is OrderState.EXPIRED:
                # the stop triggered but (a stop-limit, FAK) did not fill in full: its fills
                # are read back, then the rest leaves at market as the stop-loss asked
                await self._read_back([gone])
                await self._send_exit(
                    bracket,
                    lot,
                    _("stop-loss {price} hit but not filled in full").format(price=lot.stop_price),
                )
                return
            lot.stop_error = _("the stop (order {order_id}) was cancelled outside the app").format(
                order_id=gone
            )
            bracket.note = _("{error}: the lot is unprotected").format(error=lot.stop_error)
            self._tell(bracket, bracket.note, "error")
            return
        if lot.stop_sending is not None or lot.stop_intent_id is not None or lot.stop_error:
            return
        await self._place_stop(bracket, lot)

    def _adopt_stop_price(self, lot: Lot) -> None:
        """The stop's price as the exchange last said it (a change whose reply was lost may
        have been applied); not while a change is in flight."""
        tracked = self.service.tracker.get(lot.stop_order_id) if lot.stop_order_id else None
        if tracked is None or tracked.price is None or tracked.state is OrderState.MODIFYING:
            return
        if tracked.state.is_active and tracked.price != lot.stop_price:
            lot.stop_price = tracked.price

    def _retire_take_profit(self, bracket: Bracket, lot: Lot) -> None:
        """A closed lot's take-profit is over (the stop, or the take-profit itself, closed it)."""
        if lot.tp_state is TakeProfitState.ARMED:
            lot.tp_state = TakeProfitState.DONE
            self._tell(bracket, _("lot closed; take-profit off"))
        elif lot.tp_state is TakeProfitState.SENT:
            lot.tp_state = TakeProfitState.DONE

    async def _sync_cancelling(self, bracket: Bracket) -> None:
        if bracket.entry_order_id is not None and self._cancellable(bracket.entry_order_id):
            await self.service.cancel(bracket.entry_order_id)
        for lot in bracket.lots:
            if lot.tp_state is TakeProfitState.ARMED:
                lot.tp_state = TakeProfitState.DONE
            if self._cancellable(lot.stop_order_id):
                await self._cancel_stop(bracket, lot)
        pending = bracket.entry_order_id is None and bracket.entry_intent_id is not None
        working = bracket.entry_order_id is not None and self._active(bracket.entry_order_id)
        stops = any(
            self._active(lot.stop_order_id) or lot.stop_intent_id or lot.stop_sending
            for lot in bracket.lots
        )
        if not (pending or working or stops):
            bracket.state = BracketState.CANCELLED
            left = bracket.open_size
            bracket.note = (
                _("cancelled; {size} {symbol} stays open without exits").format(
                    size=left, symbol=bracket.symbol
                )
                if left > 0
                else _("cancelled")
            )
            self._tell(bracket, bracket.note, "warning" if left else "info")

    # ------------------------------------------------------------------ exits

    async def _place_stop(self, bracket: Bracket, lot: Lot) -> None:
        rule = self.service.rules[bracket.symbol]
        if rule.is_margin and lot.position_id is None:
            lot.stop_error = _("the fill names no position: the stop cannot be placed")
            self._tell(bracket, lot.stop_error, "error")
            return
        if lot.stop_price is None:
            return
        intent = exit_intent(bracket, lot, ExecutionType.STOP, lot.open_size, lot.stop_price)
        lot.stop_sending = self.clock()
        await self._save()
        result = await self.service.submit(intent, confirmed=True)
        lot.stop_sending = None
        match result.outcome:
            case Outcome.ACCEPTED:
                lot.stop_order_id = result.order_id
                self._drain(result.order_id)
                self._tell(
                    bracket,
                    _("stop-loss placed at {price} for {size} (order {order_id})").format(
                        price=lot.stop_price, size=lot.open_size, order_id=result.order_id
                    ),
                )
            case Outcome.UNKNOWN:
                lot.stop_intent_id = result.intent_id
                self._tell(
                    bracket,
                    _("the stop-loss's reply was lost; UNKNOWN, resolving"),
                    "warning",
                )
            case Outcome.BLOCKED if result.intent_id is not None:
                lot.stop_intent_id = result.intent_id  # the same stop, still unresolved
            case Outcome.BLOCKED:
                # entry closed (a gate): tried again when it opens
                bracket.note = _("stop-loss waiting: {reason}").format(reason=result.reason)
                self._tell(bracket, bracket.note, "warning")
            case _ if self.service.kill_switch or result.code in TRANSIENT_CODES:
                # the kill switch (tried again when it is released) or the rate limit
                bracket.note = _(
                    "stop-loss waiting, the lot is unprotected for now: {result}"
                ).format(result=result)
                self._tell(bracket, bracket.note, "warning")
            case _:
                lot.stop_error = str(result)
                bracket.note = _("stop-loss NOT placed, the lot is unprotected: {result}").format(
                    result=result
                )
                self._tell(bracket, bracket.note, "error")
        await self._save()

    async def _cancel_stop(self, bracket: Bracket, lot: Lot) -> bool:
        """Cancel the lot's stop; True when the exchange accepted the cancel. Afterwards the
        stop is read back (a fill may have won the race; its fills are recorded)."""
        order_id = lot.stop_order_id
        if order_id is None:
            return True
        result = await self.service.cancel(order_id)
        if result.outcome is Outcome.ACCEPTED:
            lot.retired_stops.append(order_id)
            lot.stop_order_id = None
            await self._read_back([order_id])
            return True
        if result.outcome is Outcome.REJECTED and result.order is not None:
            # a race: the order is over (the service recorded its fills)
            lot.retired_stops.append(order_id)
            lot.stop_order_id = None
        return False

    async def _read_back(self, order_ids: list[int]) -> None:
        try:
            rows, _more = await read_orders(self.service.rest, order_ids)
        except GmoError as exc:
            log.warning("brackets: reading back %s failed: %s", order_ids, exc)
            return
        await self.service.apply_orders(rows)
        await self.service.reconciler.backfill_fills(rows)

    async def _take_profit(self, bracket: Bracket, lot: Lot) -> None:
        """The touch reached the take-profit: stop cancelled, then a MARKET exit of the rest.
        The exit is checked before the stop is touched; if it is not sent, the stop returns."""
        probe = exit_intent(bracket, lot, ExecutionType.MARKET, lot.open_size)
        refused = self.service.check(probe, confirmed=True)
        if refused is not None:
            bracket.note = _("take-profit reached but the exit was refused: {result}").format(
                result=refused
            )
            self._tell(bracket, bracket.note, "warning")
            return
        lot.tp_state = TakeProfitState.SENDING
        lot.tp_sending = self.clock()
        await self._save()
        if lot.stop_order_id is not None and not await self._cancel_stop(bracket, lot):
            lot.tp_state = lot.idle_exit_state if lot.is_open else TakeProfitState.DONE
            lot.tp_sending = None
            await self._save()
            return
        await self._send_exit(
            bracket,
            lot,
            _("take-profit {price} reached (emulated): stop cancelled").format(price=lot.tp_price),
        )

    async def _send_exit(self, bracket: Bracket, lot: Lot, why: str) -> None:
        """A MARKET exit of the lot's open size (the take-profit, or the rest of a stop that
        was hit), marked as sending and saved first; its fills close the lot."""
        if not lot.is_open:  # e.g. the stop filled before its cancel: nothing left
            lot.tp_state = TakeProfitState.DONE
            lot.tp_sending = None
            await self._save()
            return
        if lot.tp_state is not TakeProfitState.SENDING:
            lot.tp_state = TakeProfitState.SENDING
            lot.tp_sending = self.clock()
            await self._save()
        order = exit_intent(bracket, lot, ExecutionType.MARKET, lot.open_size)
        result = await self.service.submit(order, confirmed=True)
        lot.tp_sending = None
        match result.outcome:
            case Outcome.ACCEPTED:
                lot.tp_state = TakeProfitState.SENT
                lot.tp_order_id = result.order_id
                self._drain(result.order_id)
                self._tell(
                    bracket,
                    _("{why}; MARKET exit of {size} sent (order {order_id})").format(
                        why=why, size=order.size, order_id=result.order_id
                    ),
                )
            case Outcome.UNKNOWN:
                lot.tp_state = TakeProfitState.SENT
                lot.tp_intent_id = result.intent_id
                self._tell(
                    bracket,
                    _("{why}; the MARKET exit's reply was lost: UNKNOWN").format(why=why),
                    "warning",
                )
            case _:
                lot.tp_state = lot.idle_exit_state
                bracket.note = _("{why}; the MARKET exit was not sent ({result})").format(
                    why=why, result=result
                )
                self._tell(bracket, bracket.note, "error")
        await self._save()
        self._kick([bracket.id])

    async def _trail(self, bracket: Bracket, lot: Lot, touch: Decimal) -> None:
        trail = bracket.spec.trail
        if trail is None or lot.stop_order_id is None or lot.stop_price is None:
            return
        state = self._state(lot.stop_order_id)
        if state is OrderState.MODIFYING:
            # a change is in flight: looked at again when it ends (an ORDERS update)
            self._retrail.add(bracket.symbol)
            return
        if state not in (OrderState.WAITING, OrderState.ORDERED):
            return  # being cancelled, or over: leave it
        rule = self.service.rules[bracket.symbol]
        long = bracket.spec.side is Side.BUY
        if long:
            wanted = round_price(rule, touch - trail, ROUND_FLOOR)
        else:
            wanted = round_price(rule, touch + trail, ROUND_CEILING)
        refused = self._trail_refused.get((bracket.id, lot.execution_id))
        for floor in (lot.stop_price, refused):
            if floor is not None and (wanted <= floor if long else wanted >= floor):
                return  # not in the lot's favour, or a price the exchange just refused
        result = await self.service.change(lot.stop_order_id, wanted, confirmed=True)
        previous = lot.stop_price
        if result.outcome is Outcome.ACCEPTED:
            lot.stop_price = wanted
            await self._save()
            self._tell(
                bracket,
                _("trailing stop {previous} -> {wanted}").format(previous=previous, wanted=wanted),
            )
        elif result.outcome in (Outcome.BLOCKED, Outcome.UNKNOWN) and result.intent_id:
            # an earlier change is unresolved, or this one's reply was lost: not a refusal of
            # the price; trailing looks again once the order's state is known
            self._retrail.add(bracket.symbol)
        elif result.outcome is Outcome.REJECTED and result.code == CHANGE_LIMIT_CODE:
            # the exchange allows 20 changes per order: the stop is replaced at the new price
            if await self._cancel_stop(bracket, lot) and lot.is_open:
                lot.stop_price = wanted
                await self._place_stop(bracket, lot)
        else:
            self._trail_refused[(bracket.id, lot.execution_id)] = wanted

    # ------------------------------------------------------------------ linking marks

    def _link(self, bracket: Bracket) -> None:
        """Sending marks and lost replies -> order ids, from the journal."""
        linked = self.linker.link(bracket, self._claimed_intents())
        for order_id in linked.orders:
            self._drain(order_id)
        for message, level in linked.messages:
            self._tell(bracket, message, level)

    def _claimed_intents(self) -> set[int]:
        ids: set[int] = set()
        for bracket in self._brackets.values():
            if bracket.entry_intent_id is not None:
                ids.add(bracket.entry_intent_id)
            for lot in bracket.lots:
                ids.update(i for i in (lot.stop_intent_id, lot.tp_intent_id) if i is not None)
        return ids

    # ------------------------------------------------------------------ helpers

    def _state(self, order_id: int | None) -> OrderState | None:
        if order_id is None:
            return None
        tracked = self.service.tracker.get(order_id)
        return None if tracked is None else tracked.state

    def _active(self, order_id: int | None) -> bool:
        state = self._state(order_id)
        return state is not None and state.is_active

    def _cancellable(self, order_id: int | None) -> bool:
        """Working and not already being cancelled (a cancel is sent once)."""
        return self._state(order_id) in _CANCELLABLE

    async def _save(self) -> None:
        final = [b for b in self._brackets.values() if b.state.is_final]
        for bracket in final[:-KEEP_FINAL]:  # the oldest finished ones are forgotten
            del self._brackets[bracket.id]
        await asyncio.to_thread(self.store.save, list(self._brackets.values()))

    async def _save_if(self, bracket: Bracket, before: dict[str, object]) -> None:
        if bracket.to_json() != before:
            await self._save()

    def _tell(self, bracket: Bracket, text: str, level: str = "info") -> None:
        """Tell the listener ``bracket N: text`` (``text`` already in the user's language)."""
        message = _("bracket {id}: {text}").format(id=bracket.id, text=text)
        log.info("%s", message)
        if self.listener is None:
            return
        try:
            self.listener.on_bracket(bracket, message, level)
        except Exception:
            log.exception("bracket listener failed")

"""Linking a bracket's orders through the trading journal: a "sending" mark saved before an
order went out (the app may have stopped before the reply) and a lost reply (an UNKNOWN intent)
become the exchange's order id once the journal knows it, or are cleared when the journal says
the order never reached the exchange. Nothing here sends anything."""

from __future__ import annotations

from dataclasses import dataclass, field

from gmo_tui.exchange.enums import ExecutionType
from gmo_tui.i18n import _
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.bracket_model import (
    Bracket,
    BracketState,
    Lot,
    TakeProfitState,
    exit_intent,
)
from gmo_tui.trading.journal import IntentKind, Journal, JournalEntry
from gmo_tui.trading.service import entry_key, intent_key

__all__ = ["BracketLinker", "Linked"]

SLACK_S = 1.0
"""A journal intent may be recorded up to this long before the mark's time stamp."""


@dataclass
class Linked:
    """What one :meth:`BracketLinker.link` found: order ids newly known (fills of them that
    came early can now be applied) and messages for the trader (text, level)."""

    orders: list[int] = field(default_factory=list)
    messages: list[tuple[str, str]] = field(default_factory=list)


class BracketLinker:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def link(self, bracket: Bracket, claimed: set[int]) -> Linked:
        """Update ``bracket`` in place. ``claimed``: journal intents already some bracket's
        (grown with what is found here, so one intent is never given to two legs)."""
        out = Linked()
        if bracket.entry_order_id is None:
            self._link_entry(bracket, claimed, out)
            if bracket.state.is_final:
                return out
        for lot in bracket.lots:
            self._link_stop(bracket, lot, claimed, out)
            self._link_exit(bracket, lot, claimed, out)
        return out

    def _link_entry(self, bracket: Bracket, claimed: set[int], out: Linked) -> None:
        entry: JournalEntry | None = None
        if bracket.entry_intent_id is not None:
            entry = self.journal.get(bracket.entry_intent_id)
        elif bracket.state is BracketState.NEW:
            entry = self._find(bracket.spec.entry_intent(), bracket.created_at, claimed)
            if entry is None:
                bracket.state = BracketState.NOT_PLACED
                bracket.note = _("the entry was never sent (the app stopped before)")
                out.messages.append((bracket.note, "warning"))
                return
            bracket.entry_intent_id = entry.id
            bracket.state = BracketState.WORKING
        if entry is None:
            return
        if entry.order_id is not None:
            bracket.entry_order_id = entry.order_id
            out.orders.append(entry.order_id)
        elif not entry.unresolved and not bracket.lots:
            bracket.state = BracketState.NOT_PLACED
            bracket.note = _("entry not placed ({state})").format(state=_(entry.state.value))
            out.messages.append((bracket.note, "warning"))

    def _link_stop(self, bracket: Bracket, lot: Lot, claimed: set[int], out: Linked) -> None:
        if lot.stop_order_id is not None:
            return
        if lot.stop_sending is not None and lot.stop_price is not None:
            # the app stopped while sending: the journal says whether it went
            probe = exit_intent(bracket, lot, ExecutionType.STOP, lot.open_size, lot.stop_price)
            found = self._find(probe, lot.stop_sending, claimed)
            lot.stop_sending = None
            lot.stop_intent_id = None if found is None else found.id
        if lot.stop_intent_id is not None:
            entry = self.journal.get(lot.stop_intent_id)
            if entry.order_id is not None:
                lot.stop_order_id = entry.order_id
                lot.stop_intent_id = None
                out.orders.append(entry.order_id)
            elif not entry.unresolved:
                lot.stop_intent_id = None  # never reached the exchange: placed again

    def _link_exit(self, bracket: Bracket, lot: Lot, claimed: set[int], out: Linked) -> None:
        if lot.tp_order_id is not None:
            return
        if lot.tp_state is TakeProfitState.SENDING and lot.tp_sending is not None:
            probe = exit_intent(bracket, lot, ExecutionType.MARKET, lot.open_size)
            found = self._find(probe, lot.tp_sending, claimed)
            lot.tp_sending = None
            if found is None:
                lot.tp_state = lot.idle_exit_state
            else:
                lot.tp_state = TakeProfitState.SENT
                lot.tp_intent_id = found.id
        if lot.tp_state is TakeProfitState.SENT and lot.tp_intent_id is not None:
            entry = self.journal.get(lot.tp_intent_id)
            if entry.order_id is not None:
                lot.tp_order_id = entry.order_id
                out.orders.append(entry.order_id)
            elif not entry.unresolved:
                lot.tp_state = lot.idle_exit_state
                lot.tp_intent_id = None

    def _find(self, intent: OrderIntent, since: float, claimed: set[int]) -> JournalEntry | None:
        """The journal's intent for ``intent`` recorded since ``since`` and not claimed."""
        key = intent_key(
            intent.symbol, intent.side, intent.execution_type, intent.size, intent.price
        )
        kind = IntentKind.CLOSE if intent.is_close else IntentKind.ORDER
        for entry in reversed(self.journal.entries()):
            if entry.created_at < since - SLACK_S:
                break
            if entry.kind is kind and entry.id not in claimed and entry_key(entry) == key:
                claimed.add(entry.id)
                return entry
        return None

"""The trading service: the headless layer between the UI and the REST client that makes order
entry safe (pre-trade checks, the durable journal, lost replies, cancel races, reconciliation,
maintenance halts, the kill switch, the entry gates). No Textual here; everything the owner
needs to hear reaches it through a :class:`~gmo_tui.trading.listener.TradingListener`.

* :mod:`~gmo_tui.trading.service`: :class:`TradingService` (submit/change/cancel/close ...).
* :mod:`~gmo_tui.trading.gates`: :class:`EntryGates`, the conditions of order entry.
* :mod:`~gmo_tui.trading.listener`: :class:`TradingListener`, :class:`FillSource`.
* :mod:`~gmo_tui.trading.journal`: the SQLite journal of every intent.
* :mod:`~gmo_tui.trading.results`: :class:`SubmitResult`, :class:`TradingNotice`.
* :mod:`~gmo_tui.trading.lost_replies`, :mod:`~gmo_tui.trading.reconcile`,
  :mod:`~gmo_tui.trading.halts`: the parts of the service that settle unknowns and halts.
"""

from gmo_tui.trading.gates import EntryGates, Gate
from gmo_tui.trading.journal import IntentKind, IntentState, Journal, JournalEntry
from gmo_tui.trading.listener import AccountPart, FillSource, NullListener, TradingListener
from gmo_tui.trading.reconcile import ReconcileReason, ReconcileReport
from gmo_tui.trading.results import (
    NoticeKind,
    NoticeLevel,
    Outcome,
    SubmitResult,
    TradingNotice,
)
from gmo_tui.trading.service import TradingService

__all__ = [
    "AccountPart",
    "EntryGates",
    "FillSource",
    "Gate",
    "IntentKind",
    "IntentState",
    "Journal",
    "JournalEntry",
    "NoticeKind",
    "NoticeLevel",
    "NullListener",
    "Outcome",
    "ReconcileReason",
    "ReconcileReport",
    "SubmitResult",
    "TradingListener",
    "TradingNotice",
    "TradingService",
]

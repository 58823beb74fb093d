"""The trading service: the headless layer between the UI and the REST client that makes order
entry safe (pre-trade checks, the durable journal, lost replies, cancel races, reconciliation,
maintenance halts, the kill switch). No Textual here; notices reach the UI through a callback.

* :mod:`~gmo_tui.trading.service`: :class:`TradingService` (submit/change/cancel/close ...).
* :mod:`~gmo_tui.trading.journal`: the SQLite journal of every intent.
* :mod:`~gmo_tui.trading.results`: :class:`SubmitResult`, :class:`TradingNotice`.
* :mod:`~gmo_tui.trading.lost_replies`, :mod:`~gmo_tui.trading.reconcile`,
  :mod:`~gmo_tui.trading.halts`: the parts of the service that settle unknowns and halts.
"""

from gmo_tui.trading.journal import IntentKind, IntentState, Journal, JournalEntry
from gmo_tui.trading.results import NoticeKind, Outcome, SubmitResult, TradingNotice
from gmo_tui.trading.service import TradingService

__all__ = [
    "IntentKind",
    "IntentState",
    "Journal",
    "JournalEntry",
    "NoticeKind",
    "Outcome",
    "SubmitResult",
    "TradingNotice",
    "TradingService",
]

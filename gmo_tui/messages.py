"""Every Message of the app, as small dataclasses, and the listener that posts them.

:class:`ScreenListener` implements the session's :class:`~gmo_tui.session.listener.SessionListener` by
posting one of these to the main screen. Snapshot-like messages (book, tickers, stream state,
account parts …) override ``can_replace`` so a newer one replaces an unprocessed older one of
the same key: panes read the models, so only the latest cue matters. Fills, notices and the
user's actions never coalesce; each action of the user is its own message.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from textual.message import Message

from gmo_tui.alerts import Fired
from gmo_tui.exchange.enums import ExchangeStatus, KlineInterval, Side, TransferType
from gmo_tui.market.fills import Fill
from gmo_tui.market.intent import OrderIntent
from gmo_tui.session.listener import Banner, HistoryProgress, Severity
from gmo_tui.trading.bracket_model import BracketSpec
from gmo_tui.trading.gates import EntryGates
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.results import TradingNotice


class _Snapshot(Message):
    """Replaces an unprocessed older message of the same type and :meth:`key`."""

    def key(self) -> Hashable:
        return None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, _Snapshot) and (
            type(message) is type(self) and message.key() == self.key()
        )


# ------------------------------------------------------------------ session -> screen


@dataclass
class RulesLoaded(_Snapshot):
    """Symbols and trading rules are known (or reloaded)."""


@dataclass
class BookUpdated(_Snapshot):
    """The book of ``symbol`` changed; the ladder reads the model."""

    symbol: str

    def key(self) -> Hashable:
        return self.symbol


@dataclass
class TradesArrived(_Snapshot):
    """New prints for ``symbol``; the tape and the chart read the models."""

    symbol: str

    def key(self) -> Hashable:
        return self.symbol


@dataclass
class TickersUpdated(_Snapshot):
    """Tickers (and so the watchlist model) changed."""


@dataclass
class KlinesLoaded(_Snapshot):
    symbol: str
    interval: KlineInterval


@dataclass
class StreamStateChanged(_Snapshot):
    """One stream's (or channel's) state: CONNECTING / LIVE / STALE / RECONNECTING / DOWN."""

    stream: str
    state: str
    detail: str = ""

    def key(self) -> Hashable:
        return self.stream


@dataclass
class ExchangeStatusChanged(_Snapshot):
    status: ExchangeStatus


@dataclass
class BalancesChanged(_Snapshot):
    """Margin, assets or trading volume of the account model changed."""


@dataclass
class HistoryUpdated(Message):
    progress: HistoryProgress


@dataclass
class BannerChanged(_Snapshot):
    """A permanent banner raised (``reason``) or cleared (None)."""

    banner: Banner
    reason: str | None

    def key(self) -> Hashable:
        return self.banner


@dataclass
class Notice(Message):
    """A toast (and the notices log)."""

    text: str
    severity: Severity = Severity.INFO


@dataclass
class TradingNoticed(Message):
    notice: TradingNotice


@dataclass
class FillArrived(Message):
    """A fill newly in the ledger (live or recovered). Never coalesced."""

    fill: Fill
    source: FillSource


@dataclass
class AccountPartChanged(_Snapshot):
    """Orders, positions or fills changed: the pane re-renders from the service's model."""

    part: AccountPart

    def key(self) -> Hashable:
        return self.part


@dataclass
class EntryChanged(_Snapshot):
    """Order entry enabled, or disabled with a reason."""

    enabled: bool
    reason: str | None


@dataclass
class AlertFired(Message):
    """An alert fired (the session keeps it until dismissed). Never coalesced."""

    fired: Fired


class ScreenListener:
    """The session's listener: every call becomes a message posted through ``post``."""

    def __init__(self, post: Callable[[Message], bool]) -> None:
        self.post = post

    def on_rules(self) -> None:
        self.post(RulesLoaded())

    def on_book(self, symbol: str) -> None:
        self.post(BookUpdated(symbol))

    def on_trades(self, symbol: str) -> None:
        self.post(TradesArrived(symbol))

    def on_tickers(self, symbols: tuple[str, ...]) -> None:
        self.post(TickersUpdated())

    def on_klines(self, symbol: str, interval: KlineInterval) -> None:
        self.post(KlinesLoaded(symbol, interval))

    def on_stream_state(self, stream: str, state: str, detail: str) -> None:
        self.post(StreamStateChanged(stream, state, detail))

    def on_exchange_status(self, status: ExchangeStatus) -> None:
        self.post(ExchangeStatusChanged(status))

    def on_balances(self) -> None:
        self.post(BalancesChanged())

    def on_history(self, progress: HistoryProgress) -> None:
        self.post(HistoryUpdated(progress))

    def on_banner(self, banner: Banner, reason: str | None) -> None:
        self.post(BannerChanged(banner, reason))

    def on_message(self, text: str, severity: Severity) -> None:
        self.post(Notice(text, severity))

    def on_notice(self, notice: TradingNotice) -> None:
        self.post(TradingNoticed(notice))

    def on_fill(self, fill: Fill, source: FillSource) -> None:
        self.post(FillArrived(fill, source))

    def on_account_changed(self, part: AccountPart) -> None:
        self.post(AccountPartChanged(part))

    def on_entry_changed(self, gates: EntryGates) -> None:
        self.post(EntryChanged(gates.enabled, gates.reason))

    def on_alert(self, fired: Fired) -> None:
        self.post(AlertFired(fired))


# ------------------------------------------------------------------ panes -> screen: one per action


@dataclass
class PricePicked(Message):
    """Enter on a ladder level: put ``price`` into the ticket."""

    price: Decimal
    side: Side | None = None


@dataclass
class AlertAtPrice(Message):
    """``!`` on a ladder level: a price alert at ``price``."""

    price: Decimal


@dataclass
class LadderLimit(Message):
    """``b`` / ``s`` on the ladder: a LIMIT of the active size at ``price``."""

    side: Side
    price: Decimal


@dataclass
class LadderStop(Message):
    """``t`` on the ladder: a STOP of the active size triggered at ``price`` (its side from
    where ``price`` is relative to the market)."""

    price: Decimal


@dataclass
class LadderCancel(Message):
    """``c`` on the ladder: cancel my orders at the level ``price`` (levels ``step`` wide)."""

    price: Decimal
    step: Decimal


@dataclass
class LadderMove(Message):
    """``m`` on the ladder: move my order selected in the Orders table, else the one nearest
    ``price``, there (changeOrder)."""

    price: Decimal


@dataclass
class GroupingChanged(Message):
    step: Decimal


@dataclass
class SymbolChosen(Message):
    symbol: str


@dataclass
class IntervalChosen(Message):
    interval: KlineInterval


@dataclass
class TicketSubmitted(Message):
    """The ticket's Enter: an order the user wants to send (after a confirm)."""

    intent: OrderIntent


@dataclass
class BracketSubmitted(Message):
    """The ticket's Enter with a take-profit or stop-loss: an entry with exits (a confirm)."""

    spec: BracketSpec


@dataclass
class CancelBracket(Message):
    """Cancel a bracket as one unit (its entry and stop cancelled, take-profit disarmed)."""

    bracket_id: int


@dataclass
class CancelOrder(Message):
    order_id: int


@dataclass
class ChangeOrder(Message):
    order_id: int


@dataclass
class CancelAll(Message):
    """Cancel every order of ``symbol`` (the selected row's in the all-symbols view; ``None``:
    the current symbol)."""

    symbol: str | None = None


@dataclass
class ClosePosition(Message):
    position_id: int


@dataclass
class ChangeLosscut(Message):
    position_id: int


@dataclass
class CloseAll(Message):
    """Close every position of ``symbol`` (the selected row's in the all-symbols view;
    ``None``: the current symbol)."""

    symbol: str | None = None


@dataclass
class TransferRequested(Message):
    amount: Decimal
    transfer_type: TransferType


@dataclass
class HistoryRequested(Message):
    start: datetime
    end: datetime

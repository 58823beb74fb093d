"""The session's alerts: the :class:`~gmo_tui.alerts.AlertEngine` fed from the session's models,
and the fired alerts the trader has not dismissed yet. No Textual here.

Prices: one source per symbol, so an older price from another source is never taken for a
crossing: the trades of the symbol whose trades channel is subscribed, the tickers of every
other symbol. Losscut distances are judged only on the current symbol's book while its stream
is live (other books are not kept current: no verdict there). Every alert that fires is told
to the listener once, and its latest firing stays in :attr:`SessionAlerts.notices` (saved with
the alert) until dismissed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from gmo_tui.alerts import Alert, AlertEngine, AlertStore, Fired
from gmo_tui.exchange.enums import ExchangeStatus
from gmo_tui.exchange.models import Ticker, Trade
from gmo_tui.exchange.stream_base import StreamStatus
from gmo_tui.market.account import Account
from gmo_tui.market.book import Book
from gmo_tui.market.fills import Fill
from gmo_tui.market.positions import Positions

__all__ = ["AlertListener", "SessionAlerts", "alerts_path"]

ALERTS_FILE = "alerts.json"


def alerts_path(journal_path: str | None) -> Path | None:
    """``alerts.json`` next to the order journal (the demo's is in its own temporary
    directory, so demo alerts never mix with real ones); None: the data directory's."""
    return Path(journal_path).with_name(ALERTS_FILE) if journal_path else None


class AlertListener(Protocol):
    def on_alert(self, fired: Fired) -> None: ...


class SessionAlerts:
    def __init__(
        self, store: AlertStore, listener: AlertListener, now: Callable[[], float]
    ) -> None:
        self.engine = AlertEngine(store, clock=now)
        self.listener = listener

    @property
    def notices(self) -> list[Fired]:
        """The latest firing of each alert not dismissed yet, oldest first (saved with the
        alerts: a notice stays across restarts until dismissed)."""
        return self.engine.pending

    @property
    def problems(self) -> list[str]:
        """What went wrong reading or saving the alerts file (for the trader to see)."""
        return self.engine.store.problems

    # ------------------------------------------------------------------ the trader's alerts
    def add(self, alert: Alert) -> Alert:
        """Add ``alert`` (``ValueError`` with a message if it cannot work)."""
        return self.engine.add(alert)

    def remove(self, alert_id: str) -> bool:
        self.dismiss(alert_id)
        return self.engine.remove(alert_id)

    def dismiss(self, alert_id: str | None = None) -> int:
        """Dismiss the notice of ``alert_id`` (every notice when None); how many went."""
        return self.engine.dismiss(alert_id)

    def _tell(self, fired: list[Fired]) -> None:
        for one in fired:
            self.listener.on_alert(one)

    # ------------------------------------------------------------------ what feeds them
    def trade(self, trade: Trade, symbol: str) -> None:
        self._tell(self.engine.on_trade(trade, symbol))

    def ticker(self, ticker: Ticker, trades_symbol: str | None) -> None:
        """A ticker's last price, unless the symbol's own trades are streamed."""
        if ticker.symbol != trades_symbol:
            self._tell(self.engine.on_ticker(ticker))

    def positions(self, positions: Positions, books: Mapping[str, Book]) -> None:
        self._tell(self.engine.check_positions(positions, books))

    def margin(self, account: Account) -> None:
        """The margin ratio, while margin is in use (with none, GMO's ratio is 0: no verdict)."""
        if account.margin is not None and account.margin.margin > 0:
            self._tell(self.engine.check_margin(account))

    def fill(self, fill: Fill) -> None:
        self._tell(self.engine.on_fill(fill))

    def stream(self, status: StreamStatus) -> None:
        self._tell(self.engine.on_stream_status(status))

    def tick(self) -> None:
        """Streams not live for too long (run every second)."""
        self._tell(self.engine.check_streams())

    def exchange_status(self, status: ExchangeStatus) -> None:
        self._tell(self.engine.on_exchange_status(status))

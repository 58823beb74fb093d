"""The session's alerts: one price source per symbol (its streamed trades, else its ticker),
every firing told once and kept until dismissed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from gmo_tui.alerts import Alert, AlertKind, AlertStore, Fired
from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import Ticker, Trade
from gmo_tui.session.alerting import SessionAlerts, alerts_path


class Told:
    def __init__(self) -> None:
        self.fired: list[Fired] = []

    def on_alert(self, fired: Fired) -> None:
        self.fired.append(fired)


def ticker(symbol: str, last: str) -> Ticker:
    p = Decimal(last)
    return Ticker(
        ask=p, bid=p, high=p, last=p, low=p, symbol=symbol, timestamp=datetime.now(UTC), volume=p
    )


def trade(symbol: str, price: str) -> Trade:
    return Trade(
        price=Decimal(price),
        side=Side.BUY,
        size=Decimal("0.01"),
        timestamp=datetime.now(UTC),
        symbol=symbol,
    )


def test_one_price_source_per_symbol_and_notices_until_dismissed_even_across_restarts(
    tmp_path: Path,
) -> None:
    told = Told()
    alerts = SessionAlerts(AlertStore(tmp_path / "alerts.json"), told, lambda: 1000.0)
    btc = alerts.add(Alert(AlertKind.PRICE_ABOVE, Decimal(100), "BTC_JPY"))
    eth = alerts.add(Alert(AlertKind.PRICE_ABOVE, Decimal(100), "ETH_JPY"))
    # BTC_JPY's trades are streamed: its tickers (older prices) are not taken for a crossing
    alerts.trade(trade("BTC_JPY", "99"), "BTC_JPY")
    alerts.ticker(ticker("BTC_JPY", "101"), "BTC_JPY")
    assert told.fired == []
    alerts.trade(trade("BTC_JPY", "101"), "BTC_JPY")
    assert [f.alert_id for f in told.fired] == [btc.id]
    # ETH_JPY is not streamed: its ticker is its price
    alerts.ticker(ticker("ETH_JPY", "99"), "BTC_JPY")
    alerts.ticker(ticker("ETH_JPY", "100"), "BTC_JPY")
    assert [f.alert_id for f in told.fired] == [btc.id, eth.id]
    assert [f.alert_id for f in alerts.notices] == [btc.id, eth.id]
    # a notice not dismissed stays across a restart, with what it said
    again = SessionAlerts(AlertStore(tmp_path / "alerts.json"), Told(), lambda: 2000.0)
    assert again.notices == alerts.notices
    assert again.dismiss(btc.id) == 1 and [f.alert_id for f in again.notices] == [eth.id]
    assert alerts.dismiss(btc.id) == 1 and [f.alert_id for f in alerts.notices] == [eth.id]
    assert alerts.remove(eth.id) and alerts.notices == []
    assert alerts.dismiss() == 0
    assert SessionAlerts(AlertStore(tmp_path / "alerts.json"), Told(), lambda: 0.0).notices == []


def test_the_alerts_file_is_next_to_the_journal(tmp_path: Path) -> None:
    assert alerts_path(str(tmp_path / "journal.sqlite")) == tmp_path / "alerts.json"
    assert alerts_path(None) is None

"""The alerts engine: the caller feeds it what the market models know (prices from tickers,
trades or the watchlist, open positions with their books, the account's margin, fills, stream
states, the exchange status) and gets back the alerts that fired. It never does I/O except
saving its alerts (:class:`~gmo_tui.alerts.store.AlertStore`) whenever their state changes, so a
fired alert stays fired across restarts.

Nothing is claimed from missing facts: no sane book, no margin, no price yet means no verdict
(and no change of state)."""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from gmo_tui.alerts.model import Alert, AlertKind, AlertState, Fired
from gmo_tui.alerts.store import AlertStore
from gmo_tui.exchange.enums import ExchangeStatus, Side
from gmo_tui.exchange.models import Ticker, Trade
from gmo_tui.exchange.stream_base import StreamState, StreamStatus
from gmo_tui.i18n import _
from gmo_tui.market.account import Account
from gmo_tui.market.book import Book
from gmo_tui.market.fills import Fill
from gmo_tui.market.formatting import fmt_grouped
from gmo_tui.market.positions import Positions

__all__ = ["AlertEngine"]

log = logging.getLogger(__name__)
_HUNDRED = Decimal(100)
MARGIN_KEY = "margin"
MAINTENANCE_KEY = "maintenance"


def stream_key(status: StreamStatus) -> str:
    """``public``, ``public/ticker/BTC`` …: the socket, or one subscription of it."""
    parts = [status.stream, status.channel, status.symbol]
    return "/".join(p for p in parts if p)


class AlertEngine:
    def __init__(self, store: AlertStore, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self._alerts: dict[str, Alert] = {a.id: a for a in store.load()}
        self._last: dict[str, Decimal] = {}
        self._window: dict[str, deque[tuple[float, Decimal]]] = {}
        self._down_since: dict[str, float] = {}

    # ------------------------------------------------------------------ the alerts
    @property
    def alerts(self) -> list[Alert]:
        return list(self._alerts.values())

    def add(self, alert: Alert) -> Alert:
        alert.check()
        if not alert.created_at:
            alert.created_at = self.clock()
        if alert.kind.one_shot and alert.symbol in self._last and alert.level is not None:
            self._prime(alert, self._last[alert.symbol])
        self._alerts[alert.id] = alert
        self._save()
        return alert

    def remove(self, alert_id: str) -> bool:
        found = self._alerts.pop(alert_id, None) is not None
        if found:
            self._save()
        return found

    def _save(self) -> None:
        """Save every alert; a disk that refuses is reported, and alerting goes on."""
        try:
            self.store.save(self.alerts)
        except OSError as exc:
            problem = _("alerts not saved to {path}: {error}").format(
                path=self.store.path, error=exc.strerror or exc
            )
            self.store.problems.append(problem)
            log.warning("%s", problem)

    def _armed(self, *kinds: AlertKind) -> list[Alert]:
        return [a for a in self._alerts.values() if a.kind in kinds and a.state is AlertState.ARMED]

    def _fire(
        self,
        alert: Alert,
        title: str,
        body: str,
        now: float,
        symbol: str | None = None,
        **details: str,
    ) -> Fired:
        if alert.kind.one_shot:
            alert.state = AlertState.FIRED
        alert.fired_at = now
        fired = Fired(alert.id, alert.kind, title, body, now, symbol or alert.symbol, details)
        alert.pending = fired
        return fired

    @property
    def pending(self) -> list[Fired]:
        """The latest firing of each alert not dismissed yet, oldest first."""
        return sorted((a.pending for a in self._alerts.values() if a.pending), key=lambda f: f.at)

    def dismiss(self, alert_id: str | None = None) -> int:
        """Dismiss the notice of ``alert_id`` (of every alert when None); how many went."""
        gone = [
            a for a in self._alerts.values() if a.pending is not None and alert_id in (None, a.id)
        ]
        for alert in gone:
            alert.pending = None
        if gone:
            self._save()
        return len(gone)

    # ------------------------------------------------------------------ prices
    def on_ticker(self, ticker: Ticker, now: float | None = None) -> list[Fired]:
        return self.on_price(ticker.symbol, ticker.last, now)

    def on_trade(self, trade: Trade, symbol: str, now: float | None = None) -> list[Fired]:
        return self.on_price(trade.symbol or symbol, trade.price, now)

    def on_price(self, symbol: str, price: Decimal, now: float | None = None) -> list[Fired]:
        """A last price of ``symbol``: crossings and percent moves."""
        now = self.clock() if now is None else now
        self._last[symbol] = price
        fired: list[Fired] = []
        changed = False
        for alert in self._armed(AlertKind.PRICE_ABOVE, AlertKind.PRICE_BELOW):
            if alert.symbol != symbol or alert.level is None:
                continue
            above = alert.kind is AlertKind.PRICE_ABOVE
            crossed = price >= alert.level if above else price <= alert.level
            if alert.primed and crossed:
                title, body = (
                    (_("{symbol} above {level}"), _("{symbol} last {price} crossed above {level}"))
                    if above
                    else (
                        _("{symbol} below {level}"),
                        _("{symbol} last {price} crossed below {level}"),
                    )
                )
                words = {
                    "symbol": symbol,
                    "level": fmt_grouped(alert.level),
                    "price": fmt_grouped(price),
                }
                fired.append(
                    self._fire(
                        alert,
                        title.format(**words),
                        body.format(**words),
                        now,
                        price=str(price),
                        level=str(alert.level),
                    )
                )
                changed = True
            elif self._prime(alert, price):
                changed = True
        fired.extend(self._percent_moves(symbol, price, now))
        if fired or changed:
            self._save()
        return fired

    @staticmethod
    def _prime(alert: Alert, price: Decimal) -> bool:
        """Mark the alert primed when ``price`` is on the far side of its level."""
        assert alert.level is not None
        far = price < alert.level if alert.kind is AlertKind.PRICE_ABOVE else price > alert.level
        if far and not alert.primed and alert.kind is not AlertKind.PERCENT_MOVE:
            alert.primed = True
            return True
        return False

    def _percent_moves(self, symbol: str, price: Decimal, now: float) -> list[Fired]:
        alerts = [a for a in self._armed(AlertKind.PERCENT_MOVE) if a.symbol == symbol]
        window = self._window.setdefault(symbol, deque())
        window.append((now, price))
        longest = max((a.window_s or 0.0 for a in alerts), default=0.0)
        while window and window[0][0] < now - longest:
            window.popleft()
        fired = []
        for alert in alerts:
            assert alert.level is not None and alert.window_s is not None
            start = now - alert.window_s
            prices = [p for t, p in window if t >= start]
            low, high = min(prices), max(prices)
            if low <= 0:
                continue
            up = (price - low) / low * _HUNDRED
            down = (high - price) / high * _HUNDRED
            move, ref = (up, low) if up >= down else (-down, high)
            if abs(move) >= alert.level:
                title, body = (
                    (
                        _("{symbol} up {percent}%"),
                        _("{symbol} moved up from {ref} to {price} within {seconds} s"),
                    )
                    if move >= 0
                    else (
                        _("{symbol} down {percent}%"),
                        _("{symbol} moved down from {ref} to {price} within {seconds} s"),
                    )
                )
                words = {
                    "symbol": symbol,
                    "percent": f"{abs(move):.2f}",
                    "ref": fmt_grouped(ref),
                    "price": fmt_grouped(price),
                    "seconds": f"{alert.window_s:g}",
                }
                fired.append(
                    self._fire(
                        alert,
                        title.format(**words),
                        body.format(**words),
                        now,
                        price=str(price),
                        reference=str(ref),
                        percent=str(move.quantize(Decimal("0.01"))),
                    )
                )
        return fired

    # ------------------------------------------------------------------ conditions
    def _episode(self, alert: Alert, key: str, holds: bool) -> bool:
        """True when ``key``'s condition starts to hold now (it fires); clears when it ends."""
        if holds and key not in alert.active:
            alert.active.append(key)
            return True
        if not holds and key in alert.active:
            alert.active.remove(key)
        return False

    def check_positions(self, positions: Positions, books: Mapping[str, Book]) -> list[Fired]:
        """Open positions against their losscut prices, marked at the touch of a sane book
        (a long at the best bid, a short at the best ask: where the losscut is judged)."""
        now = self.clock()
        fired = []
        before = [list(a.active) for a in self._alerts.values()]
        for alert in self._armed(AlertKind.LOSSCUT_NEAR):
            assert alert.level is not None
            open_ids: set[str] = set()
            for position in positions.all(alert.symbol):
                key = str(position.position_id)
                open_ids.add(key)
                book = books.get(position.symbol)
                ref = book.reference() if book is not None else None
                if ref is None or not position.losscut_price:
                    continue  # unknown: no verdict, no change
                mark = ref.bid if position.side is Side.BUY else ref.ask
                distance = abs(mark - position.losscut_price) / mark * _HUNDRED
                if self._episode(alert, key, distance <= alert.level):
                    fired.append(
                        self._fire(
                            alert,
                            _("{symbol} near losscut").format(symbol=position.symbol),
                            _(
                                "{side} {size} {symbol} #{id}: mark {mark} is {distance}% from "
                                "losscut {losscut}"
                            ).format(
                                side=_(position.side.value),
                                size=position.size,
                                symbol=position.symbol,
                                id=position.position_id,
                                mark=fmt_grouped(mark),
                                distance=f"{distance:.2f}",
                                losscut=fmt_grouped(position.losscut_price),
                            ),
                            now,
                            position.symbol,
                            position_id=key,
                            mark=str(mark),
                            losscut_price=str(position.losscut_price),
                            distance_pct=str(distance.quantize(Decimal("0.01"))),
                        )
                    )
            closed = [k for k in alert.active if k not in open_ids]
            for key in closed:
                alert.active.remove(key)
        if fired or before != [a.active for a in self._alerts.values()]:
            self._save()
        return fired

    def check_margin(self, account: Account) -> list[Fired]:
        ratio = account.margin_ratio
        if ratio is None:
            return []
        now = self.clock()
        fired, changed = [], False
        for alert in self._armed(AlertKind.MARGIN_BELOW):
            assert alert.level is not None
            was = list(alert.active)
            if self._episode(alert, MARGIN_KEY, ratio < alert.level):
                fired.append(
                    self._fire(
                        alert,
                        _("Margin ratio low"),
                        _("margin ratio {ratio}% is under {level}%").format(
                            ratio=ratio, level=alert.level
                        ),
                        now,
                        margin_ratio=str(ratio),
                        level=str(alert.level),
                    )
                )
            changed = changed or was != alert.active
        if changed:
            self._save()
        return fired

    def on_fill(self, fill: Fill) -> list[Fired]:
        now = self.clock()
        fired = []
        for alert in self._armed(AlertKind.FILL):
            if alert.symbol not in (None, fill.symbol) or not alert.remember_fill(
                fill.execution_id
            ):
                continue
            fired.append(
                self._fire(
                    alert,
                    _("Filled {side} {size} {symbol}").format(
                        side=_(fill.side.value), size=fill.size, symbol=fill.symbol
                    ),
                    _("{side} {size} {symbol} at {price} (order {order})").format(
                        side=_(fill.side.value),
                        size=fill.size,
                        symbol=fill.symbol,
                        price=fmt_grouped(fill.price),
                        order=fill.order_id,
                    ),
                    now,
                    fill.symbol,
                    execution_id=str(fill.execution_id),
                    order_id=str(fill.order_id),
                    side=fill.side.value,
                    size=str(fill.size),
                    price=str(fill.price),
                )
            )
        if fired:
            self._save()
        return fired

    def on_stream_status(self, status: StreamStatus, now: float | None = None) -> list[Fired]:
        """A stream's state change (as the stream yields it); then :meth:`check_streams`."""
        now = self.clock() if now is None else now
        key = stream_key(status)
        if status.state is StreamState.LIVE:
            self._down_since.pop(key, None)
            if status.channel is None:  # the socket is back: so is every channel of it
                for other in [k for k in self._down_since if k.startswith(key + "/")]:
                    del self._down_since[other]
        else:
            self._down_since.setdefault(key, now)
        return self.check_streams(now)

    def check_streams(self, now: float | None = None) -> list[Fired]:
        """Streams not LIVE for longer than an alert's seconds (call it on a timer too)."""
        now = self.clock() if now is None else now
        fired, changed = [], False
        for alert in self._armed(AlertKind.STREAM_STALE):
            assert alert.level is not None
            for key in [k for k in alert.active if k not in self._down_since]:
                alert.active.remove(key)
                changed = True
            for key, since in self._down_since.items():
                seconds = Decimal(str(round(now - since, 3)))
                if self._episode(alert, key, seconds >= alert.level):
                    fired.append(
                        self._fire(
                            alert,
                            _("Stream {stream} not live").format(stream=key),
                            _("{stream} has not been live for {seconds} s").format(
                                stream=key, seconds=f"{seconds:.1f}"
                            ),
                            now,
                            stream=key,
                            seconds=str(seconds),
                        )
                    )
        if fired or changed:
            self._save()
        return fired

    def on_exchange_status(self, status: ExchangeStatus) -> list[Fired]:
        """``/v1/status`` (or an ERR-5201/5202 reply as MAINTENANCE): maintenance begun."""
        now = self.clock()
        fired, changed = [], False
        for alert in self._armed(AlertKind.MAINTENANCE):
            was = list(alert.active)
            if self._episode(alert, MAINTENANCE_KEY, status is ExchangeStatus.MAINTENANCE):
                fired.append(
                    self._fire(alert, _("Maintenance"), _("the exchange is in maintenance"), now)
                )
            changed = changed or was != alert.active
        if changed:
            self._save()
        return fired

    def on_maintenance_notice(self, notice_id: str, text: str) -> list[Fired]:
        """A maintenance announcement (each ``notice_id`` fires once per alert)."""
        now = self.clock()
        key = f"notice:{notice_id}"
        fired = []
        for alert in self._armed(AlertKind.MAINTENANCE):
            if key in alert.active:
                continue
            alert.active.append(key)
            title = _("Maintenance announced")
            fired.append(self._fire(alert, title, text, now, notice=notice_id))
        if fired:
            self._save()
        return fired

    def feed_prices(self, prices: Iterable[tuple[str, Decimal]]) -> list[Fired]:
        """Several last prices at once (e.g. every watchlist row)."""
        fired: list[Fired] = []
        for symbol, price in prices:
            fired.extend(self.on_price(symbol, price))
        return fired

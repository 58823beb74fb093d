"""Paper trading on the live market (``gmo-tui --paper``): :class:`PaperExchange`.

The built-in exchange runs in its own thread with a :class:`~gmo_tui.sim.live_feed.LiveFeedMarket`
(the live exchange's public side, forwarded; paper orders matched against the live book and
prints) and one funded paper account. The account persists across runs in the data directory
(``paper/account.json``, private to the user, replaced atomically): its balances and open
positions are saved after every change (at most twice a second) and when the exchange stops,
and restored at the next start. Resting paper orders do not survive a restart: they are
cancelled when the paper exchange stops (the balances they held are released) and the user is
told how many. A file that cannot be read is never overwritten: the start fails and says why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import to_wire
from gmo_tui.exchange.endpoints import DEFAULT_ENDPOINT
from gmo_tui.private_files import private_dir
from gmo_tui.sim.engine import Engine, SimError
from gmo_tui.sim.engine_events import AccountEvent
from gmo_tui.sim.live_feed import LiveFeedMarket
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.runner import SimThread
from gmo_tui.sim.state import SimState
from gmo_tui.sim.symbols import is_margin

log = logging.getLogger(__name__)
ACCOUNT = "paper"
START_JPY = Decimal("10000000")
FORMAT = 1
SAVE_EVERY_S = 0.5


class PaperStoreError(Exception):
    """The persisted paper account cannot be read (the message names the file and why)."""


def paper_dir() -> Path:
    from gmo_tui.trading.journal import default_journal_path

    return default_journal_path().parent / "paper"


@dataclass
class PaperAccount:
    amounts: dict[str, Decimal] = field(default_factory=lambda: {"JPY": START_JPY})
    positions: list[models.Position] = field(default_factory=list)

    @classmethod
    def of(cls, engine: Engine, account_id: str) -> PaperAccount:
        amounts = {a.symbol: a.amount for a in engine.assets(account_id) if a.amount != 0}
        positions = [
            position
            for symbol in engine.rules
            if is_margin(symbol)
            for position in engine.open_positions(account_id, symbol, count=100).list
        ]
        return cls(amounts, positions)


class PaperStore:
    """``account.json``: the paper account's balances and open positions."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> PaperAccount:
        """The saved account, or a new funded one when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return PaperAccount()
        try:
            raw = json.loads(text)
            if raw.get("format") != FORMAT:
                raise ValueError(f"format {raw.get('format')!r} is not {FORMAT}")
            amounts = {str(k): Decimal(str(v)) for k, v in raw["amounts"].items()}
            positions = [
                msgspec.json.decode(json.dumps(p), type=models.Position) for p in raw["positions"]
            ]
        except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation) as exc:
            raise PaperStoreError(
                f"{self.path}: the paper account cannot be read ({exc}); move it away to start a "
                "new one"
            ) from None
        return PaperAccount(amounts, positions)

    def save(self, account: PaperAccount) -> None:
        private_dir(self.path.parent)
        data = {
            "format": FORMAT,
            "saved": to_wire(datetime.now(UTC)),
            "amounts": {k: str(v) for k, v in account.amounts.items()},
            "positions": [to_wire(p) for p in account.positions],
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            json.dump(data, f, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class PaperExchange:
    """The paper exchange: ``start() -> endpoint``, ``stop()``, ``api_key``/``api_secret``."""

    def __init__(
        self,
        upstream: str = DEFAULT_ENDPOINT,
        store: PaperStore | None = None,
        **stream_options: Any,
    ) -> None:
        self.upstream = upstream
        self.store = store or PaperStore(paper_dir() / "account.json")
        self.account = self.store.load()
        self.api_key = "paper" + secrets.token_hex(14)
        self.api_secret = secrets.token_hex(18)
        self.cancelled_at_stop = 0
        self._stream_options = stream_options
        self._state: SimState | None = None
        self._save_pending = False
        self._stopping = False
        self._thread = SimThread(host="127.0.0.1", port=0, market=self._market)

    def _market(self, state: SimState, rates: MarketRates) -> LiveFeedMarket:
        """The ``market=`` factory: runs in the exchange's thread as its state is built."""
        market = LiveFeedMarket(state, rates, self.upstream, **self._stream_options)
        amounts = dict(self.account.amounts)
        jpy = amounts.pop("JPY", Decimal(0))
        state.add_account(self.api_key, self.api_secret, ACCOUNT, jpy=jpy, crypto=amounts)
        for position in self.account.positions:
            try:
                state.engine.restore_position(ACCOUNT, position)
            except SimError as exc:
                log.warning("paper: position %s not restored (%s)", position.position_id, exc)
        state.engine.add_listener(self._on_event)
        self._state = state
        return market

    def _on_event(self, event: object) -> None:
        match event:
            case AccountEvent(account_id=account_id) if account_id == ACCOUNT:
                if not self._save_pending and not self._stopping:
                    self._save_pending = True
                    asyncio.get_running_loop().call_later(SAVE_EVERY_S, self._save)

    def _save(self) -> None:
        self._save_pending = False
        if self._state is not None:
            try:
                self.store.save(PaperAccount.of(self._state.engine, ACCOUNT))
            except OSError as exc:
                log.error("paper: the account could not be saved: %s", exc)

    @property
    def endpoint(self) -> str:
        return self._thread.endpoint

    def start(self) -> str:
        return self._thread.start()

    def stop(self) -> None:
        """Stop the exchange, cancel resting paper orders, save the account."""
        self._thread.stop()
        self._stopping = True
        state = self._state
        if state is None:
            return
        for symbol in state.engine.rules:
            active = state.engine.active_orders(ACCOUNT, symbol, count=100).list
            if active:
                result = state.engine.cancel_orders(ACCOUNT, [o.order_id for o in active])
                self.cancelled_at_stop += len(result.success)
        self.account = PaperAccount.of(state.engine, ACCOUNT)
        self.store.save(self.account)

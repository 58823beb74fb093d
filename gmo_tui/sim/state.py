"""Everything one running built-in exchange holds, shared by its routes, sockets and controls.

:class:`SimState` owns the sim clock, the matching engine, the API keys (with their account,
tier and rate-limit windows), the ws-auth tokens, the fault switches, the exchange status,
the WebSocket hub, the market (the synthetic one, or a replay/live feed: ``market=``), the
klines history and the ``/_sim/`` control token; ``public`` is what public REST answers from,
``extra_routes`` a market's own routes. ``pulse()`` does the time-driven work (engine tick, token
expiry, PERIODIC frames); the runner calls it a few times
a second and the ``/_sim/clock`` control calls it after moving the clock.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from gmo_tui.exchange.enums import ExchangeStatus
from gmo_tui.sim.clock import FROZEN_START, SimClock
from gmo_tui.sim.engine import Engine
from gmo_tui.sim.faults import Faults
from gmo_tui.sim.klines import KlineHistory
from gmo_tui.sim.market import MarketRates, SyntheticMarket
from gmo_tui.sim.market_source import MarketSource, PublicView
from gmo_tui.sim.symbols import SYMBOL_RULES
from gmo_tui.sim.tokens import TokenStore
from gmo_tui.sim.ws import Hub

DEMO_ACCOUNT = "demo"
DEMO_JPY = Decimal("10000000")
DEMO_CRYPTO = {"BTC": Decimal("0.5"), "ETH": Decimal("5"), "XRP": Decimal("10000")}
TIER_LIMITS = {1: 20, 2: 30}
# API-TIMESTAMP may differ from the server's clock by this much either way (GMO's own window
# is undocumented; 5 s keeps a client honest about its clock offset).
TIMESTAMP_TOLERANCE_S = 5.0
WS_COMMANDS_PER_S = 1


def demo_credentials(seed: int) -> tuple[str, str]:
    """The demo API key and secret: derived from the seed, so they are the same every run."""
    digest = hashlib.sha256(f"gmo-tui-sim:{seed}".encode()).hexdigest()
    return f"demo{digest[:28]}", digest[28:64]


@dataclass
class ApiAccount:
    api_key: str
    api_secret: str
    account_id: str
    tier: int = 1
    windows: dict[str, deque[float]] = field(default_factory=dict)


class RestLimiter:
    """Rolling one-second windows per API key and method group (GET; POST/PUT/DELETE)."""

    def __init__(self) -> None:
        self.override: int | None = None

    def allow(self, account: ApiAccount, method: str) -> bool:
        group = "GET" if method == "GET" else "POST"
        limit = self.override if self.override is not None else TIER_LIMITS.get(account.tier, 20)
        window = account.windows.setdefault(group, deque())
        now = time.monotonic()
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True


class SimState:
    def __init__(
        self,
        *,
        seed: int = 42,
        control: bool = False,
        api_key: str | None = None,
        api_secret: str | None = None,
        rates: MarketRates | None = None,
        frozen: bool = False,
        timestamp_tolerance_s: float = TIMESTAMP_TOLERANCE_S,
        ws_commands_per_s: float = WS_COMMANDS_PER_S,
        market: Callable[[SimState, MarketRates], MarketSource] | None = None,
    ) -> None:
        rates = rates or MarketRates()
        frozen = frozen or rates.frozen_market
        self.seed = seed
        self.control = control
        # lets a client off loopback use the controls (printed at start with --control)
        self.control_token = secrets.token_urlsafe(24)
        self.frozen = frozen
        self.clock = SimClock(frozen_at=FROZEN_START if frozen else None)
        self.status = ExchangeStatus.OPEN
        self.emergency = False
        self.timestamp_tolerance_s = timestamp_tolerance_s
        self.ws_commands_per_s = ws_commands_per_s
        self.faults = Faults(seed=seed)
        self.limiter = RestLimiter()
        self.engine = Engine(SYMBOL_RULES, now=self.clock.now, seed=seed)
        # what public REST answers from, and extra routes: a replay (sim/replay.py) sets both
        self.public: PublicView = self.engine
        self.extra_routes: list[Any] = []
        self.tokens = TokenStore(self.clock.timestamp)
        default_key, default_secret = demo_credentials(seed)
        self.api_key = api_key or default_key
        self.api_secret = api_secret or default_secret
        self.accounts: dict[str, ApiAccount] = {}
        self.hub = Hub(self)
        self.klines = KlineHistory(seed=seed, clock=self.clock)
        self.engine.add_listener(self.hub.on_engine_event)
        self.engine.add_listener(self.klines.on_engine_event)
        self.tokens.on_revoke(self.hub.on_token_revoked)
        self.market: MarketSource = (market or SyntheticMarket)(self, rates)
        self.engine.add_listener(self.market.on_engine_event)
        self.market.build()
        self.add_account(
            self.api_key, self.api_secret, DEMO_ACCOUNT, jpy=DEMO_JPY, crypto=DEMO_CRYPTO
        )

    def add_account(
        self,
        api_key: str,
        api_secret: str,
        account_id: str,
        *,
        jpy: Decimal | None = None,
        crypto: dict[str, Decimal] | None = None,
    ) -> ApiAccount:
        """Open an engine account (``jpy`` defaults to ``DEMO_JPY``) reached with this key."""
        self.engine.open_account(
            account_id, jpy=DEMO_JPY if jpy is None else jpy, crypto=crypto or {}
        )
        self._seed_history(account_id)
        account = ApiAccount(api_key, api_secret, account_id)
        self.accounts[api_key] = account
        return account

    def _seed_history(self, account_id: str) -> None:
        """Deposit/withdrawal history over the last 14 days, the newest within the last 30 min."""
        self.engine.seed_history(account_id, self.clock.now())

    def account_for_key(self, api_key: str) -> ApiAccount | None:
        return self.accounts.get(api_key)

    @property
    def maintenance_code(self) -> str:
        return "ERR-5202" if self.emergency else "ERR-5201"

    def set_status(self, status: ExchangeStatus, *, emergency: bool = False) -> None:
        self.status = status
        self.emergency = emergency and status is ExchangeStatus.MAINTENANCE
        if status is ExchangeStatus.MAINTENANCE:
            # Maintenance ends every socket and every token (GMO: tokens are dead afterwards).
            self.tokens.revoke_all()
            self.hub.drop_all(code=1012, reason="maintenance")

    def pulse(self) -> None:
        """Time-driven work at sim time now: engine tick, token expiry, PERIODIC frames."""
        self.engine.tick()
        self.tokens.expire()
        self.hub.periodic()
        self.klines.roll()

"""What the engine tells its listeners: prints, book changes and private account events."""

from __future__ import annotations

from dataclasses import dataclass

from gmo_tui.exchange import models


@dataclass(frozen=True, slots=True)
class PublicTrade:
    """A print (side = the taker's side). ``trade.symbol`` is None: add it for the WS frame."""

    symbol: str
    trade: models.Trade


@dataclass(frozen=True, slots=True)
class BookChanged:
    symbol: str


@dataclass(frozen=True, slots=True)
class AccountEvent:
    account_id: str
    event: (
        models.ExecutionEvent
        | models.OrderEvent
        | models.PositionEvent
        | models.PositionSummaryEvent
    )

"""Pure pre-trade checks for every action (issue 10, finding 1): ``check_change``,
``check_close`` and ``check_close_all`` know the soft and hard findings before any dialog (a
change far from the touch, the close's slippage estimate, the hard notional limit), with no
request to the exchange; ``confirmed=True`` lets a soft finding go and the action is sent."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.safety import SafetyLimits
from gmo_tui.trading.results import Outcome

L = models.BookLevel


def _book(rig, symbol: str, bid: int, ask: int, depth: list[tuple[int, str]]) -> None:
    """A sane book: the touch with 0.01 each, then ``depth`` levels on both sides."""
    asks = [L(Decimal(ask), Decimal("0.01"))] + [L(Decimal(ask + d), Decimal(s)) for d, s in depth]
    bids = [L(Decimal(bid), Decimal("0.01"))] + [L(Decimal(bid - d), Decimal(s)) for d, s in depth]
    rig.service.books.apply(models.OrderBook(symbol, tuple(asks), tuple(bids)), time.time())


def _position(pid: int, side: Side, size: str, symbol: str = "BTC_JPY") -> models.Position:
    return models.Position(
        position_id=pid,
        symbol=symbol,
        side=side,
        size=Decimal(size),
        orderd_size=Decimal(0),
        price=Decimal(10_000_000),
        loss_gain=Decimal(0),
        leverage=Decimal(2),
        losscut_price=Decimal(0),
        timestamp=datetime.now(UTC),
    )


async def test_check_change_far_from_the_touch_is_soft_then_hard(rig) -> None:
    book = await rig.refresh_book("BTC")
    placed = await rig.service.submit(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), book.best_bid - 100)
    )
    order_id = placed.order_id
    assert order_id is not None
    rig.transport.calls.clear()
    assert rig.service.check_change(order_id, book.best_bid - 200) is None
    through = (book.best_ask * Decimal("1.02")).quantize(Decimal(1))  # 2% through the ask
    soft = rig.service.check_change(order_id, through)
    assert soft is not None and soft.outcome is Outcome.NEEDS_CONFIRM
    assert "collar_pct" in [f.code for f in soft.findings]
    assert rig.service.check_change(order_id, through, confirmed=True) is None
    hard = rig.service.check_change(
        order_id, (book.best_ask * Decimal("1.10")).quantize(Decimal(1))
    )
    assert hard is not None and hard.outcome is Outcome.REFUSED
    assert sum(rig.transport.calls.values()) == 0  # pure: nothing asked
    unknown = rig.service.check_change(999_999, through)
    assert unknown is not None and unknown.outcome is Outcome.REFUSED
    # the confirmed change is really sent
    sent = await rig.service.change(order_id, through, confirmed=True)
    assert sent.outcome in (Outcome.ACCEPTED, Outcome.REJECTED)
    assert rig.transport.calls[("POST", "/private/v1/changeOrder")] == 1


async def test_check_close_knows_the_slippage_before_any_dialog(rig) -> None:
    rig.service.positions.load([_position(7, Side.BUY, "0.05")], "BTC_JPY")
    # selling 0.05 walks the bids down: 0.01 at the touch, the rest 0.3% lower
    _book(rig, "BTC_JPY", 10_000_000, 10_001_000, [(30_000, "1")])
    rig.transport.calls.clear()
    soft = rig.service.check_close(7)
    assert soft is not None and soft.outcome is Outcome.NEEDS_CONFIRM
    assert [f.code for f in soft.findings] == ["slippage"]
    assert rig.service.check_close(7, Decimal("0.01")) is None  # fits the touch
    assert rig.service.check_close(7, confirmed=True) is None
    _book(rig, "BTC_JPY", 10_000_000, 10_001_000, [(100_000, "1")])  # 1% lower: beyond 0.5%
    hard = rig.service.check_close(7)
    assert hard is not None and hard.outcome is Outcome.REFUSED
    missing = rig.service.check_close(8)
    assert missing is not None and missing.outcome is Outcome.REFUSED
    assert sum(rig.transport.calls.values()) == 0


async def test_check_close_all_by_side(rig) -> None:
    rig.service.positions.load(
        [
            _position(1, Side.BUY, "0.01"),
            _position(2, Side.BUY, "0.04"),
            _position(3, Side.SELL, "0.01"),
        ],
        "BTC_JPY",
    )
    _book(rig, "BTC_JPY", 10_000_000, 10_001_000, [(30_000, "1")])
    rig.transport.calls.clear()
    # SELL closes the BUY positions (0.05: beyond the touch, soft slippage)
    soft = rig.service.check_close_all("BTC_JPY", Side.SELL)
    assert soft is not None and soft.outcome is Outcome.NEEDS_CONFIRM
    assert rig.service.check_close_all("BTC_JPY", Side.BUY) is None  # closes 0.01 SELL
    both = rig.service.check_close_all("BTC_JPY")
    assert both is not None and both.outcome is Outcome.NEEDS_CONFIRM
    none = rig.service.check_close_all("ETH_JPY")
    assert none is not None and none.outcome is Outcome.REFUSED
    assert sum(rig.transport.calls.values()) == 0


async def test_check_knows_the_hard_notional_limit(rig) -> None:
    book = await rig.refresh_book("BTC")
    price = book.best_bid - 100
    rig.service.limits = SafetyLimits(soft_max_notional=Decimal(1), hard_max_notional=Decimal(2))
    refused = rig.service.check(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)
    )
    assert refused is not None and refused.outcome is Outcome.REFUSED
    assert "max_notional" in [f.code for f in refused.findings]
    rig.service.limits = SafetyLimits(soft_max_notional=Decimal(1))
    soft = rig.service.check(
        OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, Decimal("0.01"), price)
    )
    assert soft is not None and soft.outcome is Outcome.NEEDS_CONFIRM

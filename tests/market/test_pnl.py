"""The P&L model: net positions, unrealised P&L at the touch, realised P&L per trading day.

Every expected figure is worked out by hand in the comments.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.exchange.models import Position
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.market.book import Book
from gmo_tui.market.fills import Fill
from gmo_tui.market.formatting import JST, gmo_day
from gmo_tui.market.pnl import PnlLedger, net_from_positions
from tests.market.factories import book_event

D = Decimal


def _at(text: str) -> datetime:
    """A JST wall-clock time, e.g. ``2026-12-02 05:59:59.999``."""
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def _fill(
    eid: int,
    side: Side,
    size: str,
    price: str,
    *,
    fee: str = "0",
    loss_gain: str = "0",
    settle: SettleType = SettleType.OPEN,
    order_id: int | None = None,
    symbol: str = "BTC_JPY",
    at: str = "2026-12-01 10:00:00",
) -> Fill:
    return Fill(
        execution_id=eid,
        order_id=order_id if order_id is not None else eid,
        symbol=symbol,
        side=side,
        settle_type=settle,
        price=D(price),
        size=D(size),
        fee=D(fee),
        loss_gain=D(loss_gain),
        timestamp=_at(at).astimezone(UTC),
    )


def _pos(pid: int, side: Side, size: str, price: str, symbol: str = "BTC_JPY") -> Position:
    return Position(
        position_id=pid,
        symbol=symbol,
        side=side,
        size=D(size),
        orderd_size=D(0),
        price=D(price),
        loss_gain=D(0),
        leverage=D(2),
        losscut_price=D(0),
        timestamp=_at("2026-12-01 09:00:00"),
    )


def _book(bid: str, ask: str, symbol: str = "BTC_JPY") -> Book:
    book = Book(symbol)
    book.apply(book_event([(bid, "1")], [(ask, "1")], symbol=symbol), 0.0)
    return book


# ------------------------------------------------------------------ trading day


def test_the_trading_day_rolls_over_at_six_jst() -> None:
    assert gmo_day(_at("2026-12-02 05:59:59.999")) == date(2026, 12, 1)
    assert gmo_day(_at("2026-12-02 06:00:00")) == date(2026, 12, 2)
    # the same instants in UTC: 20:59:59.999Z and 21:00Z on 1 December
    assert gmo_day(datetime(2026, 12, 1, 20, 59, 59, 999000, tzinfo=UTC)) == date(2026, 12, 1)
    assert gmo_day(datetime(2026, 12, 1, 21, 0, tzinfo=UTC)) == date(2026, 12, 2)
    assert gmo_day(_at("2026-12-01 00:00:00")) == date(2026, 11, 30)


# ------------------------------------------------------------------ margin net position


def test_margin_net_position_averages_longs_and_marks_them_at_the_bid() -> None:
    positions = [
        _pos(1, Side.BUY, "0.1", "15000000"),
        _pos(2, Side.BUY, "0.3", "15400000"),
        _pos(3, Side.BUY, "5", "300000", symbol="ETH_JPY"),  # another symbol: ignored
    ]
    net = net_from_positions("BTC_JPY", positions, _book("15200000", "15210000"))
    assert net.size == D("0.4")
    # (15,000,000 x 0.1 + 15,400,000 x 0.3) / 0.4 = 6,120,000 / 0.4
    assert net.average_price == D("15300000")
    # (15,200,000 - 15,000,000) x 0.1 + (15,200,000 - 15,400,000) x 0.3 = 20,000 - 60,000
    assert net.unrealised == D("-40000")


def test_a_short_is_marked_at_the_ask_and_a_hedged_book_has_no_single_average() -> None:
    book = _book("15200000", "15210000")
    short = net_from_positions("BTC_JPY", [_pos(4, Side.SELL, "0.2", "15250000")], book)
    assert short.size == D("-0.2") and short.average_price == D("15250000")
    # (15,250,000 - 15,210,000) x 0.2
    assert short.unrealised == D("8000")
    hedged = net_from_positions(
        "BTC_JPY",
        [_pos(1, Side.BUY, "0.5", "15000000"), _pos(4, Side.SELL, "0.2", "15250000")],
        book,
    )
    assert hedged.size == D("0.3")
    assert hedged.average_price is None  # two legs: each keeps its own average
    assert hedged.long.average_price == D("15000000")
    assert hedged.short.average_price == D("15250000")
    # 200,000 x 0.5 + 8,000
    assert hedged.unrealised == D("108000")


def test_unrealised_is_unknown_without_a_sane_book_and_zero_when_flat() -> None:
    crossed = _book("15300000", "15200000")
    net = net_from_positions("BTC_JPY", [_pos(1, Side.BUY, "0.1", "15000000")], crossed)
    assert net.size == D("0.1") and net.unrealised is None
    flat = net_from_positions("BTC_JPY", [], None)
    assert flat.size == 0 and flat.average_price is None and flat.unrealised == 0


# ------------------------------------------------------------------ margin realised


def _margin_day() -> PnlLedger:
    ledger = PnlLedger()
    # order 10 opens 0.3 long in two partial fills (taker): fees 75 + 150
    ledger.add(_fill(1, Side.BUY, "0.1", "15000000", fee="75", order_id=10, at="2026-12-01 09:00"))
    ledger.add(_fill(2, Side.BUY, "0.2", "15000000", fee="150", order_id=10, at="2026-12-01 09:00"))
    # order 11 closes 0.2 in two partial fills, one maker (rebate 30), one taker (fee 60)
    ledger.add(
        _fill(3, Side.SELL, "0.1", "15030000", fee="-30", loss_gain="3000",
              settle=SettleType.CLOSE, order_id=11, at="2026-12-01 15:00")
    )  # fmt: skip
    ledger.add(
        _fill(4, Side.SELL, "0.1", "14988000", fee="60", loss_gain="-1200",
              settle=SettleType.CLOSE, order_id=11, at="2026-12-02 05:59:59.999")
    )  # fmt: skip
    # 06:00 JST: the next trading day
    ledger.add(
        _fill(5, Side.SELL, "0.1", "15100000", fee="75", loss_gain="10000",
              settle=SettleType.CLOSE, order_id=12, at="2026-12-02 06:00")
    )  # fmt: skip
    return ledger


def test_margin_day_is_loss_gain_of_closes_minus_every_fee_of_the_day() -> None:
    ledger = _margin_day()
    day = ledger.realised(date(2026, 12, 1))
    assert day.pnl.count == 4
    assert day.gross == D("1800")  # 3,000 - 1,200 (opening fills realise nothing)
    assert day.fees == D("255")  # 75 + 150 - 30 + 60
    assert day.net == D("1545")
    nxt = ledger.realised(date(2026, 12, 2))
    assert (nxt.gross, nxt.fees, nxt.net, nxt.pnl.count) == (D("10000"), D("75"), D("9925"), 1)
    assert ledger.today(_at("2026-12-02 05:00")) == day
    assert ledger.today(_at("2026-12-02 07:00")).net == D("9925")
    assert ledger.realised(date(2026, 12, 1), "ETH_JPY").pnl.count == 0


def test_one_fill_and_one_close_for_notices() -> None:
    ledger = _margin_day()
    opening = ledger.fill_pnl(1)
    assert (opening.gross, opening.fee, opening.net) == (D(0), D("75"), D("-75"))
    close = ledger.order_pnl(11)  # the close of 0.2 in two fills
    assert (close.gross, close.fee, close.net, close.count) == (D("1800"), D("30"), D("1770"), 2)
    assert ledger.order_pnl(999).count == 0


def test_a_fill_seen_twice_counts_once() -> None:
    ledger = _margin_day()
    again = _fill(3, Side.SELL, "0.1", "15030000", fee="-30", loss_gain="3000",
                  settle=SettleType.CLOSE, order_id=11, at="2026-12-01 15:00")  # fmt: skip
    assert ledger.add(again) is None
    assert len(ledger) == 5
    assert ledger.realised(date(2026, 12, 1)).net == D("1545")


# ------------------------------------------------------------------ spot


def _spot_fills() -> list[Fill]:
    return [
        _fill(21, Side.BUY, "0.1", "10000000", fee="500", symbol="BTC", at="2026-12-01 09:00"),
        _fill(22, Side.BUY, "0.3", "11000000", fee="1650", symbol="BTC", at="2026-12-01 10:00"),
        _fill(23, Side.SELL, "0.2", "12000000", fee="-240", symbol="BTC", at="2026-12-01 11:00"),
    ]


def test_spot_average_cost_realised_and_unrealised() -> None:
    ledger = PnlLedger()
    ledger.extend(_spot_fills())
    # average cost (1,000,000 + 3,300,000) / 0.4 = 10,750,000
    sell = ledger.fill_pnl(23)
    assert sell.gross == D("250000")  # (12,000,000 - 10,750,000) x 0.2
    assert sell.net == D("250240")  # a maker rebate of 240
    day = ledger.realised(date(2026, 12, 1), "BTC")
    assert day.gross == D("250000")
    assert day.fees == D("1910")  # 500 + 1,650 - 240
    assert day.net == D("248090")
    net = ledger.net_position("BTC", [], _book("11500000", "11510000", symbol="BTC"))
    assert net.size == D("0.2") and net.average_price == D("10750000")
    assert net.unrealised == D("150000")  # (11,500,000 - 10,750,000) x 0.2


def test_spot_fills_arriving_out_of_order_give_the_same_figures() -> None:
    ledger = PnlLedger()
    sell_first = ledger.add(_spot_fills()[2])
    assert sell_first is not None and sell_first.gross is None  # nothing bought yet: unknown
    ledger.extend(reversed(_spot_fills()[:2]))
    assert ledger.fill_pnl(23).gross == D("250000")
    assert ledger.realised(date(2026, 12, 1)).net == D("248090")


def test_selling_coins_the_fills_never_bought_is_unknown_not_zero() -> None:
    ledger = PnlLedger()
    ledger.add(_fill(31, Side.BUY, "0.1", "10000000", fee="500", symbol="BTC"))
    ledger.add(_fill(32, Side.SELL, "0.5", "11000000", fee="2750", symbol="BTC",
                     at="2026-12-01 12:00"))  # fmt: skip
    assert ledger.fill_pnl(32).gross is None and ledger.fill_pnl(32).net is None
    day = ledger.realised(date(2026, 12, 1), "BTC")
    assert day.gross is None and day.net is None
    assert day.fees == D("3250")  # the fees are still known
    assert ledger.net_position("BTC", [], None).size == 0


def test_margin_symbols_take_their_position_from_positions_not_fills() -> None:
    ledger = _margin_day()
    net = ledger.net_position(
        "BTC_JPY", [_pos(1, Side.BUY, "0.1", "15000000")], _book("15010000", "15020000")
    )
    assert net.size == D("0.1") and net.unrealised == D("1000")


# ------------------------------------------------------------------ against the exchange


async def test_the_model_agrees_with_the_built_in_exchanges_records(sim: Any) -> None:
    """Open in two orders, close part: the net position matches ``positionSummary`` and the
    day's realised P&L is the executions' ``lossGain`` less their fees."""
    creds = Credentials(sim.api_key, sim.api_secret, "test")
    async with GmoRestClient(sim.endpoint, creds) as rest:
        await rest.place_order("BTC_JPY", "BUY", "MARKET", D("0.05"))
        await rest.place_order("BTC_JPY", "BUY", "MARKET", D("0.07"))
        await rest.close_bulk_order("BTC_JPY", "SELL", "MARKET", D("0.04"))
        await rest.place_order("BTC", "BUY", "MARKET", D("0.01"))
        await rest.place_order("BTC", "SELL", "MARKET", D("0.004"))
        executions = [
            *(await rest.get_latest_executions("BTC_JPY")).list,
            *(await rest.get_latest_executions("BTC")).list,
        ]
        positions = (await rest.get_open_positions("BTC_JPY")).list
        (summary,) = await rest.get_position_summary("BTC_JPY")
        book = Book("BTC_JPY")
        book.apply(await rest.get_orderbook("BTC_JPY"), time.time())
    ledger = PnlLedger()
    ledger.extend(Fill.from_rest(e) for e in executions)
    net = ledger.net_position("BTC_JPY", positions, book)
    assert net.size == summary.sum_position_quantity == D("0.08")
    assert net.long.average_price is not None
    average = net.long.average_price.quantize(D(1), rounding=ROUND_HALF_UP)
    assert average == summary.average_position_rate
    assert net.unrealised is not None
    day = ledger.today(max(e.timestamp for e in executions))
    closes = [e for e in executions if e.symbol == "BTC_JPY" and e.settle_type is SettleType.CLOSE]
    assert len(closes) >= 1
    assert ledger.realised(day.day, "BTC_JPY").gross == sum((e.loss_gain for e in closes), D(0))
    assert day.fees == sum((e.fee for e in executions), D(0)) > 0
    spot_sell = next(e for e in executions if e.symbol == "BTC" and e.side is Side.SELL)
    spot_buys = [e for e in executions if e.symbol == "BTC" and e.side is Side.BUY]
    cost = sum((e.price * e.size for e in spot_buys), D(0)) / D("0.01")
    assert ledger.fill_pnl(spot_sell.execution_id).gross == (spot_sell.price - cost) * D("0.004")
    assert ledger.net_position("BTC", [], None).size == D("0.006")

"""One notice per order burst: fills of one order arriving together are told once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.market.fill_bursts import BurstCollector
from gmo_tui.market.fills import Fill, FillLedger

D = Decimal
T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def _fill(
    eid: int,
    order_id: int,
    size: str,
    price: str,
    *,
    fee: str = "0",
    loss_gain: str = "0",
    settle: SettleType = SettleType.OPEN,
    side: Side = Side.SELL,
) -> Fill:
    return Fill(
        eid,
        order_id,
        "BTC_JPY",
        side,
        settle,
        D(price),
        D(size),
        D(fee),
        D(loss_gain),
        T0 + timedelta(milliseconds=eid),
    )


def test_fills_of_one_order_arriving_together_are_one_burst() -> None:
    bursts = BurstCollector(quiet=0.25, max_delay=1.5)
    bursts.add(_fill(1, 7, "0.1", "100", fee="1", loss_gain="30", settle=SettleType.CLOSE), 10.0)
    bursts.add(_fill(2, 7, "0.2", "103", fee="2", loss_gain="-10", settle=SettleType.CLOSE), 10.05)
    bursts.add(_fill(3, 7, "0.2", "105", fee="2", loss_gain="5", settle=SettleType.CLOSE), 10.1)
    assert bursts.due(10.3) == []  # the last fill came 0.2 s ago: more may follow
    assert bursts.next_due() == pytest.approx(10.35)
    (burst,) = bursts.due(10.35)
    assert (burst.order_id, burst.count, burst.size) == (7, 3, D("0.5"))
    # (0.1 x 100 + 0.2 x 103 + 0.2 x 105) / 0.5 = 51.6 / 0.5
    assert burst.average_price == D("103.2")
    assert (burst.fee, burst.loss_gain, burst.net) == (D(5), D(25), D(20))
    assert burst.is_close and burst.execution_ids == (1, 2, 3)
    assert len(bursts) == 0 and bursts.next_due() is None


def test_two_orders_are_two_bursts_and_never_wait_for_each_other() -> None:
    bursts = BurstCollector(quiet=0.25, max_delay=1.5)
    bursts.add(_fill(1, 7, "0.1", "100"), 0.0)
    bursts.add(_fill(2, 8, "0.3", "200", side=Side.BUY), 0.1)
    bursts.add(_fill(3, 7, "0.1", "102"), 0.2)
    bursts.add(_fill(4, 8, "0.1", "204", side=Side.BUY), 0.3)
    assert bursts.due(0.44) == []
    (first,) = bursts.due(0.46)  # order 7's last fill came at 0.2
    assert (first.order_id, first.size, first.average_price) == (7, D("0.2"), D("101"))
    (second,) = bursts.due(0.55)
    assert (second.order_id, second.size, second.side) == (8, D("0.4"), Side.BUY)
    assert second.average_price == D("201")  # (60 + 20.4) / 0.4


def test_a_long_trickle_is_told_after_max_delay_then_starts_again() -> None:
    bursts = BurstCollector(quiet=0.25, max_delay=1.0)
    told = []
    t = 0.0
    for eid in range(1, 9):  # a fill every 0.2 s for 1.6 s
        bursts.add(_fill(eid, 7, "0.01", "100"), t)
        told += bursts.due(t)
        t += 0.2
    told += bursts.due(t + 1)
    assert [b.count for b in told] == [6, 2]  # 0.0 .. 1.0 (max delay), then 1.2 .. 1.4
    assert sum((b.size for b in told), D(0)) == D("0.08")


def test_a_done_order_is_told_at_once_and_a_repeat_fill_counts_once() -> None:
    bursts = BurstCollector()
    bursts.add(_fill(1, 7, "0.1", "100"), 5.0)
    bursts.add(_fill(1, 7, "0.1", "100"), 5.01)  # the same execution again (REST back-fill)
    bursts.add(_fill(2, 7, "0.1", "100"), 5.02, order_done=True)
    (burst,) = bursts.due(5.02)
    assert burst.count == 2 and burst.size == D("0.2")
    bursts.add(_fill(3, 9, "0.1", "100"), 6.0)
    assert [b.order_id for b in bursts.flush()] == [9]


async def test_a_market_sweep_on_the_built_in_exchange_is_one_burst(sim: Any) -> None:
    creds = Credentials(sim.api_key, sim.api_secret, "test")
    async with GmoRestClient(sim.endpoint, creds) as rest:
        order_id = await rest.place_order("BTC_JPY", "BUY", "MARKET", D("0.3"))
        fills = await rest.get_executions(order_id=order_id)
    assert len(fills) > 1  # a sweep of several levels
    ledger = FillLedger()
    bursts = BurstCollector()
    for i, new in enumerate(ledger.extend(fills)):
        bursts.add(new, 1.0 + i * 0.001)
    (burst,) = bursts.due(2.0)
    assert burst.count == len(fills) and burst.size == D("0.3")
    assert burst.average_price == sum((f.price * f.size for f in fills), D(0)) / D("0.3")
    assert burst.fee == sum((f.fee for f in fills), D(0))

"""Bulk cancel, close of one position, close bulk and losscut changes through the service:
journaled, sent once, and refused without a request when the kill switch is on."""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.market.intent import OrderIntent
from gmo_tui.trading.journal import IntentKind, IntentState
from gmo_tui.trading.results import Outcome


async def test_cancel_all_for_one_symbol(rig) -> None:
    ids = []
    for symbol, size in (("BTC", "0.01"), ("BTC", "0.02"), ("ETH", "0.1")):
        book = await rig.refresh_book(symbol)
        result = await rig.service.submit(
            OrderIntent(symbol, Side.BUY, ExecutionType.LIMIT, Decimal(size), book.best_bid - 50)
        )
        ids.append(result.order_id)
    rig.service.kill_switch = True  # cancels are still allowed
    result = await rig.service.cancel_all("BTC")
    assert result.outcome is Outcome.ACCEPTED and sorted(result.order_ids) == sorted(ids[:2])
    assert [rig.account.orders[i].status.value for i in ids] == ["CANCELED", "CANCELED", "ORDERED"]
    entry = rig.journal.entries()[-1]
    assert entry.kind is IntentKind.CANCEL_BULK and entry.state is IntentState.ACCEPTED


async def test_close_one_position_close_bulk_and_losscut(rig) -> None:
    await rig.refresh_book("BTC_JPY")
    for size in ("0.01", "0.02"):
        opened = await rig.service.submit(
            OrderIntent("BTC_JPY", Side.BUY, ExecutionType.MARKET, Decimal(size))
        )
        assert opened.outcome is Outcome.ACCEPTED
    positions = sorted(
        (await rig.rest.get_open_positions("BTC_JPY")).list, key=lambda p: p.position_id
    )
    assert sum(p.size for p in positions) == Decimal("0.03")  # a fill may open several
    losscut = (positions[0].price * Decimal("0.8")).quantize(Decimal(1))
    changed = await rig.service.change_losscut(positions[0].position_id, losscut)
    assert changed.outcome is Outcome.ACCEPTED
    (after,) = [
        p
        for p in (await rig.rest.get_open_positions("BTC_JPY")).list
        if p.position_id == positions[0].position_id
    ]
    assert after.losscut_price == losscut

    await rig.refresh_book("BTC_JPY")
    closed = await rig.service.close(positions[0].position_id, positions[0].size)
    assert closed.outcome is Outcome.ACCEPTED
    assert rig.journal.get(closed.intent_id).kind is IntentKind.CLOSE
    left = (await rig.rest.get_open_positions("BTC_JPY")).list
    assert [p.position_id for p in left] == [p.position_id for p in positions[1:]]

    rig.service.kill_switch = True
    posts = rig.transport.posts()
    refused = await rig.service.close_all("BTC_JPY", Side.SELL)
    assert refused.outcome is Outcome.REFUSED and rig.transport.posts() == posts
    rig.service.kill_switch = False
    bulk = await rig.service.close_all("BTC_JPY", Side.SELL)  # size: the BUY positions' total
    assert bulk.outcome is Outcome.ACCEPTED
    assert rig.journal.get(bulk.intent_id).size == sum(p.size for p in left)
    assert (await rig.rest.get_open_positions("BTC_JPY")).list == ()
    assert rig.transport.calls[("POST", "/private/v1/closeBulkOrder")] == 1

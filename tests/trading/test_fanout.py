"""FanOutListener: every listener hears everything, in order; one that raises stops no other."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from gmo_tui.exchange.enums import SettleType, Side
from gmo_tui.market.fills import Fill
from gmo_tui.trading.fanout import FanOutListener
from gmo_tui.trading.gates import EntryGates
from gmo_tui.trading.listener import AccountPart, FillSource
from gmo_tui.trading.results import NoticeKind, TradingNotice
from tests.trading.conftest import RecordingListener


class Broken(RecordingListener):
    def on_fill(self, fill: Fill, source: FillSource) -> None:
        raise RuntimeError("boom")

    def on_notice(self, notice: TradingNotice) -> None:
        raise RuntimeError("boom")


def test_fan_out_reaches_every_listener_even_past_a_broken_one() -> None:
    broken, first, second = Broken(), RecordingListener(), RecordingListener()
    fan = FanOutListener(first, broken, second)
    fill = Fill(
        1,
        2,
        "BTC_JPY",
        Side.BUY,
        SettleType.OPEN,
        Decimal(1),
        Decimal(1),
        Decimal(0),
        Decimal(0),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    fan.on_fill(fill, FillSource.STREAM)
    fan.on_notice(TradingNotice(NoticeKind.ENABLED, "on"))
    fan.on_account_changed(AccountPart.ORDERS)
    fan.on_entry_changed(EntryGates())
    for listener in (first, second):
        assert listener.fills == [(fill, FillSource.STREAM)]
        assert [n.message for n in listener.notices] == ["on"]
        assert listener.parts == [AccountPart.ORDERS] and len(listener.entry) == 1
    assert broken.parts == [AccountPart.ORDERS]

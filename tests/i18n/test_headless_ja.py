"""The headless layers speak Japanese too: the pre-trade safety findings (market/safety.py) and
the trading layer's notices and refusal reasons go through the catalogue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from gmo_tui.alerts.store import AlertStore
from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.i18n import use_language
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.safety import KillSwitch, SafetyLimits, check_order
from gmo_tui.trading.bracket_model import BracketSpec, ExitOffset, OffsetKind
from gmo_tui.trading.gates import Gate
from tests.market.factories import rule
from tests.market.test_safety import BTC, NOW, make_book
from tests.trading.bracket_helpers import attach
from tests.trading.conftest import rig  # noqa: F401 F811 - the service on the built-in exchange

D = Decimal


def _limit(side: Side, price: str, size: str = "0.1") -> OrderIntent:
    return OrderIntent("BTC_JPY", side, ExecutionType.LIMIT, D(size), D(price))


def test_safety_findings_in_japanese() -> None:
    use_language("ja")
    hard = check_order(_limit(Side.BUY, "16500000"), BTC, make_book(), SafetyLimits(), NOW)
    assert hard.hard[0].message == (
        "価格 16,500,000 は最良売気配 15,000,000 より 10.0% 上です(上限 5%)"
    )
    soft = check_order(_limit(Side.SELL, "14690000"), BTC, make_book(), SafetyLimits(), NOW)
    assert soft.soft[0].message == (
        "価格 14,690,000 は最良買気配 14,990,000 より 2.0% 下です(1% を超えると確認)"
    )
    stale = OrderIntent("BTC_JPY", Side.BUY, ExecutionType.MARKET, D("0.1"))
    refused = check_order(stale, BTC, make_book(at=NOW - 60), SafetyLimits(), NOW)
    assert refused.hard[0].message == (
        "成行注文には新しく正常な板が必要です: 板が 60.0 秒前のものです(上限 5 秒)"
    )
    small = rule("BTC_JPY", tick="1", step="0.01", min_size="0.05", max_size="5")
    sizes = check_order(
        _limit(Side.BUY, "15000000", "0.015"), small, make_book(), SafetyLimits(), NOW
    )
    assert [f.message for f in sizes.hard] == [
        "数量 0.015 が発注単位 0.01 の倍数ではありません",
        "数量 0.015 が最小注文数量 0.05 未満です",
    ]
    halted = KillSwitch()
    halted.engage()
    off = check_order(
        _limit(Side.BUY, "15000000"), BTC, make_book(), SafetyLimits(), NOW, kill_switch=halted
    )
    assert off.hard[0].message == (
        "キルスイッチ作動中(ユーザーが作動): 新規の注文は停止中です。取消はできます"
    )


def test_safety_findings_stay_english_in_english() -> None:
    use_language("en")
    stale = OrderIntent("BTC_JPY", Side.BUY, ExecutionType.MARKET, D("0.1"))
    refused = check_order(stale, BTC, make_book(at=NOW - 60), SafetyLimits(), NOW)
    assert refused.hard[0].message == (
        "a MARKET order needs a fresh, sane order book: the order book is 60.0 s old (limit 5 s)"
    )


async def test_trading_notices_and_reasons_in_japanese(rig) -> None:  # noqa: F811
    """Against the built-in exchange: the kill switch's notices and gate reason, a refusal of
    an unknown symbol and of a close with nothing to close, each in Japanese."""
    use_language("ja")
    service = rig.service
    service.set_kill_switch(True)
    assert rig.notices[-1].message == ("キルスイッチ作動(ユーザーが作動): 新規の注文は拒否されます")
    assert service.gates.reason_of(Gate.KILL_SWITCH) == "キルスイッチ作動中(ユーザーが作動)"
    refused = service.check(_limit(Side.BUY, "15000000"))
    assert refused is not None and refused.reason == "発注前チェック"
    assert refused.findings[0].message.startswith("キルスイッチ作動中")
    service.set_kill_switch(False)
    assert rig.notices[-1].message == "キルスイッチ解除"
    other = OrderIntent("NO_SUCH", Side.BUY, ExecutionType.LIMIT, D("1"), D("1"))
    unknown = service.check(other)
    assert unknown is not None and unknown.reason == "不明な銘柄 NO_SUCH"
    nothing = service.check_close_all("BTC_JPY", Side.SELL)
    assert nothing is not None and nothing.reason == "BTC_JPY の買建玉はありません"


async def test_a_halt_is_said_in_japanese(rig) -> None:  # noqa: F811
    """The exchange's MAINTENANCE status halts order entry: notice and reason in Japanese."""
    use_language("ja")
    await rig.service.halts.on_exchange_status("MAINTENANCE")
    assert rig.notices[-1].message == "注文受付を停止しました: 取引所ステータス メンテナンス中"
    blocked = await rig.service.submit(_limit(Side.BUY, "15000000"))
    assert blocked.reason == "注文受付停止中: 取引所ステータス メンテナンス中"


async def test_bracket_refusals_in_japanese(rig, tmp_path) -> None:  # noqa: F811
    """A bracket whose stop-loss is on the wrong side of the entry, refused in Japanese."""
    use_language("ja")
    manager = attach(rig, tmp_path / "brackets.json")
    spec = BracketSpec(
        "BTC_JPY",
        Side.BUY,
        D("0.01"),
        ExecutionType.LIMIT,
        D("15000000"),
        stop_loss=ExitOffset(OffsetKind.PRICE, D("15100000")),
    )
    refused = manager.check(spec)
    assert refused is not None and refused.reason == "損切りは新規注文の価格より下にしてください"


def test_an_unreadable_alerts_file_is_said_in_japanese(tmp_path) -> None:
    """The alerts file's problems (shown on the main screen at start) in Japanese; the file is
    kept aside, nothing lost."""
    use_language("ja")
    path = tmp_path / "alerts.json"
    path.write_text("not json", encoding="utf-8")
    store = AlertStore(path)
    assert store.load() == []
    (problem,) = store.problems
    assert problem.startswith(f"{path} はアラートのファイルではありません(")
    aside = problem.rsplit("。", 1)[1].removesuffix(" として保管しました")
    assert Path(aside).read_text(encoding="utf-8") == "not json"


async def test_a_lost_reply_is_said_in_japanese(rig) -> None:  # noqa: F811
    """A lost reply whose order was canceled elsewhere: the notices say, in Japanese, that the
    outcome is unknown and what was read; the journal keeps its English record."""
    use_language("ja")
    book = await rig.refresh_book("BTC")
    await rig.sim.control("lose_next_order", {})
    intent = OrderIntent("BTC", Side.BUY, ExecutionType.LIMIT, D("0.01"), book.best_bid - 100)
    result = await rig.service.submit(intent)
    (placed,) = rig.exchange_orders()
    rig.sim.engine.cancel_order("demo", placed.id)  # from another device
    await rig.service.wait_resolved(10)
    messages = [n.message for n in rig.notices]
    assert f"応答なし(インテント {result.intent_id}): 結果は不明です。" in "".join(messages)
    (said,) = [m for m in messages if m.startswith(f"インテント {result.intent_id}: 一致する")]
    assert "照会先: activeOrders(1 ページ、注文 " in said and "ページ)、注文ID指定の照会" in said
    again = await rig.service.submit(intent)
    assert again.reason == (
        f"同じ注文(インテント {result.intent_id})がまだ不明です: 解決するまでお待ちください"
    )
    # the journal's record stays English
    assert any("activeOrders (1 page(s)" in str(e) for e in rig.journal.events(result.intent_id))

"""Candles (alignment, live updates), watchlist (change, sparkline) and account state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from gmo_tui.exchange.enums import KlineInterval, MarginCallStatus
from gmo_tui.exchange.models import (
    Asset,
    CryptoTransfer,
    FiatTransfer,
    Kline,
    Margin,
    Ticker,
    TradingVolume,
    VolumeLimit,
)
from gmo_tui.market.account import Account, TransferKind
from gmo_tui.market.candles import CandleSeries, bucket_start
from gmo_tui.market.watchlist import Watchlist
from tests.market.factories import trade

D = Decimal
JST = timezone(timedelta(hours=9))
KI = KlineInterval


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def test_bucket_alignment_follows_the_gmo_trading_day() -> None:
    t = ms(datetime(2026, 1, 7, 5, 59, 30, tzinfo=JST))  # a Wednesday, before 06:00 JST
    assert bucket_start(t, KI.MIN1) == ms(datetime(2026, 1, 7, 5, 59, tzinfo=JST))
    assert bucket_start(t, KI.HOUR1) == ms(datetime(2026, 1, 7, 5, 0, tzinfo=JST))
    assert bucket_start(t, KI.HOUR4) == ms(datetime(2026, 1, 7, 2, 0, tzinfo=JST))
    assert bucket_start(t, KI.DAY1) == ms(datetime(2026, 1, 6, 6, 0, tzinfo=JST))
    assert bucket_start(t, KI.WEEK1) == ms(datetime(2026, 1, 5, 6, 0, tzinfo=JST))  # Monday
    assert bucket_start(t, KI.MONTH1) == ms(datetime(2026, 1, 1, 6, 0, tzinfo=JST))
    early = ms(datetime(2026, 3, 1, 5, 0, tzinfo=JST))  # before the March day starts
    assert bucket_start(early, KI.MONTH1) == ms(datetime(2026, 2, 1, 6, 0, tzinfo=JST))
    after = ms(datetime(2026, 3, 1, 6, 0, tzinfo=JST))
    assert bucket_start(after, KI.MONTH1) == after


def kl(open_dt: datetime, o: str, h: str, lo: str, c: str, v: str) -> Kline:
    return Kline(
        open_time=str(ms(open_dt)), open=D(o), high=D(h), low=D(lo), close=D(c), volume=D(v)
    )


def test_series_from_klines_kept_live_by_trades() -> None:
    base = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
    s = CandleSeries("BTC", KI.MIN1, maxlen=3)
    s.load(
        [
            kl(base + timedelta(minutes=1), "10", "12", "9", "11", "1"),
            kl(base, "8", "10", "8", "10", "2"),
        ]
    )
    assert [c.open_ms for c in s.candles] == [ms(base), ms(base + timedelta(minutes=1))]
    s.add_print(D(13), D("0.5"), base + timedelta(minutes=1, seconds=30))
    last = s.last
    assert (last.high, last.close, last.volume) == (D(13), D(13), D("1.5"))
    s.add_print(D(7), D(1), base + timedelta(minutes=3, seconds=1))  # rollover, a gap minute
    assert s.last.open_ms == ms(base + timedelta(minutes=3)) and s.last.open == D(7)
    assert len(s) == 3
    s.add_print(D(6), D(1), base + timedelta(minutes=1, seconds=59))  # late print, older candle
    assert s.candles[1].low == D(6) and s.last.low == D(7)
    s.add_print(D(1), D(1), base + timedelta(minutes=4))
    assert len(s) == 3 and s.candles[0].open_ms == ms(base + timedelta(minutes=1))  # bounded
    assert s.add_print(D(1), D(1), base) is None  # older than the series


def test_series_learns_phase_from_klines() -> None:
    s = CandleSeries("BTC", KI.DAY1, shift_ms=0)
    s.load([kl(datetime(2026, 1, 5, 6, tzinfo=JST), "1", "1", "1", "1", "0")])
    s.apply_trade(trade("2", "1", at=0))  # 2026-01-05 00:00 UTC = 09:00 JST: same trading day
    assert len(s) == 1 and s.last.close == D(2)
    s.add_print(D(3), D(1), datetime(2026, 1, 6, 6, 0, tzinfo=JST))
    assert len(s) == 2 and s.last.opened_at == datetime(2026, 1, 6, 6, 0, tzinfo=JST)


def test_merge_upserts() -> None:
    base = datetime(2026, 1, 5, tzinfo=UTC)
    s = CandleSeries("BTC", KI.MIN1)
    s.load([kl(base, "1", "1", "1", "1", "1")])
    s.merge(
        [
            kl(base, "1", "5", "1", "5", "3"),
            kl(base - timedelta(minutes=1), "0", "0", "0", "0", "0"),
        ]
    )
    assert [c.close for c in s.candles] == [D(0), D(5)]


def tick(symbol: str, last: str, at: datetime) -> Ticker:
    return Ticker(
        symbol=symbol,
        ask=D(last) + 1,
        bid=D(last) - 1,
        high=D(last),
        last=D(last),
        low=D(last),
        volume=D(5),
        timestamp=at,
    )


def test_watchlist_change_and_sparkline() -> None:
    w = Watchlist(spark_len=3, spark_interval=10)
    t0 = datetime(2026, 1, 5, 6, tzinfo=JST)
    w.update_ticker(tick("BTC", "100", t0 + timedelta(hours=1)), now=0)
    row = w.row("BTC")
    assert row.provisional and row.change == 0
    w.set_daily_open("BTC", D(80), t0)
    assert not row.provisional and row.change == D(20) and row.change_pct == D(25)
    for i, price in enumerate(["101", "102", "103"]):
        w.update_ticker(tick("BTC", price, t0 + timedelta(hours=2)), now=1 + i)  # same interval
    assert row.sparkline == (D(103),)
    for i, price in enumerate(["104", "105", "106"]):
        w.update_ticker(tick("BTC", price, t0 + timedelta(hours=3)), now=20 + 10 * i)
    assert row.sparkline == (D(104), D(105), D(106))
    w.set_daily_open("BTC", D(1), t0 - timedelta(days=1))  # older day: ignored
    assert row.reference == D(80)
    w.update_ticker(tick("BTC", "90", t0 + timedelta(days=1, minutes=1)), now=100)
    assert row.reference == D(90) and row.provisional and row.change == 0
    assert [r.symbol for r in w.rows(["ETH", "BTC"])] == ["ETH", "BTC"]


def test_account_assets_margin_volume() -> None:
    a = Account()
    a.set_assets(
        [
            Asset(symbol="BTC", amount=D("0.5"), available=D("0.4"), conversion_rate=D(15000000)),
            Asset(symbol="JPY", amount=D(100000), available=D(90000), conversion_rate=D(1)),
            Asset(symbol="ETH", amount=D(0), available=D(0), conversion_rate=D(500000)),
        ]
    )
    assert [x.symbol for x in a.assets] == ["JPY", "BTC", "ETH"]
    assert a.total_jpy == D(7600000) and a.available("BTC") == D("0.4") and a.available("XRP") == 0
    a.set_margin(
        Margin(
            actual_profit_loss=D(0),
            available_amount=D(5),
            margin=D(1),
            margin_call_status=MarginCallStatus.MARGIN_CALL,
            margin_ratio=D(80),
            profit_loss=D(0),
            transferable_amount=D(0),
        )
    )
    assert a.margin_call and a.margin_ratio == D(80) and a.available_amount == D(5)
    a.set_volume(
        TradingVolume(
            jpy_volume=D(1),
            tier_level=2,
            limit=(VolumeLimit(symbol="BTC", taker_fee=D("0.0005"), maker_fee=D("-0.0001")),),
        )
    )
    assert a.tier == 2 and a.fees("BTC") == (D("0.0005"), D("-0.0001")) and a.fees("ETH") is None


def test_transfer_history_merged_sorted_deduplicated() -> None:
    a = Account()
    t = datetime(2026, 1, 5, tzinfo=UTC)
    fiat = FiatTransfer(amount=D(1000), fee=D(0), status="EXECUTED", symbol="JPY", timestamp=t)
    assert a.add_history(TransferKind.FIAT_DEPOSIT, [fiat]) == 1
    assert a.add_history("fiat_deposit", [fiat]) == 0  # overlapping window
    pending = CryptoTransfer(
        amount=D(1),
        status="PROCESSING",
        symbol="BTC",
        timestamp=t + timedelta(minutes=5),
        tx_hash="ab",
    )
    done = CryptoTransfer(
        amount=D(1),
        status="EXECUTED",
        symbol="BTC",
        timestamp=t + timedelta(minutes=5),
        tx_hash="ab",
    )
    a.add_history(TransferKind.WITHDRAWAL, [pending])
    a.add_history(TransferKind.WITHDRAWAL, [done])
    hist = a.history()
    assert [(e.kind, e.status) for e in hist] == [
        (TransferKind.WITHDRAWAL, "EXECUTED"),
        (TransferKind.FIAT_DEPOSIT, "EXECUTED"),
    ]
    assert a.history(TransferKind.FIAT_DEPOSIT)[0].amount == D(1000)
    assert TransferKind.DEPOSIT.is_deposit and not TransferKind.WITHDRAWAL.is_deposit

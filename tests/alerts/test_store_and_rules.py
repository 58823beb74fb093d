"""Alerts on disk (private, atomic, surviving restarts, nothing lost from a bad file), the
firing rules on hand-fed prices and models, the ``[alerts]`` settings, and the layer rule."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from gmo_tui.alerts import (
    Alert,
    AlertEngine,
    AlertKind,
    AlertSettings,
    AlertState,
    AlertStore,
    Osc,
    data_dir,
)
from gmo_tui.exchange.enums import ExchangeStatus, MarginCallStatus, SettleType, Side
from gmo_tui.exchange.models import Margin
from gmo_tui.exchange.stream_base import StreamState, StreamStatus
from gmo_tui.market.account import Account
from gmo_tui.market.fills import Fill
from tests.test_layers import ROOT, _imports


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def engine_at(path: Path, clock: Clock | None = None) -> AlertEngine:
    return AlertEngine(AlertStore(path), clock=clock or Clock())


def test_the_file_is_private_and_its_directory_too(tmp_path: Path) -> None:
    path = tmp_path / "data" / "alerts.json"
    engine_at(path).add(Alert(AlertKind.FILL))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name != "alerts.json"]  # no temp left


def test_the_default_path_is_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path / "d"))
    assert data_dir() == tmp_path / "d"
    assert AlertStore().path == tmp_path / "d" / "alerts.json"


def test_alerts_survive_a_restart_with_their_state(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    engine = engine_at(path)
    below = engine.add(Alert(AlertKind.PRICE_BELOW, Decimal("100.5"), "XRP", note="buy zone"))
    move = engine.add(Alert(AlertKind.PERCENT_MOVE, Decimal("2"), "ETH", window_s=60))
    assert engine.on_price("XRP", Decimal("101")) == []  # primes it
    again = engine_at(path)
    saved = {a.id: a for a in again.alerts}
    assert saved[below.id].primed and saved[below.id].note == "buy zone"
    assert saved[below.id].level == Decimal("100.5")
    assert saved[move.id].window_s == 60
    (fired,) = again.on_price("XRP", Decimal("100.5"))
    assert fired.alert_id == below.id
    third = engine_at(path)
    assert {a.id: a.state for a in third.alerts}[below.id] is AlertState.FIRED
    assert third.on_price("XRP", Decimal("102")) == third.on_price("XRP", Decimal("99")) == []


def test_a_cross_needs_a_price_on_the_far_side_first(tmp_path: Path) -> None:
    engine = engine_at(tmp_path / "a.json")
    engine.add(Alert(AlertKind.PRICE_ABOVE, Decimal("10"), "BTC"))
    assert engine.on_price("BTC", Decimal("11")) == []  # already above when first seen
    assert engine.on_price("BTC", Decimal("9.99")) == []
    assert len(engine.on_price("BTC", Decimal("10"))) == 1
    assert engine.on_price("BTC", Decimal("9")) == engine.on_price("BTC", Decimal("12")) == []


def test_percent_move_over_a_window(tmp_path: Path) -> None:
    clock = Clock()
    engine = engine_at(tmp_path / "a.json", clock)
    engine.add(Alert(AlertKind.PERCENT_MOVE, Decimal("2"), "ETH", window_s=60))
    assert engine.on_price("ETH", Decimal("100")) == []
    clock.now += 61  # outside the window: 100 no longer counts
    assert engine.on_price("ETH", Decimal("101")) == []
    clock.now += 30
    assert engine.on_price("ETH", Decimal("102.01")) == []  # +1.0 % from 101
    clock.now += 20
    (fired,) = engine.on_price("ETH", Decimal("99.0"))  # -2.95 % from 102.01 within 60 s
    assert fired.details["percent"] == "-2.95" and "down" in fired.title
    assert engine.on_price("ETH", Decimal("90")) == []  # fired once


def test_fills_fire_once_per_execution_even_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    engine = engine_at(path)
    engine.add(Alert(AlertKind.FILL, symbol="BTC_JPY"))

    def fill(execution_id: int, symbol: str = "BTC_JPY") -> Fill:
        return Fill(
            execution_id,
            7,
            symbol,
            Side.BUY,
            SettleType.OPEN,
            Decimal("15000000"),
            Decimal("0.01"),
            Decimal("0"),
            Decimal("0"),
            datetime(2026, 12, 1, tzinfo=UTC),
        )

    assert len(engine.on_fill(fill(1))) == 1
    assert engine.on_fill(fill(1)) == []
    assert engine.on_fill(fill(2, "ETH_JPY")) == []  # another symbol
    assert engine_at(path).on_fill(fill(1)) == []  # a back-filled copy after a restart


def test_margin_ratio_fires_once_per_episode(tmp_path: Path) -> None:
    engine = engine_at(tmp_path / "a.json")
    engine.add(Alert(AlertKind.MARGIN_BELOW, Decimal("150")))
    account = Account()
    assert engine.check_margin(account) == []  # no margin known: no verdict

    def margin(ratio: str) -> Margin:
        zero = Decimal(0)
        return Margin(zero, zero, zero, MarginCallStatus.NORMAL, Decimal(ratio), zero, zero)

    account.set_margin(margin("200"))
    assert engine.check_margin(account) == []
    account.set_margin(margin("149.9"))
    assert len(engine.check_margin(account)) == 1
    assert engine.check_margin(account) == []
    account.set_margin(margin("300"))
    assert engine.check_margin(account) == []
    account.set_margin(margin("100"))
    assert len(engine.check_margin(account)) == 1  # a new episode


def test_maintenance_begun_and_announced(tmp_path: Path) -> None:
    engine = engine_at(tmp_path / "a.json")
    engine.add(Alert(AlertKind.MAINTENANCE))
    assert engine.on_exchange_status(ExchangeStatus.OPEN) == []
    assert len(engine.on_exchange_status(ExchangeStatus.MAINTENANCE)) == 1
    assert engine.on_exchange_status(ExchangeStatus.MAINTENANCE) == []
    assert engine.on_exchange_status(ExchangeStatus.OPEN) == []
    (notice,) = engine.on_maintenance_notice("2026-12-05", "maintenance 12/05 09:00-11:00 JST")
    assert notice.title == "Maintenance announced"
    assert engine_at(tmp_path / "a.json").on_maintenance_notice("2026-12-05", "again") == []


def test_a_socket_back_live_ends_the_outage_of_its_channels(tmp_path: Path) -> None:
    clock = Clock()
    engine = engine_at(tmp_path / "a.json", clock)
    engine.add(Alert(AlertKind.STREAM_STALE, Decimal("5")))
    engine.on_stream_status(StreamStatus("public", StreamState.STALE, "ticker", "BTC"))
    clock.now += 6
    (fired,) = engine.check_streams()
    assert fired.details["stream"] == "public/ticker/BTC"
    engine.on_stream_status(StreamStatus("public", StreamState.RECONNECTING))
    engine.on_stream_status(StreamStatus("public", StreamState.LIVE))
    assert engine.check_streams() == [] and engine.alerts[0].active == []


def test_a_disk_that_refuses_is_reported_and_alerting_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the data directory should be")
    store = AlertStore(blocker / "alerts.json")
    engine = AlertEngine(store)
    engine.add(Alert(AlertKind.PRICE_ABOVE, Decimal("10"), "BTC"))
    assert "cannot read" in store.problems[0] and "alerts not saved" in store.problems[1]
    engine.on_price("BTC", Decimal("9"))
    assert len(engine.on_price("BTC", Decimal("10"))) == 1


def test_a_bad_file_is_kept_aside_and_named(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    path.write_text("{ not json")
    store = AlertStore(path)
    engine = AlertEngine(store)
    assert engine.alerts == [] and "kept as" in store.problems[0]
    (aside,) = tmp_path.glob("alerts.json.unreadable-*")
    assert aside.read_text() == "{ not json"


def test_an_entry_that_is_not_an_alert_is_kept_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "alerts.json"
    good = Alert(AlertKind.PRICE_ABOVE, Decimal("5"), "XRP").to_dict()
    bad = {"kind": "price_sideways", "id": "zz"}
    path.write_text(json.dumps({"format": 1, "alerts": [good, bad]}))
    store = AlertStore(path)
    engine = AlertEngine(store)
    assert [a.id for a in engine.alerts] == [good["id"]]
    assert "skipped" in store.problems[0]
    engine.add(Alert(AlertKind.FILL))
    assert json.loads(path.read_text())["unreadable"] == [bad]


def test_alerts_that_cannot_work_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="price"):
        Alert(AlertKind.PRICE_ABOVE, None, "BTC")
    with pytest.raises(ValueError, match="window"):
        Alert(AlertKind.PERCENT_MOVE, Decimal("1"), "BTC")
    with pytest.raises(ValueError, match="level"):
        Alert(AlertKind.LOSSCUT_NEAR, Decimal("0"))


def test_alert_settings() -> None:
    assert AlertSettings.from_table({}) == AlertSettings()
    s = AlertSettings.from_table(
        {"osc": "both", "tmux": True, "command": "notify --urgent 'a b'", "command_timeout": 3}
    )
    assert s.osc is Osc.BOTH and s.tmux is True and s.command == ("notify", "--urgent", "a b")
    assert s.command_timeout == 3.0
    for table, message in (
        ({"osc": "loud"}, "osc must be"),
        ({"tmux": "yes"}, "tmux must be"),
        ({"command": "'unclosed"}, "command"),
        ({"command_timeout": 0}, "command_timeout"),
        ({"stale_after": "-1"}, "stale_after"),
        ({"bel": True}, "unknown field 'bel'"),
    ):
        with pytest.raises(ValueError, match=message):
            AlertSettings.from_table(table)


def test_the_alerts_package_never_imports_textual() -> None:
    files = sorted((ROOT / "alerts").rglob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            assert name.split(".")[0] not in ("textual", "rich"), f"{path.name}: {name}"

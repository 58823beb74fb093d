"""The journal: committed before send, every state change durable, no secrets, reopenable."""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from gmo_tui.trading.journal import IntentKind, IntentState, Journal, default_journal_path


def test_wal_and_full_sync(tmp_path) -> None:
    with Journal(tmp_path / "j.sqlite3") as journal:
        assert journal.pragma("journal_mode") == "wal"
        assert journal.pragma("synchronous") == 2  # FULL


def test_default_path_is_in_the_user_data_dir(monkeypatch) -> None:
    from platformdirs import user_data_dir

    monkeypatch.delenv("GMO_TUI_DATA_DIR", raising=False)  # (the test session sets it)
    path = default_journal_path()
    assert str(path).startswith(user_data_dir("gmo-tui", appauthor=False))
    assert path.name == "journal.sqlite3"


def test_data_dir_override(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path / "data"))
    assert default_journal_path() == tmp_path / "data" / "journal.sqlite3"


def test_intent_is_visible_to_another_connection_at_once(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    intent = journal.record_intent(
        IntentKind.ORDER,
        symbol="BTC",
        side="BUY",
        execution_type="LIMIT",
        size=Decimal("0.0100"),
        price=Decimal("15000000"),
    )
    # another process/connection sees the committed row without any close or flush
    other = sqlite3.connect(path)
    row = other.execute("SELECT state, size, price FROM intents WHERE id = ?", (intent,)).fetchone()
    assert row == ("PENDING", "0.0100", "15000000")
    other.close()
    journal.close()


def test_lifecycle_and_history_survive_reopen(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as journal:
        a = journal.record_intent(
            IntentKind.ORDER,
            symbol="BTC",
            side="BUY",
            execution_type="MARKET",
            size=Decimal("0.01"),
        )
        journal.mark_sent(a, 1_700_000_000_000)
        journal.mark_accepted(a, 123)
        journal.record_order_state(123, "EXECUTED", executed_size=Decimal("0.01"))
        b = journal.record_intent(
            IntentKind.ORDER,
            symbol="ETH",
            side="SELL",
            execution_type="LIMIT",
            size=Decimal("1"),
            price=Decimal("500000"),
        )
        journal.mark_sent(b, 1_700_000_000_500)
        journal.mark_unknown(b, "reply lost")
        c = journal.record_intent(IntentKind.CANCEL, target_order_id=99)
        d = journal.record_intent(
            IntentKind.ORDER,
            symbol="BTC",
            side="BUY",
            execution_type="LIMIT",
            size=Decimal("1"),
            price=Decimal("1"),
        )
        journal.mark_sent(d, 1)
        journal.mark_rejected(d, "ERR-5121")
    with Journal(path) as journal:
        entry = journal.get(a)
        assert entry.state is IntentState.ACCEPTED
        assert entry.order_id == 123 and entry.order_status == "EXECUTED"
        assert entry.size == Decimal("0.01") and entry.price is None
        assert [e.event for e in journal.events(a)] == ["intent", "sent", "accepted", "state"]
        assert journal.events(a)[-1].data == {
            "order_id": 123,
            "status": "EXECUTED",
            "executed_size": "0.01",
        }
        assert [e.id for e in journal.unresolved()] == [b, c]
        assert journal.get(b).state is IntentState.UNKNOWN
        assert journal.get(c).state is IntentState.PENDING and journal.get(c).target_order_id == 99
        assert journal.get(d).error_code == "ERR-5121"
        assert journal.claimed_order_ids() == {123}
        journal.mark_resolved(b, 456)
        journal.mark_abandoned(c)
        assert journal.unresolved() == []
        assert journal.claimed_order_ids() == {123, 456}
        assert journal.get(c).state is IntentState.ABANDONED


def test_no_secret_columns(tmp_path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as journal:
        journal.record_intent(
            IntentKind.ORDER,
            symbol="BTC",
            side="BUY",
            execution_type="MARKET",
            size=Decimal("0.01"),
        )
    db = sqlite3.connect(path)
    columns = {
        name.lower()
        for table in ("intents", "events", "meta")
        for (_, name, *_rest) in db.execute(f"PRAGMA table_info({table})")
    }
    db.close()
    assert not {c for c in columns if any(w in c for w in ("key", "secret", "token", "sign"))} - {
        "key"
    }

"""The durable order journal: every order, change and cancel intent in SQLite, committed BEFORE
it is sent, then updated with each reply and event.

One row per intent in ``intents`` (its current state) and an append-only ``events`` table (its
history). stdlib ``sqlite3`` in WAL mode with ``synchronous=FULL``: a committed row survives a
``kill -9`` or a power cut. The journal never stores credentials: only what the user asked for
(symbol, side, type, size, price, ...) and what the exchange answered (order ids, error codes).

Intent states::

    PENDING   journaled, not yet handed to the network (a crash here: ABANDONED on restart)
    SENT      handed to the REST client, no reply recorded yet
    ACCEPTED  the exchange answered with success (order_id for orders)
    REJECTED  the exchange answered with an error code, or the request never left (NOT_SENT)
    UNKNOWN   sent, reply lost: the outcome is unknown until found on the exchange
    RESOLVED  an UNKNOWN/SENT intent settled by matching (order_id, or none: it had no effect)
    ABANDONED journaled but never sent (found PENDING after a crash); never sent later

PENDING, SENT and UNKNOWN are *unresolved*: the service reconciles them before order entry.

The files (the database, its ``-wal`` and ``-shm``) are created 0600 in a directory created
0700, whatever the umask (:func:`gmo_tui.private_files.private_database`). Writes take the write connection; reads
use their own connection (WAL lets them read the last commit while a write is syncing), so the
event loop never waits for a write's fsync just to read.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from gmo_tui.private_files import private_database

SCHEMA_VERSION = 1


class IntentKind(StrEnum):
    ORDER = "ORDER"
    CHANGE = "CHANGE"
    CANCEL = "CANCEL"
    CANCEL_BULK = "CANCEL_BULK"
    CLOSE = "CLOSE"
    CLOSE_BULK = "CLOSE_BULK"
    CHANGE_LOSSCUT = "CHANGE_LOSSCUT"

    @property
    def creates_order(self) -> bool:
        """An order-creating intent: a lost reply must be resolved by matching, never re-sent."""
        return self in (IntentKind.ORDER, IntentKind.CLOSE, IntentKind.CLOSE_BULK)


class IntentState(StrEnum):
    PENDING = "PENDING"
    SENT = "SENT"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    UNKNOWN = "UNKNOWN"
    RESOLVED = "RESOLVED"
    ABANDONED = "ABANDONED"

    @property
    def unresolved(self) -> bool:
        return self in UNRESOLVED


UNRESOLVED = frozenset({IntentState.PENDING, IntentState.SENT, IntentState.UNKNOWN})


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One intent as stored. Money and sizes are Decimal (stored as their exact text)."""

    id: int
    kind: IntentKind
    state: IntentState
    created_at: float
    symbol: str | None = None
    side: str | None = None
    execution_type: str | None = None
    size: Decimal | None = None
    price: Decimal | None = None
    time_in_force: str | None = None
    losscut_price: Decimal | None = None
    cancel_before: bool | None = None
    position_id: int | None = None
    target_order_id: int | None = None
    order_id: int | None = None
    order_status: str | None = None
    error_code: str | None = None
    sent_at_ms: int | None = None
    updated_at: float | None = None
    detail: str | None = None

    @property
    def unresolved(self) -> bool:
        return self.state in UNRESOLVED


@dataclass(frozen=True, slots=True)
class JournalEvent:
    intent_id: int
    at: float
    event: str
    data: dict[str, Any]


_COLUMNS = (
    "id, kind, state, created_at, symbol, side, execution_type, size, price, time_in_force, "
    "losscut_price, cancel_before, position_id, target_order_id, order_id, order_status, "
    "error_code, sent_at_ms, updated_at, detail"
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at REAL NOT NULL,
    symbol TEXT,
    side TEXT,
    execution_type TEXT,
    size TEXT,
    price TEXT,
    time_in_force TEXT,
    losscut_price TEXT,
    cancel_before INTEGER,
    position_id INTEGER,
    target_order_id INTEGER,
    order_id INTEGER,
    order_status TEXT,
    error_code TEXT,
    sent_at_ms INTEGER,
    updated_at REAL,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS intents_state ON intents(state);
CREATE INDEX IF NOT EXISTS intents_order ON intents(order_id);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    intent_id INTEGER NOT NULL REFERENCES intents(id),
    at REAL NOT NULL,
    event TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_intent ON events(intent_id);
"""


def default_journal_path() -> Path:
    """``$GMO_TUI_DATA_DIR/journal.sqlite3``, else ``<user data dir>/gmo-tui/journal.sqlite3``."""

    from platformdirs import user_data_dir

    override = os.environ.get("GMO_TUI_DATA_DIR")
    if override:
        return Path(override) / "journal.sqlite3"
    return Path(user_data_dir("gmo-tui", appauthor=False)) / "journal.sqlite3"


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    return value


class Journal:
    """The SQLite journal. Thread-safe (one connection, one lock); every write commits at once.

    ``path`` defaults to :func:`default_journal_path`; pass ``":memory:"`` or a temporary file
    in tests. ``clock`` gives the wall-clock seconds stored with each row.
    """

    def __init__(
        self, path: str | Path | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        if path is None:
            path = default_journal_path()
        in_memory = str(path) == ":memory:"
        if not in_memory:
            private_database(Path(path))
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._db.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
            (str(SCHEMA_VERSION),),
        )
        if in_memory:  # one database per connection: read through the writer
            self._read_lock, self._reader = self._lock, self._db
        else:
            private_database(Path(path))  # the -wal/-shm SQLite just made
            self._read_lock = threading.Lock()
            self._reader = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        with self._read_lock:
            if self._reader is not self._db:
                self._reader.close()
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def pragma(self, name: str) -> Any:
        with self._lock:
            return self._db.execute(f"PRAGMA {name}").fetchone()[0]

    # ------------------------------------------------------------------ writes

    def _write(
        self,
        sql: str,
        params: tuple[object, ...],
        event: tuple[int | None, str, dict[str, Any]] | None,
    ) -> int:
        """Run one statement and its event row in one committed transaction."""
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                cur.execute(sql, params)
                row_id = cur.lastrowid
                if event is not None:
                    intent_id, name, data = event
                    cur.execute(
                        "INSERT INTO events(intent_id, at, event, data) VALUES (?, ?, ?, ?)",
                        (
                            intent_id if intent_id is not None else row_id,
                            self._clock(),
                            name,
                            json.dumps(_jsonable(data), sort_keys=True),
                        ),
                    )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            return row_id or 0

    def record_intent(
        self,
        kind: IntentKind | str,
        *,
        symbol: str | None = None,
        side: str | None = None,
        execution_type: str | None = None,
        size: Decimal | None = None,
        price: Decimal | None = None,
        time_in_force: str | None = None,
        losscut_price: Decimal | None = None,
        cancel_before: bool | None = None,
        position_id: int | None = None,
        target_order_id: int | None = None,
        detail: str | None = None,
    ) -> int:
        """Journal a new intent (state PENDING) and commit; returns its id."""
        kind = IntentKind(kind)
        fields = {
            "symbol": symbol,
            "side": None if side is None else str(side),
            "execution_type": None if execution_type is None else str(execution_type),
            "size": size,
            "price": price,
            "time_in_force": None if time_in_force is None else str(time_in_force),
            "losscut_price": losscut_price,
            "cancel_before": cancel_before,
            "position_id": position_id,
            "target_order_id": target_order_id,
        }
        now = self._clock()
        return self._write(
            "INSERT INTO intents(kind, state, created_at, symbol, side, execution_type, size, "
            "price, time_in_force, losscut_price, cancel_before, position_id, target_order_id, "
            "updated_at, detail) VALUES (?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind.value,
                now,
                fields["symbol"],
                fields["side"],
                fields["execution_type"],
                _text(size),
                _text(price),
                fields["time_in_force"],
                _text(losscut_price),
                None if cancel_before is None else int(cancel_before),
                position_id,
                target_order_id,
                now,
                detail,
            ),
            (
                None,
                "intent",
                {"kind": kind.value, **{k: v for k, v in fields.items() if v is not None}},
            ),
        )

    def _update(self, intent_id: int, event: str, data: dict[str, Any], **columns: Any) -> None:
        columns["updated_at"] = self._clock()
        assignments = ", ".join(f"{name} = ?" for name in columns)
        self._write(
            f"UPDATE intents SET {assignments} WHERE id = ?",
            (*columns.values(), intent_id),
            (intent_id, event, data),
        )

    def mark_sent(self, intent_id: int, sent_at_ms: int) -> None:
        """Committed just before the request goes to the network."""
        self._update(
            intent_id, "sent", {"sent_at_ms": sent_at_ms}, state="SENT", sent_at_ms=sent_at_ms
        )

    def mark_accepted(self, intent_id: int, order_id: int | None = None) -> None:
        data = {} if order_id is None else {"order_id": order_id}
        if order_id is None:
            self._update(intent_id, "accepted", data, state="ACCEPTED")
        else:
            self._update(intent_id, "accepted", data, state="ACCEPTED", order_id=order_id)

    def mark_rejected(self, intent_id: int, code: str, detail: str | None = None) -> None:
        self._update(
            intent_id,
            "rejected",
            {"code": code, "detail": detail},
            state="REJECTED",
            error_code=code,
            detail=detail,
        )

    def mark_unknown(self, intent_id: int, detail: str | None = None) -> None:
        self._update(intent_id, "unknown", {"detail": detail}, state="UNKNOWN", detail=detail)

    def mark_resolved(
        self, intent_id: int, order_id: int | None, detail: str | None = None
    ) -> None:
        """Settle an unresolved intent: the order it created, or ``None`` (it had no effect)."""
        self._update(
            intent_id,
            "resolved",
            {"order_id": order_id, "detail": detail},
            state="RESOLVED",
            order_id=order_id,
            detail=detail,
        )

    def mark_abandoned(self, intent_id: int, detail: str = "journaled but never sent") -> None:
        self._update(intent_id, "abandoned", {"detail": detail}, state="ABANDONED", detail=detail)

    def record_order_state(self, order_id: int, status: str, **data: Any) -> None:
        """An exchange state change of an order that one of our intents created."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM intents WHERE order_id = ? AND kind IN ('ORDER','CLOSE','CLOSE_BULK')",
                (order_id,),
            ).fetchall()
        for (intent_id,) in rows:
            self._update(
                intent_id,
                "state",
                {"order_id": order_id, "status": str(status), **data},
                order_status=str(status),
            )

    def add_event(self, intent_id: int, event: str, **data: Any) -> None:
        """A free-form event row (e.g. a poll result) without changing the intent's state."""
        self._write("SELECT 1", (), (intent_id, event, data))

    # ------------------------------------------------------------------ reads

    def _rows(self, where: str = "", params: tuple[object, ...] = ()) -> list[JournalEntry]:
        with self._read_lock:
            rows = self._reader.execute(
                f"SELECT {_COLUMNS} FROM intents {where} ORDER BY id", params
            ).fetchall()
        return [self._entry(row) for row in rows]

    @staticmethod
    def _entry(row: tuple[Any, ...]) -> JournalEntry:
        (
            id_,
            kind,
            state,
            created_at,
            symbol,
            side,
            execution_type,
            size,
            price,
            tif,
            losscut,
            cancel_before,
            position_id,
            target,
            order_id,
            order_status,
            error_code,
            sent_at_ms,
            updated_at,
            detail,
        ) = row
        return JournalEntry(
            id=id_,
            kind=IntentKind(kind),
            state=IntentState(state),
            created_at=created_at,
            symbol=symbol,
            side=side,
            execution_type=execution_type,
            size=_dec(size),
            price=_dec(price),
            time_in_force=tif,
            losscut_price=_dec(losscut),
            cancel_before=None if cancel_before is None else bool(cancel_before),
            position_id=position_id,
            target_order_id=target,
            order_id=order_id,
            order_status=order_status,
            error_code=error_code,
            sent_at_ms=sent_at_ms,
            updated_at=updated_at,
            detail=detail,
        )

    def get(self, intent_id: int) -> JournalEntry:
        rows = self._rows("WHERE id = ?", (intent_id,))
        if not rows:
            raise KeyError(intent_id)
        return rows[0]

    def entries(self) -> list[JournalEntry]:
        return self._rows()

    def unresolved(self) -> list[JournalEntry]:
        """PENDING, SENT and UNKNOWN intents, oldest first."""
        return self._rows("WHERE state IN ('PENDING', 'SENT', 'UNKNOWN')")

    def claimed_order_ids(self) -> set[int]:
        """Order ids already attributed to one of our intents (never matched twice)."""
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT DISTINCT order_id FROM intents WHERE order_id IS NOT NULL "
                "AND kind IN ('ORDER','CLOSE','CLOSE_BULK')"
            ).fetchall()
        return {row[0] for row in rows}

    def recent_symbols(self, intents: int = 200) -> set[str]:
        """The symbols of the newest ``intents`` intents."""
        with self._read_lock:
            rows = self._reader.execute(
                "SELECT DISTINCT symbol FROM (SELECT symbol FROM intents ORDER BY id DESC "
                "LIMIT ?) WHERE symbol IS NOT NULL",
                (intents,),
            ).fetchall()
        return {row[0] for row in rows}

    def claims(self, order_id: int) -> bool:
        """One of our order-creating intents created ``order_id`` (an indexed lookup)."""
        with self._read_lock:
            row = self._reader.execute(
                "SELECT 1 FROM intents WHERE order_id = ? "
                "AND kind IN ('ORDER','CLOSE','CLOSE_BULK') LIMIT 1",
                (order_id,),
            ).fetchone()
        return row is not None

    def events(self, intent_id: int | None = None) -> list[JournalEvent]:
        with self._read_lock:
            if intent_id is None:
                rows = self._reader.execute(
                    "SELECT intent_id, at, event, data FROM events ORDER BY seq"
                ).fetchall()
            else:
                rows = self._reader.execute(
                    "SELECT intent_id, at, event, data FROM events WHERE intent_id = ? ORDER BY seq",
                    (intent_id,),
                ).fetchall()
        return [JournalEvent(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

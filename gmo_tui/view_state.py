"""What the main screen remembers across runs (the all-symbols view of Orders, Positions and
Executions), in a private JSON file (0600 in a 0700 dir) beside the journal in the data dir.

A missing or unreadable file is the default view; a file that cannot be written is logged and
the app keeps running with the view as chosen."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from gmo_tui.private_files import private_file
from gmo_tui.trading.journal import default_journal_path

log = logging.getLogger(__name__)

FILE_NAME = "view.json"


@dataclass(frozen=True, slots=True)
class ViewState:
    all_symbols: bool = False
    """Orders, Positions and Executions list every symbol (else the current one)."""


def state_path() -> Path:
    """``view.json`` in the data dir (``$GMO_TUI_DATA_DIR`` or the user's data dir)."""
    return default_journal_path().parent / FILE_NAME


def load_view_state(path: Path | None = None) -> ViewState:
    path = path or state_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ViewState()
    except (OSError, ValueError) as exc:
        log.warning("view state %s not read: %s", path, exc)
        return ViewState()
    value = data.get("all_symbols") if isinstance(data, dict) else None
    return ViewState(all_symbols=value) if isinstance(value, bool) else ViewState()


def save_view_state(state: ViewState, path: Path | None = None) -> str | None:
    """Write ``state``; the error text if it could not be written (``None``: saved)."""
    path = path or state_path()
    try:
        private_file(path)
        path.write_text(json.dumps(asdict(state)) + "\n", encoding="utf-8")
    except OSError as exc:
        log.warning("view state %s not written: %s", path, exc)
        return str(exc)
    return None

"""Where brackets live between runs: one private JSON file (mode 0600) in the data dir.

A separate file rather than a table in the trading journal: the journal's schema belongs to the
trading service and records intents, while a bracket is the app's own plan (which exits to
place for which fills); the file is small, rewritten whole and atomically (write a temporary
file, fsync, rename, fsync the directory) before any order of the bracket is sent, so after a
crash the plan on disk is never older than what the exchange may have received. A file that
cannot be read is kept aside (``.unreadable-<time>``) and reported, never overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

from gmo_tui.trading.bracket_model import Bracket

__all__ = ["BracketStore", "default_bracket_path"]

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


def default_bracket_path() -> Path:
    """``brackets.json`` next to the trading journal (``$GMO_TUI_DATA_DIR`` or the user data
    dir)."""
    from gmo_tui.trading.journal import default_journal_path

    return default_journal_path().with_name("brackets.json")


class BracketStore:
    """Load and save every bracket. ``problem`` says why the file on disk was not used."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_bracket_path()
        self.problem: str | None = None

    def load(self) -> list[Bracket]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            data = json.loads(text)
            return [Bracket.from_json(item) for item in data["brackets"]]
        except (ValueError, KeyError, TypeError) as exc:
            aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
            os.replace(self.path, aside)
            self.problem = f"the brackets file could not be read ({exc}); kept as {aside}"
            log.error("%s", self.problem)
            return []

    def save(self, brackets: Iterable[Bracket]) -> None:
        """Write every bracket atomically and durably (private to the user)."""
        _private_dirs(self.path.parent)
        body = json.dumps(
            {"version": FORMAT_VERSION, "brackets": [b.to_json() for b in brackets]},
            indent=1,
            sort_keys=True,
        ).encode("utf-8")
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        try:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _private_dirs(directory: Path) -> None:
    """Make ``directory``'s missing parts 0700 whatever the umask (the same rule as the
    journal's; ``gmo_tui.private_files.private_dir`` once the ``secure`` branch is merged)."""
    missing: list[Path] = []
    probe = directory
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for part in reversed(missing):
        part.mkdir(mode=0o700, exist_ok=True)
        os.chmod(part, 0o700)  # mkdir's mode is cut by the umask

"""Issue 12, finding 2: everything the app writes (log, journal and its -wal/-shm, the dirs it
creates, the demo's temp dir) is private to the user (0600/0700) under a permissive umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gmo_tui import cli
from gmo_tui import config as cfg
from gmo_tui.private_files import private_database, private_dir, private_file
from gmo_tui.trading.journal import Journal


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_log_file_and_the_dirs_made_for_it_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "gmo-tui" / "log"
    path = cfg.setup_logging(directory=directory)
    cfg.logging.getLogger("gmo_tui.test").warning("a line")
    assert path.read_text().endswith("a line\n")
    assert mode(path) == 0o600
    for made in (directory, directory.parent, directory.parent.parent):
        assert mode(made) == 0o700, made
    assert mode(tmp_path) == 0o700  # pytest's; not made by the app, left as it was


def test_an_existing_world_readable_log_is_tightened(tmp_path: Path) -> None:
    directory = tmp_path / "log"
    directory.mkdir(mode=0o755)
    old = directory / "gmo-tui.log"
    old.write_text("earlier line\n")
    old.chmod(0o644)
    path = cfg.setup_logging(directory=directory)
    assert path == old and mode(path) == 0o600 and mode(directory) == 0o700
    assert path.read_text() == "earlier line\n"  # nothing lost


def _journal_modes(path: Path) -> dict[str, int]:
    journal = Journal(path)
    try:
        assert journal.pragma("journal_mode") == "wal"
        companions = {
            suffix: mode(path.with_name(path.name + suffix))
            for suffix in ("-wal", "-shm")
            if path.with_name(path.name + suffix).exists()
        }
        assert set(companions) == {"-wal", "-shm"}  # WAL mode: both exist while open
        return {"db": mode(path), "dir": mode(path.parent), **companions}
    finally:
        journal.close()


def test_demo_journal_and_its_temp_dir_are_private(tmp_path: Path) -> None:
    path = Path(cli._journal_path(cli._demo_dir()))
    try:
        assert path.name == "journal.sqlite" and path.parent.name.startswith("gmo-tui-demo-")
        assert _journal_modes(path) == {"db": 0o600, "dir": 0o700, "-wal": 0o600, "-shm": 0o600}
    finally:
        for item in path.parent.iterdir():
            item.unlink()
        path.parent.rmdir()


def test_live_journal_in_a_new_data_dir_is_private(tmp_path, monkeypatch) -> None:
    data = tmp_path / "share" / "gmo-tui"
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(data))
    path = Path(cli._journal_path(None))
    assert path.parent == data
    assert _journal_modes(path) == {"db": 0o600, "dir": 0o700, "-wal": 0o600, "-shm": 0o600}
    assert mode(data.parent) == 0o700


def test_an_old_world_readable_journal_and_companions_are_tightened(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        (tmp_path / name).write_bytes(b"")
        (tmp_path / name).chmod(0o644)
    private_database(path)
    assert {mode(tmp_path / n) for n in (path.name, path.name + "-wal", path.name + "-shm")} == {
        0o600
    }


def test_helpers_keep_content(tmp_path: Path) -> None:
    target = private_file(tmp_path / "new" / "file.txt")
    assert target.read_bytes() == b"" and mode(target) == 0o600
    target.write_text("kept")
    private_file(target)
    assert target.read_text() == "kept"
    (tmp_path / "not-a-dir").write_text("x")
    with pytest.raises(NotADirectoryError):
        private_dir(tmp_path / "not-a-dir")

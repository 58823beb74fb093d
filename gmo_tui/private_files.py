"""Files only the user can touch: private dirs (0700) and files (0600) the app creates whatever
the umask, and the OpenSSH-style trust check of the files the app reads its settings from.

* :func:`private_dir` makes a directory (and any missing parent) 0700, and tightens the app's
  own existing directory to 0700;
* :func:`private_file` creates a file 0600 (or tightens an existing one the user owns) in a
  private directory, before anything is written to it; :func:`private_database` does the same
  for an SQLite file and its ``-wal``/``-shm``/``-journal`` companions (SQLite gives new
  companions the main file's mode);
* :func:`check_trusted` refuses a file or directory that another user could have written
  (group- or other-writable, or owned by someone else), with the command that fixes it;
  :func:`check_secret` also refuses one that others could read.

On a non-POSIX system modes do not apply and the functions only create what is missing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gmo_tui.i18n import _

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


class UntrustedPath(ValueError):
    """A settings file or directory that someone other than the user could have changed (or,
    for a secret, read). The message names the path and the command that fixes it."""


def _posix() -> bool:
    return os.name == "posix"


def _owned_by_user(st: os.stat_result) -> bool:
    return st.st_uid == os.geteuid()


def private_dir(path: Path) -> Path:
    """``path`` as a directory only the user can enter (0700); missing parents are made 0700
    too. An existing directory the user owns is tightened to 0700; one owned by someone else
    is left alone (and :func:`check_trusted` refuses it where it matters)."""
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:  # made by someone else meanwhile: checked below
            pass
        if _posix():
            os.chmod(directory, PRIVATE_DIR)  # mkdir's mode is cut by the umask
    if not path.is_dir():
        raise NotADirectoryError(_("{path} is not a directory").format(path=path))
    _tighten(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 in a :func:`private_dir` (or tighten an existing
    file the user owns to 0600), so what is written to it next is never readable by others."""
    private_dir(path.parent)
    if _posix():
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, PRIVATE_FILE)
        try:
            if _owned_by_user(os.fstat(fd)):
                os.fchmod(fd, PRIVATE_FILE)
        finally:
            os.close(fd)
    else:
        path.touch(exist_ok=True)
    return path


def private_database(path: Path) -> Path:
    """:func:`private_file` for an SQLite database, and its existing companions tightened."""
    private_file(path)
    for suffix in _SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            _tighten(companion, PRIVATE_FILE)
    return path


def _tighten(path: Path, mode: int) -> None:
    if not _posix():
        return
    st = path.stat()
    if _owned_by_user(st) and stat.S_IMODE(st.st_mode) & ~mode:
        os.chmod(path, stat.S_IMODE(st.st_mode) & mode)


def check_trusted(path: Path) -> None:
    """Raise :class:`UntrustedPath` when ``path`` is writable by group or others, or owned by
    someone other than the user (or root), as OpenSSH checks its config files."""
    if not _posix():
        return
    st = path.stat()
    if st.st_uid not in (os.geteuid(), 0):
        raise UntrustedPath(
            _(
                "{path} is owned by uid {owner}, not by you (uid {uid}); refusing to use it. "
                "Run: chown {uid} {path}"
            ).format(path=path, owner=st.st_uid, uid=os.geteuid())
        )
    mode = stat.S_IMODE(st.st_mode)
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise UntrustedPath(
            _(
                "{path} is writable by group or others (mode {mode}); refusing to use it. "
                "Run: chmod go-w {path}"
            ).format(path=path, mode=f"{mode:o}")
        )


def check_secret(path: Path) -> None:
    """:func:`check_trusted`, and refused too when group or others can read or enter it."""
    check_trusted(path)
    if not _posix():
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise UntrustedPath(
            _(
                "{path} is accessible by group or others (mode {mode}); refusing to use it. "
                "Run: chmod 600 {path}"
            ).format(path=path, mode=f"{mode:o}")
        )

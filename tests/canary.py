"""The secret canary: the whole suite runs with canary credentials, and nothing may show them.

A pytest plugin (loaded from ``tests/conftest.py``):

* one pair of canary credentials per run (:data:`CANARY_KEY`, :data:`CANARY_SECRET`; fixed
  seed, so runs are reproducible) is the API key/secret of every built-in exchange the
  ``sim``/``make_sim`` fixtures start, and ``GMO_API_KEY``/``GMO_API_SECRET`` for the session;
* every WebSocket token any built-in exchange issues is recorded
  (:func:`gmo_tui.sim.tokens.watch_issued`);
* the app's config, log, data (journal) and temporary dirs point into the session's temp dir;
* pytest captures log records from DEBUG up (unless ``log_level`` is set);
* at the end, every test's captured output/log sections and failure text, every file under the
  session's temp dir, the screenshots, the snapshot SVGs and ``bench/RESULTS.md`` are searched
  (raw bytes, case-sensitive) for the key, the secret, each token and every 6-character piece
  of them. A hit fails the run, naming where and which piece, never the whole secret.

:class:`Scanner` is the matcher on its own (tests/test_canary.py checks it can fail).
"""

from __future__ import annotations

import os
import random
import re
import string
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PIECE = 6
_SEED = 20261125
_RUN = re.compile(rb"[A-Za-z0-9_\-]{%d,}" % PIECE)
ROOT = Path(__file__).resolve().parent.parent
PLANTED = ".canary-planted"
"""A directory holding a file of this name is skipped by the session scan: the canary's own
tests plant pieces of the secrets there on purpose."""


def _canary(rng: random.Random, length: int) -> str:
    """Mixed-case alphanumerics with no three lowercase letters in a row (so no words)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(length))
        if (
            re.search(r"[a-z]{3}", value) is None
            and re.search(r"[A-Z]", value)
            and re.search(r"[a-z]", value)
            and re.search(r"[0-9]", value)
        ):
            return value


_rng = random.Random(_SEED)
CANARY_KEY = _canary(_rng, 32)
CANARY_SECRET = _canary(_rng, 64)


@dataclass(frozen=True)
class Hit:
    where: str
    piece: str
    of: str  # "api key" / "api secret" / "ws token"

    def describe(self) -> str:
        return f"{self.where}: 6-char piece {self.piece!r} of the {self.of}"


@dataclass
class Scanner:
    """Finds any ``PIECE``-character piece of the registered secrets in bytes or text."""

    _pieces: dict[bytes, str] = field(default_factory=dict)
    secrets: int = 0

    def add(self, secret: str, label: str) -> None:
        raw = secret.encode()
        if len(raw) < PIECE:
            raise ValueError("a canary secret must be at least 6 characters long")
        self.secrets += 1
        for i in range(len(raw) - PIECE + 1):
            self._pieces.setdefault(raw[i : i + PIECE], label)

    def scan(self, data: bytes | str, where: str) -> list[Hit]:
        """Every distinct piece found in ``data`` (text is encoded as UTF-8)."""
        raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        pieces = self._pieces
        found: dict[bytes, Hit] = {}
        for run in _RUN.finditer(raw):
            chunk = run.group()
            for i in range(len(chunk) - PIECE + 1):
                piece = chunk[i : i + PIECE]
                label = pieces.get(piece)
                if label is not None and piece not in found:
                    found[piece] = Hit(where, piece.decode(), label)
        return list(found.values())

    def scan_file(self, path: Path, where: str | None = None) -> list[Hit]:
        try:
            data = path.read_bytes()
        except OSError:
            return []
        return self.scan(data, where or str(path))


def files_under(*roots: Path, patterns: Iterable[str] = ("**/*",)) -> Iterator[Path]:
    seen: set[Path] = set()
    for root in roots:
        if root.is_file():
            candidates: Iterable[Path] = [root]
        elif root.is_dir():
            candidates = (p for pattern in patterns for p in root.glob(pattern))
        else:
            continue
        for path in candidates:
            if path.is_file() and not path.is_symlink() and path not in seen:
                seen.add(path)
                yield path


class CanaryPlugin:
    """Sets the canary up at session start, collects captured text, scans at session end."""

    def __init__(self) -> None:
        self.tokens: list[str] = []
        self.sections: list[tuple[str, str]] = []
        self._unwatch = None
        self.base: Path | None = None
        self._saved_env: dict[str, str | None] = {}
        self._saved_tempdir: str | None = None
        self._set_tempdir = False
        self.report: list[str] = []
        self.hits: list[Hit] = []

    # ---------------------------------------------------------------- set-up
    def _setenv(self, name: str, value: str) -> None:
        self._saved_env.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from gmo_tui.sim.tokens import watch_issued

        self._unwatch = watch_issued(self.tokens.append)
        factory = session.config._tmp_path_factory  # type: ignore[attr-defined]
        self.base = factory.getbasetemp()
        home = self.base / "canary-env"
        for sub in ("config", "log", "data", "tmp"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        self._setenv("GMO_API_KEY", CANARY_KEY)
        self._setenv("GMO_API_SECRET", CANARY_SECRET)
        self._setenv("GMO_TUI_CONFIG_DIR", str(home / "config"))
        self._setenv("GMO_TUI_LOG_DIR", str(home / "log"))
        self._setenv("GMO_TUI_DATA_DIR", str(home / "data"))
        self._setenv("TMPDIR", str(home / "tmp"))
        self._saved_tempdir = tempfile.tempdir
        self._set_tempdir = True
        tempfile.tempdir = str(home / "tmp")

    # ---------------------------------------------------------------- collecting
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for name, content in report.sections:
            if content:
                self.sections.append((f"{report.nodeid} [{report.when}] {name}", content))
        if report.longrepr is not None:
            text = report.longreprtext
            if text:
                self.sections.append((f"{report.nodeid} [{report.when}] failure text", text))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.longrepr is not None and report.longreprtext:
            self.sections.append((f"{report.nodeid} [collect] failure text", report.longreprtext))

    # ---------------------------------------------------------------- scanning
    def scanner(self) -> Scanner:
        scanner = Scanner()
        scanner.add(CANARY_KEY, "api key")
        scanner.add(CANARY_SECRET, "api secret")
        for token in dict.fromkeys(self.tokens):
            if len(token) >= PIECE:
                scanner.add(token, "ws token")
        return scanner

    def scan_all(self) -> tuple[int, int, list[Hit]]:
        scanner = self.scanner()
        hits: list[Hit] = []
        for where, text in self.sections:
            hits += scanner.scan(text, where)
        roots = []
        if self.base is not None:
            roots.append(self.base)
        planted = {p.parent for root in roots for p in root.glob(f"**/{PLANTED}")}
        files = [
            path
            for path in files_under(*roots)
            if not any(parent in planted for parent in path.parents)
        ]
        files += list(files_under(ROOT / "screenshots", patterns=("**/*.svg",)))
        files += list(files_under(ROOT / "tests", patterns=("**/__snapshots__/**/*.svg",)))
        files += list(files_under(ROOT / "bench" / "RESULTS.md"))
        for path in files:
            hits += scanner.scan_file(path, _short(path, self.base))
        return len(files), len(self.sections), hits

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._unwatch is not None:
            self._unwatch()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self._set_tempdir:
            tempfile.tempdir = self._saved_tempdir
        files, sections, hits = self.scan_all()
        self.hits = hits
        self.report = [
            f"secret canary: {files} files and {sections} captured sections scanned for the "
            f"API key, secret and {len(set(self.tokens))} WS tokens (6-char pieces): "
            f"{len(hits)} hits"
        ]
        by_place: dict[str, list[Hit]] = {}
        for hit in hits:
            by_place.setdefault(hit.where, []).append(hit)
        for found in list(by_place.values())[:40]:
            kinds = sorted({h.of for h in found})
            self.report.append(
                f"  LEAK {found[0].describe()} (+{len(found) - 1} more pieces; {', '.join(kinds)})"
            )
        if len(by_place) > 40:
            self.report.append(f"  ... and {len(by_place) - 40} more places")
        if hits:
            self.report.append("secret canary: FAILED (a secret or a piece of one leaked)")
            session.exitstatus = 1

    def pytest_terminal_summary(self, terminalreporter: object) -> None:
        for line in self.report:
            terminalreporter.write_line(line)  # type: ignore[attr-defined]


def _short(path: Path, base: Path | None) -> str:
    for root in (base, ROOT):
        if root is not None:
            try:
                return str(path.relative_to(root))
            except ValueError:
                continue
    return str(path)


def pytest_configure(config: pytest.Config) -> None:
    # captured log sections hold every record, DEBUG up (pytest's default is WARNING), so the
    # app's and the libraries' debug lines (request URLs, socket handshakes) are searched too;
    # ``-o log_level=WARNING`` narrows it again
    if config.getoption("log_level", None) is None and not config.getini("log_level"):
        config.option.log_level = "DEBUG"
    if not config.pluginmanager.has_plugin("gmo-tui-canary"):
        config.pluginmanager.register(CanaryPlugin(), "gmo-tui-canary")

"""The benchmark harness: the instrumented exchange process, the app in a real pseudo-terminal,
and /proc sampling of CPU time and memory.

* :class:`Sim` starts ``python -m bench.simproc`` and talks to it (``command(dict) -> dict``).
* :class:`AppPty` runs ``gmo-tui --endpoint URL --symbol S`` on the slave side of
  ``os.openpty()`` (120x40, or ``$GMO_BENCH_SIZE`` such as ``160x45``); a reader thread drains the master side and records ``time.monotonic()`` of
  every chunk and feeds a :class:`~bench.screen.ScreenText`, so :meth:`AppPty.wait_for` can
  tell when given text was first on the screen (in a row as it was after some read).
* :func:`cpu_seconds` / :func:`rss_bytes` read ``/proc/<pid>/stat`` and ``/proc/<pid>/status``.
* :func:`app_command`: how to start the app, from this checkout or from the one named by
  ``$GMO_BENCH_CHECKOUT`` (a directory holding another version's ``gmo_tui/``, run with its
  own ``.venv`` if it has one, else this venv's Python and packages), so two versions are
  measured in one run against the same exchange and bench code.
"""

from __future__ import annotations

import bisect
import fcntl
import json
import os
import queue
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from bench.screen import ScreenText

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GMO_TUI = str(Path(PYTHON).with_name("gmo-tui"))
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
CURSOR_REQUEST = b"\x1b[6n"
CURSOR_REPORT = b"\x1b[1;1R"
LOG_LIMIT = 16 << 20
"""Bytes of row text kept; the older half is dropped beyond it (probes look back seconds)."""


# ---------------------------------------------------------------------------- /proc


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` in seconds (from /proc/<pid>/stat)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` in bytes (VmRSS of /proc/<pid>/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_percent(pid: int, seconds: float) -> float:
    """Percent of one core used by ``pid`` over the next ``seconds``."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds)
    c1, t1 = cpu_seconds(pid), time.monotonic()
    return 100.0 * (c1 - c0) / (t1 - t0)


# ---------------------------------------------------------------------------- the exchange


class Sim:
    """``python -m bench.simproc`` as a child process."""

    def __init__(
        self,
        *,
        seed: int = 42,
        frozen: bool = False,
        books: float = 10,
        trades: float = 30,
        tickers: float = 10,
    ) -> None:
        args = [PYTHON, "-m", "bench.simproc", "--seed", str(seed)]
        args += ["--books", str(books), "--trades", str(trades), "--tickers", str(tickers)]
        if frozen:
            args.append("--frozen")
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the bench exchange did not start")
        hello = json.loads(line)
        self.endpoint: str = hello["endpoint"]
        self.api_key: str = hello["api_key"]
        self.api_secret: str = hello["api_secret"]
        self.pid: int = hello["pid"]
        self._lock = threading.Lock()

    def command(self, cmd: dict) -> dict:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        with self._lock:
            self.proc.stdin.write(json.dumps(cmd) + "\n")
            self.proc.stdin.flush()
            reply = json.loads(self.proc.stdout.readline())
        if not reply.get("ok"):
            raise RuntimeError(f"bench exchange refused {cmd}: {reply.get('error')}")
        return reply

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Sim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---------------------------------------------------------------------------- the app


def terminal_size() -> tuple[int, int]:
    """The pty size: ``$GMO_BENCH_SIZE`` (e.g. ``160x45``: the wide layout), else 120x40."""
    text = os.environ.get("GMO_BENCH_SIZE", "120x40")
    cols, _, rows = text.partition("x")
    return int(cols), int(rows)


def _time_of(chunks: list[tuple[int, float]], offset: int) -> float:
    """The time of the first chunk (end offset, time) that ends after ``offset`` (the last
    chunk's when none does)."""
    index = bisect.bisect_right(chunks, offset, key=lambda chunk: chunk[0])
    return chunks[min(index, len(chunks) - 1)][1]


class AppPty:
    """The app in a pseudo-terminal of ``cols`` x ``rows``, its output timestamped."""

    def __init__(
        self,
        argv: list[str],
        *,
        cols: int | None = None,
        rows: int | None = None,
        env: dict[str, str] | None = None,
        read_bytes_per_s: float | None = None,
        delay_s: float = 0.0,
        answer_cursor_requests: bool = True,
    ) -> None:
        """``read_bytes_per_s``: drain the terminal no faster than this (a slow link: the app's
        writes block once the kernel's pty buffer is full); ``delay_s``: every chunk counts as
        seen this long after it was read (the link's one-way delay); ``answer_cursor_requests``:
        answer each cursor position request (``CSI 6 n``) as a terminal does, once it has been
        seen, the answer taking the one-way delay back (off: a terminal without them)."""
        self.read_bytes_per_s = read_bytes_per_s
        self.delay_s = delay_s
        self.answer_cursor_requests = answer_cursor_requests
        self.cursor_requests = 0
        self._answers: queue.SimpleQueue[float] = queue.SimpleQueue()
        size_cols, size_rows = terminal_size()
        cols, rows = cols or size_cols, rows or size_rows
        self.home = tempfile.mkdtemp(prefix="gmo-tui-bench-")
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.home,
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "LANG": "C.UTF-8",
            "GMO_TUI_CONFIG_DIR": os.path.join(self.home, "config"),
            "GMO_TUI_LOG_DIR": os.path.join(self.home, "log"),
            "XDG_DATA_HOME": os.path.join(self.home, "data"),
            "XDG_STATE_HOME": os.path.join(self.home, "state"),
            **(env or {}),
        }
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            cwd=self.home,
            start_new_session=True,
            close_fds=True,
        )
        os.close(slave)
        self.pid = self.proc.pid
        self.master = master
        self.buffer = bytearray()
        self.chunks: list[tuple[int, float]] = []  # (end offset in buffer, monotonic time read)
        self.screen = ScreenText(cols, rows)
        # the text of each row a read changed, as it was after that read; offsets count from
        # the start of the run (``_log_base`` of them dropped)
        self.screen_log = bytearray()
        self._log_base = 0
        self.screen_chunks: list[tuple[int, float]] = []  # (end offset in the log, time read)
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        if answer_cursor_requests:
            threading.Thread(target=self._answer, name="pty-answers", daemon=True).start()

    def _answer(self) -> None:
        """Write ``CSI 1;1 R`` for each request at the time it is due (in order)."""
        while True:
            due = self._answers.get()
            if due < 0:
                return
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            try:
                os.write(self.master, CURSOR_REPORT)
            except OSError:
                return

    def _read(self) -> None:
        rate = self.read_bytes_per_s
        # a paced reader takes 5 ms of its rate at a time, then waits until the link is free
        size = 65536 if rate is None else max(64, int(rate * 0.005))
        free_at = time.monotonic()
        tail = b""  # a request split between two reads
        while True:
            try:
                data = os.read(self.master, size)
            except OSError:
                data = b""
            read_at = time.monotonic()
            scan = tail + data
            asked = scan.count(CURSOR_REQUEST)
            tail = scan[-(len(CURSOR_REQUEST) - 1) :] if data else b""
            self.cursor_requests += asked
            if self.answer_cursor_requests:
                # seen one delay after it was read, answered, back one delay later
                for _ in range(asked):
                    self._answers.put(read_at + 2 * self.delay_s)
                if not data:
                    self._answers.put(-1.0)
            if rate is not None and data:
                free_at = max(free_at, read_at) + len(data) / rate
            now = read_at + self.delay_s
            with self._cond:
                if not data:
                    self.chunks.append((len(self.buffer), now))
                    self._closed = True
                    self._cond.notify_all()
                    return
                self.buffer += data
                self.chunks.append((len(self.buffer), now))
                for y in sorted(self.screen.feed(data)):
                    self.screen_log += self.screen.row_text(y).encode() + b"\n"
                if len(self.screen_log) > LOG_LIMIT:
                    drop = len(self.screen_log) // 2
                    del self.screen_log[:drop]
                    self._log_base += drop
                    keep = next(
                        i for i, (end, _t) in enumerate(self.screen_chunks) if end > self._log_base
                    )
                    del self.screen_chunks[:keep]
                self.screen_chunks.append((self._log_base + len(self.screen_log), now))
                self._cond.notify_all()
            if rate is not None:
                pause = free_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)

    _closed = False

    @property
    def offset(self) -> int:
        """Where the screen log ends now (for :meth:`wait_for` and :meth:`seen_after`)."""
        with self._cond:
            return self._log_base + len(self.screen_log)

    def time_at(self, offset: int) -> float:
        """When the screen log's byte at ``offset`` was logged (the read that changed its row)."""
        with self._cond:
            return _time_of(self.screen_chunks, offset)

    def _find(self, text: bytes, start: int) -> int:
        found = self.screen_log.find(text, max(0, start - self._log_base))
        return -1 if found < 0 else self._log_base + found

    def wait_for(self, text: bytes, start: int = 0, timeout: float = 10.0) -> float | None:
        """When ``text`` was first on screen in a row logged at or after ``start``; None on
        timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            pos = start
            while True:
                found = self._find(text, pos)
                if found >= 0:
                    end = found + len(text) - 1
                    break
                pos = max(start, self._log_base + len(self.screen_log) - len(text) + 1)
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)
        return self.time_at(end)

    def wait_for_bytes(self, text: bytes, timeout: float = 10.0) -> float | None:
        """When ``text`` was first in the output's bytes (an escape sequence, say: not on the
        screen); None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (found := self.buffer.find(text)) < 0:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)
        return self._raw_time(found + len(text) - 1)

    def _raw_time(self, offset: int) -> float:
        with self._cond:
            return _time_of(self.chunks, offset)

    def seen_after(self, text: bytes, start: int) -> float | None:
        """When ``text`` was first on screen in a row logged at or after ``start`` (None: not)."""
        with self._cond:
            found = self._find(text, start)
        return None if found < 0 else self.time_at(found + len(text) - 1)

    def screen_between(self, start: int, end: int) -> bytes:
        """The rows logged between two offsets (as far as still kept)."""
        with self._cond:
            base = self._log_base
            return bytes(self.screen_log[max(0, start - base) : max(0, end - base)])

    def screen_text(self) -> str:
        """What the screen shows now."""
        with self._cond:
            return self.screen.text()

    def first_chunk_after(self, t0: float) -> float | None:
        """Read time of the first chunk read at or after ``t0`` (None if none yet)."""
        with self._cond:
            for _end, t in self.chunks:
                if t >= t0:
                    return t
        return None

    def bytes_between(self, t0: float, t1: float) -> int:
        """Bytes read from the terminal with read times in ``[t0, t1)``."""
        with self._cond:
            total, prev = 0, 0
            for end, t in self.chunks:
                if t0 <= t < t1:
                    total += end - prev
                prev = end
            return total

    def quiet_until(self, quiet: float = 0.5, timeout: float = 10.0) -> None:
        """Wait until no output for ``quiet`` seconds (or ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                last = self.chunks[-1][1] if self.chunks else self.started
            if time.monotonic() - last >= quiet:
                return
            time.sleep(min(quiet / 4, 0.05))

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.close(self.master)
        except OSError:
            pass

    def __enter__(self) -> AppPty:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def app_checkout() -> str | None:
    """``$GMO_BENCH_CHECKOUT``: the directory whose ``gmo_tui`` package the app runs from."""
    return os.environ.get("GMO_BENCH_CHECKOUT") or None


def _bench_only_path() -> str:
    """A directory holding only ``bench`` (a link to this one): on ``PYTHONPATH`` after another
    checkout, the variants load from here without this checkout's ``gmo_tui`` shadowing it."""
    path = Path(tempfile.gettempdir()) / f"gmo-tui-bench-path-{os.getuid()}"
    path.mkdir(exist_ok=True)
    link = path / "bench"
    if not link.exists():
        link.symlink_to(ROOT / "bench")
    return str(path)


def app_command(args: list[str], variant: str | None = None) -> tuple[list[str], dict[str, str]]:
    """argv and extra environment that run ``gmo-tui ARGS`` (through ``bench.variants VARIANT``
    when given), from :func:`app_checkout` when it is set."""
    checkout = app_checkout()
    env: dict[str, str] = {}
    python = PYTHON
    if checkout and os.path.exists(os.path.join(checkout, ".venv", "bin", "python")):
        python = os.path.join(checkout, ".venv", "bin", "python")  # its own packages
    if checkout:
        env["PYTHONPATH"] = checkout + (os.pathsep + _bench_only_path() if variant else "")
    elif variant:
        env["PYTHONPATH"] = str(ROOT)
    if variant:
        return [python, "-m", "bench.variants", variant, *args], env
    return ([python, "-m", "gmo_tui", *args] if checkout else [GMO_TUI, *args]), env


def app_against(
    sim: Sim,
    symbol: str = "BTC",
    variant: str | None = None,
    *,
    private: bool = True,
    **options: object,
) -> AppPty:
    """The app connected to ``sim``, with its demo account's key (private stream on) unless
    ``private`` is false (public panes only).

    ``variant`` (or ``$GMO_BENCH_VARIANT``) runs it through :mod:`bench.variants` with that
    candidate change applied (``baseline`` = none).
    """
    env = {"GMO_API_KEY": sim.api_key, "GMO_API_SECRET": sim.api_secret} if private else {}
    variant = variant or os.environ.get("GMO_BENCH_VARIANT")
    argv, extra = app_command(["--endpoint", sim.endpoint, "--symbol", symbol], variant)
    return AppPty(argv, env={**env, **extra}, **options)  # type: ignore[arg-type]

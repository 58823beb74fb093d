"""Tick-to-screen latency over a slow link: the app's terminal drained at a fixed rate with a
one-way delay added, at the busy load, per 10-s window.

The app runs in a pty (``$GMO_BENCH_SIZE``, default 120x40) against ``python -m
bench.simproc`` at the busy load (10 books/s, 30 trades/s, 10 tickers/s); the bench reads the
master side no faster than ``--rates`` (bits per second: 1 Mbit/s and 256 kbit/s by default),
so once the kernel's pty buffer is full the app's writes block as they would behind an SSH
channel, and counts every chunk as seen ``--delay`` s (50 ms) after it was read. Each link:
``--seconds`` of trade probes (a unique size on the tape); latency = when its text is seen -
when the exchange sent it; p50/p99 overall and per 10-s window (the last window against the
first: no growth means the lag is bounded). A probe whose text never appears within
``--timeout`` s is missed (its row may have scrolled away in a frame that was skipped).

The reader answers the app's cursor position requests (``CSI 6 n``) as a terminal does, one
delay after it read them plus one delay back (``--no-answers``: a terminal that never does).

``--ssh`` runs the same through a real ``ssh -tt`` to an OpenSSH server on 127.0.0.1 (a
throw-away server on a free port with its own host and user keys; installed with ``apt-get
install -y openssh-server`` if missing): the throttled reader then drains the ssh client's
terminal instead of the app's.

Run: ``.venv/bin/python -m bench.slowlink [--seconds 60] [--rates 1000000,256000] [--ssh]``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from bench.harness import AppPty, Sim, app_command, terminal_size
from bench.latency import stats
from bench.report import emit
from bench.scenarios import jitter, set_load, wait_ready

TARGETS_MS = {1_000_000: 500.0, 256_000: 2000.0}
WINDOW_S = 10.0
SENT_PREFIXES = ("GMO_", "XDG_")
_marks = itertools.count(5001)


def link_name(bits_per_s: int) -> str:
    return (
        f"{bits_per_s // 1_000_000}mbit" if bits_per_s >= 1_000_000 else f"{bits_per_s // 1000}kbit"
    )


def measure(sim: Sim, app: AppPty, seconds: float, timeout: float) -> dict[str, object]:
    """Trade probes every ~0.3 s for ``seconds`` (not waiting for each: a slow link would
    leave few), then each one's first appearance in the terminal output after it was sent."""
    start = time.monotonic()
    sent: list[tuple[float, bytes, int]] = []  # (sent, marker, terminal offset when sent)
    while time.monotonic() - start < seconds:
        size = f"7.{next(_marks) % 10000:04d}"
        offset = app.offset
        reply = sim.command({"cmd": "mark_trade", "symbol": "BTC", "size": size})
        sent.append((reply["sent"], size.encode(), offset))
        time.sleep(jitter(0.3))
    time.sleep(timeout)
    windows: dict[int, list[float | None]] = {}
    everything: list[float | None] = []
    for at, marker, offset in sent:
        seen = app.seen_after(marker, offset)
        latency = None if seen is None or seen - at > timeout else (seen - at) * 1000
        windows.setdefault(int((at - start) // WINDOW_S), []).append(latency)
        everything.append(latency)
    return {
        **stats(everything),
        "windows": [{"t_s": int(k * WINDOW_S), **stats(v)} for k, v in sorted(windows.items())],
    }


def run_link(args: argparse.Namespace, bits_per_s: int, ssh: SshServer | None) -> dict[str, object]:
    with Sim(seed=args.seed) as sim:
        env = {"GMO_API_KEY": sim.api_key, "GMO_API_SECRET": sim.api_secret}
        argv, extra = app_command(["--endpoint", sim.endpoint, "--symbol", "BTC"], args.variant)
        env.update(extra)
        if args.no_pacing:
            env["GMO_TUI_OUTPUT_PACING"] = "0"
        reader = "pty"
        if ssh is not None:
            argv, env = ssh.command(argv, env)
            reader = "ssh"
        with AppPty(
            argv,
            env=env,
            read_bytes_per_s=bits_per_s / 8,
            delay_s=args.delay,
            answer_cursor_requests=not args.no_answers,
        ) as app:
            if wait_ready(app, timeout=60) is None:
                raise SystemExit("the app never showed a book")
            set_load(sim, "busy")
            time.sleep(3)
            t0, o0 = time.monotonic(), app.offset
            result = measure(sim, app, args.seconds, args.timeout)
            t1, o1 = time.monotonic(), app.offset
            with app._cond:
                shown = app.screen_between(o0, o1).count(b"link slow")
            asked = app.cursor_requests
    windows = result["windows"]
    assert isinstance(windows, list)
    first, last = windows[0], windows[-1]
    return {
        "reader": reader,
        "bits_per_s": bits_per_s,
        "delay_ms": args.delay * 1000,
        "read_bytes_per_s": round((o1 - o0) / (t1 - t0)),
        "status_link_slow": shown,
        "cursor_requests": asked,
        "target_p99_ms": TARGETS_MS.get(bits_per_s, float("nan")),
        "growth_p50_ms": round(float(last["p50_ms"]) - float(first["p50_ms"]), 2),
        **result,
    }


class SshServer:
    """A throw-away OpenSSH server on 127.0.0.1 for this user, with its own keys."""

    def __init__(self) -> None:
        sshd = shutil.which("sshd") or "/usr/sbin/sshd"
        if not os.path.exists(sshd):
            subprocess.run(["apt-get", "install", "-y", "-q", "openssh-server"], check=True)
        self.dir = Path(tempfile.mkdtemp(prefix="gmo-tui-sshd-"))
        d = self.dir
        for name in ("host", "user"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / name)], check=True
            )
        (d / "authorized_keys").write_text((d / "user.pub").read_text())
        os.chmod(d / "authorized_keys", 0o600)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = d / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {d / 'host'}\n"
            f"AuthorizedKeysFile {d / 'authorized_keys'}\nPasswordAuthentication no\n"
            f"PermitRootLogin prohibit-password\nStrictModes no\nPidFile {d / 'sshd.pid'}\n"
            "UsePAM no\nPermitUserEnvironment no\nAcceptEnv GMO_* XDG_* COLORTERM LANG\n"
        )
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen([shutil.which("sshd") or sshd, "-D", "-e", "-f", str(config)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise SystemExit("sshd did not start")

    def command(self, argv: list[str], env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """``ssh -tt`` to this server running ``argv``; ``env`` (the API key among it) goes
        through ``SendEnv``, never on a command line, with what the bench's pty sets."""
        plain = {k: v for k, v in env.items() if not k.startswith(SENT_PREFIXES)}
        remote = " ".join(
            ["cd", tempfile.mkdtemp(prefix="gmo-tui-ssh-home-"), "&&", "env"]
            + [f"{k}={v}" for k, v in plain.items()]
            + argv
        )
        ssh = [
            "ssh", "-tt", "-p", str(self.port), "-i", str(self.dir / "user"),
            "-o", "StrictHostKeyChecking=no", "-o", f"UserKnownHostsFile={self.dir / 'known'}",
            "-o", "LogLevel=ERROR", "-o", "SendEnv=GMO_* XDG_* LANG COLORTERM",
            f"{os.environ.get('USER', 'root')}@127.0.0.1", remote,
        ]  # fmt: skip
        return ssh, {k: v for k, v in env.items() if k.startswith(SENT_PREFIXES)}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="probing per link")
    parser.add_argument("--rates", default="1000000,256000", help="link rates, bits/s")
    parser.add_argument("--delay", type=float, default=0.05, help="one-way delay, s")
    parser.add_argument("--timeout", type=float, default=10.0, help="a probe is missed after")
    parser.add_argument("--ssh", action="store_true", help="also through ssh to 127.0.0.1")
    parser.add_argument("--ssh-only", action="store_true", help="only through ssh")
    parser.add_argument("--no-pacing", action="store_true", help="the app's output pacing off")
    parser.add_argument(
        "--no-answers", action="store_true", help="a terminal that never answers CSI 6 n"
    )
    parser.add_argument("--variant", default=None, help="run the app through bench.variants")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    links: dict[str, object] = {}
    errors: dict[str, str] = {}
    rates = [int(r) for r in args.rates.split(",")]
    plans: list[tuple[str, int, bool]] = (
        [] if args.ssh_only else [(link_name(r), r, False) for r in rates]
    )
    if args.ssh or args.ssh_only:
        plans += [(link_name(r) + "-ssh", r, True) for r in rates]
    server = SshServer() if any(ssh for _, _, ssh in plans) else None
    try:
        for name, rate, ssh in plans:
            try:
                links[name] = run_link(args, rate, server if ssh else None)
            except SystemExit as exc:  # one link failing keeps the others' figures
                errors[name] = str(exc)
    finally:
        if server is not None:
            server.close()
    result = {
        "terminal": "{}x{} pty".format(*terminal_size()),
        "load": "busy",
        "output_pacing": not args.no_pacing,
        "links": links,
        "errors": errors,
        "note": (
            "reader = pty: the bench drains the app's own pty at the link rate; reader = ssh: "
            "it drains the terminal of an `ssh -tt` client connected to sshd on 127.0.0.1, "
            "which runs the app. Latency counts the one-way delay once."
        ),
    }
    emit("slowlink", result, args.json)
    return result


if __name__ == "__main__":
    main()

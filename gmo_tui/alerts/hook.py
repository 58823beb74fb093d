"""The command hook: ``[alerts] command = "notify-send-wrapper --urgent"`` runs with the fired
alert as JSON on stdin, without a shell (the command line is split like a POSIX shell would),
in its own process group, with a time limit: at the limit the whole group is killed. Its
environment is the app's minus every secret: GMO_API_KEY, GMO_API_SECRET, any variable whose
name says key/secret/token/password/credential/auth/cookie/private, and any variable whose
value contains one of the secrets the caller names. Its output is not shown (it is logged
in short)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shlex
import signal
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from gmo_tui.alerts.model import Fired
from gmo_tui.i18n import _

__all__ = ["HookResult", "hook_environment", "run_hook"]

log = logging.getLogger(__name__)
SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSW|CREDENTIAL|AUTH|COOKIE|PRIVATE", re.IGNORECASE)
OUTPUT_KEPT = 2000


@dataclass(frozen=True, slots=True)
class HookResult:
    returncode: int | None
    """The exit status; ``None`` when it was killed at the time limit or could not start."""
    timed_out: bool
    seconds: float
    output: str = ""
    error: str = ""


def hook_environment(
    environ: Mapping[str, str] | None = None, secrets: Iterable[str] = ()
) -> dict[str, str]:
    """``environ`` (default: this process's) without anything secret."""
    source = os.environ if environ is None else environ
    hidden = [s for s in secrets if s]
    return {
        name: value
        for name, value in source.items()
        if not SECRET_NAME.search(name) and not any(s in value for s in hidden)
    }


def command_argv(command: str | Sequence[str]) -> list[str]:
    """The argv of a hook command (a string is split like a shell would, without a shell)."""
    argv = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
    if not argv:
        raise ValueError(_("the alert command is empty"))
    return argv


async def run_hook(
    command: str | Sequence[str],
    fired: Fired,
    *,
    timeout: float = 10.0,
    secrets: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> HookResult:
    """Run the hook for ``fired``; never raises for the hook's own failures."""
    start = time.monotonic()
    try:
        argv = command_argv(command)
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=hook_environment(environ, secrets),
            start_new_session=True,
        )
    except (OSError, ValueError) as exc:
        log.warning("alert command could not start: %s", exc)
        return HookResult(None, False, time.monotonic() - start, error=str(exc))
    payload = (fired.to_json() + "\n").encode("utf-8")
    try:
        out, err = await asyncio.wait_for(proc.communicate(payload), timeout)
    except TimeoutError:
        _kill_group(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        log.warning("alert command %s killed after %.1f s", argv[0], timeout)
        return HookResult(None, True, time.monotonic() - start)
    result = HookResult(
        proc.returncode,
        False,
        time.monotonic() - start,
        out.decode("utf-8", "replace")[:OUTPUT_KEPT],
        err.decode("utf-8", "replace")[:OUTPUT_KEPT],
    )
    if proc.returncode:
        log.warning("alert command %s exited with %s", argv[0], proc.returncode)
    return result


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)

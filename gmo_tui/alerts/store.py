"""Alerts on disk: one JSON file in the data directory (directory 0700, file 0600), written
atomically. A file that cannot be read is kept aside (``alerts.json.unreadable-<time>``) and
named in :attr:`AlertStore.problems`; entries that are not alerts are kept in the file as they
were (``"unreadable"``), so nothing the user made is lost."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

import platformdirs

from gmo_tui.alerts.model import Alert
from gmo_tui.i18n import _

__all__ = ["AlertStore", "data_dir"]

log = logging.getLogger(__name__)
FILE_NAME = "alerts.json"
FORMAT = 1


def data_dir() -> Path:
    """``GMO_TUI_DATA_DIR`` or the platform's user data dir for gmo-tui."""
    override = os.environ.get("GMO_TUI_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir("gmo-tui"))


class AlertStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / FILE_NAME
        self.problems: list[str] = []
        self._unreadable: list[Any] = []

    def load(self) -> list[Alert]:
        """The saved alerts (none if there is no file yet)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            self.problems.append(
                _("cannot read {path}: {error}").format(path=self.path, error=exc.strerror)
            )
            return []
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
                raise ValueError("no alerts list")
        except ValueError as exc:
            aside = self.path.with_name(f"{self.path.name}.unreadable-{int(time.time())}")
            with contextlib.suppress(OSError):
                os.replace(self.path, aside)
            self.problems.append(
                _("{path} is not an alerts file ({error}); kept as {aside}").format(
                    path=self.path, error=exc, aside=aside
                )
            )
            log.warning("%s", self.problems[-1])
            return []
        alerts: list[Alert] = []
        self._unreadable = list(data.get("unreadable", []))
        for entry in data["alerts"]:
            try:
                if not isinstance(entry, dict):
                    raise ValueError("not an object")
                alerts.append(Alert.from_dict(entry))
            except ValueError as exc:
                self.problems.append(
                    _("an alert in {path} was skipped: {error}").format(path=self.path, error=exc)
                )
                log.warning("%s", self.problems[-1])
                self._unreadable.append(entry)
        return alerts

    def save(self, alerts: list[Alert]) -> None:
        """Write every alert (atomically: a private temporary file, synced, then renamed)."""
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        body: dict[str, Any] = {"format": FORMAT, "alerts": [a.to_dict() for a in alerts]}
        if self._unreadable:
            body["unreadable"] = self._unreadable
        data = json.dumps(body, indent=1, ensure_ascii=False).encode("utf-8")
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # an older temporary file keeps its mode through O_CREAT
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)

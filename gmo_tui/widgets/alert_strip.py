"""The fired alerts not dismissed yet: one line over the status bar (the newest, and how many
more), shown until the trader dismisses them in the Alerts screen (``A``). Hidden when none."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

from gmo_tui.alerts import Fired
from gmo_tui.i18n import _


class AlertStrip(Static):
    DEFAULT_CSS = """
    AlertStrip {
        height: 1; background: $warning; color: $background; text-style: bold; padding: 0 1;
    }
    AlertStrip.-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="-empty")
        self.shown: tuple[str, ...] = ()
        """The alert ids on the line, newest first."""

    def show(self, notices: Sequence[Fired]) -> None:
        self.shown = tuple(f.alert_id for f in reversed(notices))
        self.set_class(not notices, "-empty")
        if not notices:
            self.update("")
            return
        newest = notices[-1]
        more = _(" (+{count} more)").format(count=len(notices) - 1) if len(notices) > 1 else ""
        line = _("⚑ ALERT {title}{more} · A to dismiss · {body}").format(
            title=newest.title, body=newest.body, more=more
        )
        self.update(Text(line))

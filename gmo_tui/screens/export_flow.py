"""Export from the palette: a dialog for the GMO trading days (06:00 JST; today's by default),
then the same gathering and CSV layout as ``gmo-tui export`` in a worker, written to a private
file in the data directory; the notice says the path and the row count."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Protocol, TypeVar

from textual.screen import ModalScreen

from gmo_tui import config as cfg
from gmo_tui.exchange.errors import GmoError
from gmo_tui.export.history import DateRange
from gmo_tui.export.to_file import default_range, export_range, parse_range
from gmo_tui.i18n import _
from gmo_tui.market.formatting import fmt_grouped
from gmo_tui.screens.value_dialog import ValueDialog
from gmo_tui.session.listener import Severity
from gmo_tui.session.session import Session

T = TypeVar("T")


class ExportHost(Protocol):
    """What the export needs from the screen: a dialog, a worker, a notice."""

    def ask(self, dialog: ModalScreen[T], then: Callable[[T | None], None]) -> None: ...
    def load(self, group: str, work: Callable[[], Awaitable[None]]) -> None: ...
    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None: ...


def _range(text: str) -> tuple[DateRange | None, str | None]:
    span = parse_range(text)
    return (None, span) if isinstance(span, str) else (span, None)


class ExportDialog(ValueDialog[DateRange]):
    """The trading days to export, typed: ``2026-12-01`` or ``2026-12-01..2026-12-03``."""

    def __init__(self, initial: str) -> None:
        super().__init__(
            _("Export executions as CSV"),
            initial,
            _range,
            _(
                "GMO trading days (06:00 JST to 06:00 JST): 2026-12-01 or "
                "2026-12-01..2026-12-03 · Enter to export · Escape to cancel"
            ),
            restrict=r"[0-9.\- to~/]*",
        )


class ExportFlow:
    def __init__(self, session: Session, host: ExportHost) -> None:
        self.session = session
        self.host = host
        self.last_path: str | None = None
        """Where the last export went (the notice says it too)."""

    def ask(self) -> None:
        if self.session.service is None:
            self.host.say(cfg.how_to_add_key(), Severity.ERROR)
            return
        initial = default_range(self.session.market_time())
        self.host.ask(ExportDialog(initial), self._chosen)

    def _chosen(self, span: DateRange | None) -> None:
        if span is not None:
            self.host.say(
                _("Exporting executions of {first} .. {last}…").format(
                    first=span.first, last=span.last
                )
            )
            self.host.load("export", partial(self._export, span))

    async def _export(self, span: DateRange) -> None:
        service = self.session.service
        if service is None:
            return
        try:
            done = await export_range(
                self.session.rest, span, service.journal.entries(), self.session.market_time()
            )
        except GmoError as exc:
            self.host.say(
                _(
                    "Export failed, nothing written: the exchange did not answer usably ({why})"
                ).format(why=exc),
                Severity.ERROR,
                15,
            )
            return
        except OSError as exc:
            self.host.say(
                _("Export failed: cannot write the file ({why})").format(why=exc.strerror or exc),
                Severity.ERROR,
                15,
            )
            return
        self.last_path = str(done.path)
        gaps = (
            _(" · older fills of {count} symbols: only this machine's orders").format(
                count=len(done.history.gaps)
            )
            if done.history.gaps
            else ""
        )
        text = (
            _("Exported 1 execution of {first} .. {last} to {path}{gaps}")
            if done.rows == 1
            else _("Exported {rows} executions of {first} .. {last} to {path}{gaps}")
        )
        self.host.say(
            text.format(
                rows=fmt_grouped(Decimal(done.rows)),
                first=span.first,
                last=span.last,
                path=done.path,
                gaps=gaps,
            ),
            Severity.INFO,
            20,
        )

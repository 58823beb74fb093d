"""Export from the palette: a dialog for the GMO trading days (06:00 JST; today's by default),
then the same gathering and CSV layout as ``gmo-tui export`` in a worker, written to a private
file in the data directory; the notice says the path and the row count."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Protocol, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from gmo_tui import config as cfg
from gmo_tui.exchange.errors import GmoError
from gmo_tui.export.history import DateRange
from gmo_tui.export.to_file import default_range, export_range, parse_range
from gmo_tui.i18n import _
from gmo_tui.market.formatting import fmt_grouped
from gmo_tui.session.listener import Severity
from gmo_tui.session.session import Session

T = TypeVar("T")


class ExportHost(Protocol):
    """What the export needs from the screen: a dialog, a worker, a notice."""

    def ask(self, dialog: ModalScreen[T], then: Callable[[T | None], None]) -> None: ...
    def load(self, group: str, work: Callable[[], Awaitable[None]]) -> None: ...
    def say(self, text: str, severity: Severity = Severity.INFO, timeout: float = 6) -> None: ...


class ExportDialog(ModalScreen[DateRange | None]):
    """The trading days to export, typed: ``2026-12-01`` or ``2026-12-01..2026-12-03``."""

    DEFAULT_CSS = """
    ExportDialog { align: center middle; }
    ExportDialog > Vertical {
        width: 64; max-width: 95%; height: auto; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    ExportDialog #export-title { text-style: bold; }
    ExportDialog Input { border: tall $primary; }
    ExportDialog #export-error { color: $error; height: auto; }
    ExportDialog #export-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="export.cancel")]

    def __init__(self, initial: str) -> None:
        super().__init__()
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Export executions as CSV"), id="export-title")
            yield Input(self.initial, id="export-range", restrict=r"[0-9.\- to~/]*")
            yield Static("", id="export-error")
            yield Static(
                _(
                    "GMO trading days (06:00 JST to 06:00 JST): 2026-12-01 or "
                    "2026-12-01..2026-12-03 · Enter to export · Escape to cancel"
                ),
                id="export-hint",
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        span = parse_range(event.value)
        self.query_one("#export-error", Static).update(span if isinstance(span, str) else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        span = parse_range(event.value)
        if isinstance(span, str):
            self.query_one("#export-error", Static).update(span)
            self.app.bell()
            return
        self.dismiss(span)

    def action_cancel(self) -> None:
        self.dismiss(None)


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

"""The confirm dialog: the full order (or action) and its distance from the touch.

``y`` or Enter confirms, ``n`` or Escape cancels. ``warning=True`` is the soft-safety variant:
the findings with their numbers, in the warning colour. A warning (or danger) dialog answers
only keys pressed after it is on screen: keys typed ahead, before it appeared, are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from gmo_tui.i18n import _
from gmo_tui.i18n.cells import cell_len, pad


class ConfirmScreen(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 95%; height: auto; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    ConfirmScreen.-warning > Vertical { border: thick $warning; }
    ConfirmScreen.-danger > Vertical { border: thick $error; }
    ConfirmScreen #confirm-title { text-style: bold; width: 1fr; content-align: center middle; }
    ConfirmScreen #confirm-body { height: auto; }
    ConfirmScreen .finding { color: $warning; }
    ConfirmScreen Horizontal { height: 1; align: center middle; margin-top: 1; }
    ConfirmScreen Button { height: 1; border: none; min-width: 14; margin: 0 1; }
    """
    BINDINGS = [
        Binding("y,enter", "answer(True)", "Confirm", id="confirm.yes", tooltip="Send it"),
        Binding("n,escape", "answer(False)", "Cancel", id="confirm.no", tooltip="Do not send"),
    ]

    def __init__(
        self,
        title: str,
        lines: Sequence[tuple[str, str]],
        *,
        findings: Sequence[str] = (),
        warning: bool = False,
        danger: bool = False,
        yes: str | None = None,
        no: str | None = None,
    ):
        super().__init__(classes="-warning" if warning else ("-danger" if danger else None))
        self.yes_label = yes or _("Confirm (y)")
        """The buttons say what they do (``Cancel order (y)`` / ``Keep (n)``)."""
        self.no_label = no or _("Cancel (n)")
        self.title_text = title
        self.lines = list(lines)
        self.findings = list(findings)
        self.guarded = warning or danger
        self.shown_at: float | None = None
        """When the dialog became the active screen (the clock of event timestamps)."""
        self.dropped = 0
        """Keys typed before the dialog was on screen, ignored."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="confirm-title")
            width = max((cell_len(k) for k, _v in self.lines), default=0)
            body = "\n".join(f"{pad(k, width)}  {v}" for k, v in self.lines)
            yield Static(body, id="confirm-body")
            for finding in self.findings:
                yield Static(f"⚠ {finding}", classes="finding")
            with Horizontal():
                yield Button(self.yes_label, id="yes", variant="success", compact=True)
                yield Button(self.no_label, id="no", variant="error", compact=True)

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        if self.shown_at is None:
            self.shown_at = event.time

    def on_key(self, event: events.Key) -> None:
        if self.guarded and (self.shown_at is None or event.time < self.shown_at):
            # typed ahead: the user never saw this dialog when pressing it
            self.dropped += 1
            event.stop()
            event.prevent_default()

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

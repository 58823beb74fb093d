"""A small input dialog for one value (a new order price, losscut price or close size; the
export's trading days), parsed and validated as typed by the caller's function; Enter accepts,
Escape cancels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from gmo_tui.i18n import _
from gmo_tui.widgets.ordered_input import OrderedInput

V = TypeVar("V")

Validator = Callable[[str], tuple[V | None, str | None]]
"""The typed text -> (the value, None) or (None, why not)."""

NUMBER = r"[0-9.]*"
"""What a number field accepts as typed."""


class ValueDialog(ModalScreen[V | None], Generic[V]):
    DEFAULT_CSS = """
    ValueDialog { align: center middle; }
    ValueDialog > Vertical {
        width: 56; max-width: 95%; height: auto; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    ValueDialog #value-title { text-style: bold; }
    ValueDialog Input { border: tall $primary; }
    ValueDialog #value-error { color: $error; height: auto; }
    ValueDialog #value-hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self,
        title: str,
        value: str,
        validate: Validator[V],
        hint: str = "",
        restrict: str = NUMBER,
    ):
        super().__init__()
        self.title_text, self.initial, self.validate, self.hint = title, value, validate, hint
        self.restrict = restrict

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="value-title")
            yield OrderedInput(self.initial, id="value-input", restrict=self.restrict)
            yield Static("", id="value-error")
            yield Static(self.hint or _("Enter to accept · Escape to cancel"), id="value-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        _value, err = self.validate(event.value)
        self.query_one("#value-error", Static).update(err or "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value, err = self.validate(event.value)
        if value is None:
            self.query_one("#value-error", Static).update(err or _("invalid"))
            self.app.bell()
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)

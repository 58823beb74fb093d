"""The help screen (``?``): every key binding of the app and its panes, with its id for the
config file's keymap."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from gmo_tui.i18n import N_, _
from gmo_tui.i18n.cells import pad

HELP_INTRO = N_(
    """[b]gmo-tui keys[/b]  (remap one in config.toml by its id: \\[keymap] "ticket.buy" = "B")
"""
)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90; max-width: 95%; height: 90%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="help.close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str, str]]]]):
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        lines = [_(HELP_INTRO)]
        for title, rows in self.sections:
            lines.append(f"[b]{_(title)}[/b]")
            for keys, description, binding_id in rows:
                lines.append(f"  {pad(keys, 14)} {pad(_(description), 34)} [dim]{binding_id}[/dim]")
            lines.append("")
        with VerticalScroll():
            yield Static("\n".join(lines), markup=True)

    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(
    bindings: Iterable[Binding | tuple[str, str] | tuple[str, str, str]],
) -> list[tuple[str, str, str]]:
    rows = []
    for b in bindings:
        if not isinstance(b, Binding) or not b.description:
            continue
        rows.append((b.key.replace("_", " "), b.description, b.id or ""))
    return rows

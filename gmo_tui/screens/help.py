"""The help screen (``?``): every key binding of the app and its panes, with its id for the
config file's keymap."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Static

from gmo_tui import config as cfg
from gmo_tui.i18n import N_, _
from gmo_tui.i18n.cells import cell_len, pad

KEY_NAMES = {"enter": "Enter", "escape": "Esc", "tab": "Tab", "shift+tab": "Shift+Tab"}
"""Keys whose glyph would be unclear (``⏎``, ``esc``) spelled as on the keyboard."""

HELP_INTRO = N_(
    """[b]gmo-tui keys[/b]  (remap one in config.toml by its id: \\[keymap] "ticket.buy" = "f5")
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
        # plain Text, not markup: key glyphs such as [ and ] are text here
        body = Text()
        body.append(_("Esc, q or ? closes this help"), style="dim")
        body.append("\n\n")
        rows = [row for _title, section in self.sections for row in section]
        key_width = max((cell_len(k) for k, _d, _i in rows), default=0)
        text_width = max((cell_len(_(d)) for _k, d, _i in rows), default=0)
        for title, section in self.sections:
            body.append(_(title), style="bold")
            body.append("\n")
            for keys, description, binding_id in section:
                body.append(f"  {pad(keys, key_width)}  {pad(_(description), text_width)}  ")
                body.append(binding_id, style="dim")
                body.append("\n")
            body.append("\n")
        body.append(_("Credentials"), style="bold")
        body.append("\n" + cfg.how_to_add_key())
        with VerticalScroll():
            yield Static(_(HELP_INTRO), markup=True)
            yield Static(body)

    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(
    bindings: Iterable[Binding | tuple[str, str] | tuple[str, str, str]],
) -> list[tuple[str, str, str]]:
    rows = []
    for b in bindings:
        if not isinstance(b, Binding) or not b.description:
            continue
        rows.append((key_glyphs(b.key), b.description, b.id or ""))
    return rows


def key_glyphs(keys: str) -> str:
    """A binding's keys as the keyboard shows them: ``slash`` -> ``/``, ``full_stop`` -> ``.``,
    ``escape,q`` -> ``Esc / q``."""
    return " / ".join(KEY_NAMES.get(k, format_key(k)) for k in keys.split(","))

"""Symbol search (``/``): type to filter every symbol of /v1/symbols, Enter switches."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from gmo_tui.i18n import _
from gmo_tui.widgets.ordered_input import OrderedInput


class SymbolSearch(ModalScreen[str | None]):
    DEFAULT_CSS = """
    SymbolSearch { align: center top; }
    SymbolSearch > Vertical {
        width: 46; height: auto; max-height: 80%; margin-top: 2; border: thick $primary;
        background: $surface;
    }
    SymbolSearch #search-input { padding: 0 1; }
    SymbolSearch OptionList { height: auto; max-height: 16; border: none; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
    ]

    def __init__(self, symbols: Sequence[str], current: str = ""):
        super().__init__()
        self.symbols = list(symbols)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_(" Symbol (type to filter, Enter to switch)"))
            yield OrderedInput(placeholder=self.current, id="search-input", compact=True)
            yield OptionList(*[Option(s, id=s) for s in self.symbols], id="search-options")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._filter("")

    def matches(self, text: str) -> list[str]:
        needle = text.strip().upper()
        if not needle:
            return list(self.symbols)
        starts = [s for s in self.symbols if s.startswith(needle)]
        contains = [s for s in self.symbols if needle in s and s not in starts]
        return starts + contains

    def _filter(self, text: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options([Option(s, id=s) for s in self.matches(text)])
        if options.option_count:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._filter(event.value)

    def action_move(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(options.option_count - 1, current + delta))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(OptionList)
        if options.highlighted is None or not options.option_count:
            self.app.bell()
            return
        option = options.get_option_at_index(options.highlighted)
        self.dismiss(option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

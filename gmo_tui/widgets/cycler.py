"""A one-line choice: left/right (or space) cycles through the options; posts ``Changed``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from gmo_tui.i18n import _


class Cycler(Widget, can_focus=True):
    DEFAULT_CSS = """
    Cycler { height: 1; width: auto; padding: 0 1; background: $boost; }
    Cycler:focus { background: $cursor; text-style: bold; }
    Cycler.-buy { color: $bid; text-style: bold; }
    Cycler.-sell { color: $ask; text-style: bold; }
    """
    BINDINGS = [
        Binding("left", "cycle(-1)", "Previous", show=False),
        Binding("right,space", "cycle(1)", "Next", show=False),
    ]

    @dataclass
    class Changed(Message):
        cycler: Cycler
        value: str

        @property
        def control(self) -> Cycler:
            return self.cycler

    value: reactive[str] = reactive("", layout=True)

    def __init__(self, options: Sequence[str], value: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.options = list(options)
        self.set_reactive(Cycler.value, value if value is not None else self.options[0])

    def set_options(self, options: Sequence[str], value: str | None = None) -> None:
        self.options = list(options)
        if value is None:
            value = self.value if self.value in self.options else self.options[0]
        self.value = value
        self.refresh(layout=True)

    def action_cycle(self, delta: int) -> None:
        if not self.options:
            return
        index = self.options.index(self.value) if self.value in self.options else 0
        self.value = self.options[(index + delta) % len(self.options)]

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def render(self) -> Text:
        arrows = len(self.options) > 1
        return Text(f"{'◀ ' if arrows else ''}{_(self.value)}{' ▶' if arrows else ''}")

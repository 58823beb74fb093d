"""Key binding descriptions (footer, help, palette) in the current language.

Textual merges a class's ``BINDINGS`` when the class is defined, before the language is
known; the descriptions there are English message ids (marked ``N_``).
:func:`localise_bindings` rebuilds the bindings of every gmo-tui widget, screen and the app
from those English originals in the current language. It runs before the app is built, so
every node copies translated bindings.
"""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from gmo_tui.i18n import _, choose_language, use_language

_ORIGINALS: dict[type[DOMNode], list[BindingType]] = {}


def _ours() -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("gmo_tui."):
            found.append(cls)
    return found


def translated(binding: Binding) -> Binding:
    return replace(
        binding,
        description=_(binding.description) if binding.description else "",
        tooltip=_(binding.tooltip) if binding.tooltip else "",
    )


def localise_bindings() -> None:
    """Every gmo-tui class's bindings with descriptions in the current language."""
    classes = _ours()
    for cls in classes:
        if "BINDINGS" in cls.__dict__:
            original = _ORIGINALS.setdefault(cls, list(cls.__dict__["BINDINGS"]))
            cls.BINDINGS = [translated(b) for b in Binding.make_bindings(original)]
    for cls in classes:
        cls._merged_bindings = cls._merge_bindings()


def start_language(configured: str) -> None:
    """The app's language (``configured``, else the locale's) and its bindings in it."""
    use_language(choose_language(configured))
    localise_bindings()


def binding_messages() -> set[str]:
    """Every English description and tooltip of every gmo-tui class's bindings."""
    messages: set[str] = set()
    for cls in _ours():
        if "BINDINGS" not in cls.__dict__:
            continue
        original = _ORIGINALS.get(cls, list(cls.__dict__["BINDINGS"]))
        for binding in Binding.make_bindings(original):
            messages.update(text for text in (binding.description, binding.tooltip) if text)
    return messages

"""Keymap clashes: a ``[keymap]`` remap that gives one key to two bindings active at the same
time, so that one hides the other (the ladder's alert on ``a`` would hide the app's Account pane
with the book focused).

Two bindings are active together when the same widget or screen declares them, or when one is
the app's or the main screen's (those hold whatever has focus on the main screen) and the other
is on the main screen too (a widget of it). A dialog's keys are its own: the main screen's
actions do not run while a dialog is on top. Clashes the default key map already has are the
design (the ladder's ``b`` / ``s`` buy and sell at the cursor in place of the app's ticket keys)
and are not reported; only those a remap brings are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from textual.keys import REPLACED_KEYS, key_to_character

__all__ = ["BoundKey", "clashes", "key_set"]


@dataclass(frozen=True, slots=True)
class BoundKey:
    """One binding as the keymap sees it."""

    binding_id: str
    keys: frozenset[str]
    """Normalised keys (:func:`key_set`): ``!`` and ``exclamation_mark`` are one key."""
    scope: str
    """The class that declares it."""
    layer: str
    """``main`` for the app, the main screen and its widgets; a dialog's own class name."""
    everywhere: bool
    """The app's or the main screen's: active whatever has focus on its layer."""
    description: str = ""


def key_set(keys: str) -> frozenset[str]:
    """``"exclamation_mark, ctrl+b"`` -> ``{"!", "ctrl+b"}`` (a printable key as its character:
    ``slash`` and ``/`` are one key)."""
    found = set()
    for key in keys.split(","):
        key = key.strip()
        if key:
            character = None if "+" in key else key_to_character(REPLACED_KEYS.get(key, key))
            found.add(character or key)
    return frozenset(found)


def _together(a: BoundKey, b: BoundKey) -> bool:
    if a.scope == b.scope:
        return True
    return a.layer == b.layer and (a.everywhere or b.everywhere)


def _shared(bindings: list[BoundKey]) -> set[tuple[frozenset[str], str]]:
    """(the two ids, the key) of every pair active together on one key."""
    pairs: set[tuple[frozenset[str], str]] = set()
    for i, a in enumerate(bindings):
        for b in bindings[i + 1 :]:
            if a.binding_id != b.binding_id and _together(a, b):
                for key in a.keys & b.keys:
                    pairs.add((frozenset((a.binding_id, b.binding_id)), key))
    return pairs


def clashes(bindings: Iterable[BoundKey], keymap: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(remapped id, key, the other binding's id)`` for each clash the keymap brings."""
    defaults = list(bindings)
    mapped = [
        replace(b, keys=key_set(keymap[b.binding_id])) if b.binding_id in keymap else b
        for b in defaults
    ]
    before = _shared(defaults)
    found: list[tuple[str, str, str]] = []
    for pair, key in sorted(_shared(mapped) - before, key=lambda p: (sorted(p[0]), p[1])):
        first, second = sorted(pair)
        remapped, other = (first, second) if first in keymap else (second, first)
        found.append((remapped, key, other))
    return found

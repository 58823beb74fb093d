"""An ``Input`` whose own editing keys apply in the order they were typed.

Textual's ``Input`` inserts a printable key as it arrives, but a bound key (backspace, the
arrows, ``ctrl+u``, ``enter`` …) bubbles up to the App, which runs the binding's action later.
Keys read in one chunk (typed fast, pasted by a macro, or over SSH while the app was busy
painting a frame) then apply out of order: ``12`` ← ``3`` ⌫ ``45`` gave ``1235`` instead of
``1452``, and ``ctrl+u 789`` gave an empty field (Textualize/textual#6605, open). In a price
field that is a wrong price.

:class:`OrderedInput` runs its own non-priority bindings when the key reaches it, as the App
would have run them (the focused widget's binding is the first the App looks at); priority
bindings are the App's before the key is forwarded, and keys bound elsewhere bubble as before.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class OrderedInput(Input):
    async def on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input binds no printable key: typing skips the binding lookup
        active = self.screen.active_bindings.get(event.key)
        if active is None or active.node is not self or active.binding.priority:
            return
        if not active.enabled:
            return
        event.stop()
        event.prevent_default()
        await self.run_action(active.binding.action)

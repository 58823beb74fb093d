"""The app-wide keys of the tape deck: ``ctrl+r`` records the public feed (on / off) and, when
the app runs against a replaying exchange, ``f6`` pause / play, ``f7`` one step, ``f8`` the
next speed (1, 2, 10, max). Their actions are the main screen's; each has its own binding id
(``[keymap]`` remaps it)."""

from __future__ import annotations

from textual.binding import Binding

__all__ = ["DECK_BINDINGS"]


def _key(key: str, action: str, title: str, tooltip: str, *, id: str) -> Binding:
    # out of the footer (it keeps ? and q at 80 columns); the help screen and palette list them
    return Binding(key, f"screen.{action}", title, show=False, id=id, tooltip=tooltip)


DECK_BINDINGS = [
    _key(
        "ctrl+r",
        "record",
        "Record",
        "Record the public feed to a file (again: stop)",
        id="record.toggle",
    ),
    _key("f6", "replay_toggle", "Pause/play", "Replay: pause or play", id="replay.toggle"),
    _key("f7", "replay_step", "Step", "Replay: one frame (paused)", id="replay.step"),
    _key("f8", "replay_speed", "Speed", "Replay: next speed (1, 2, 10, max)", id="replay.speed"),
]
"""Added to :attr:`gmo_tui.app.GmoTuiApp.BINDINGS`."""

"""Keys read in one chunk apply in the order typed, in every field the trader types into.

The keys are posted to the App one after another without letting it run in between, as the
driver does with the keys of one read (typed fast, or over SSH while a frame was painting)."""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from gmo_tui.widgets.ordered_input import OrderedInput
from tests.app.conftest import focus_to, wait_for, wait_ready

CHARACTERS = {"ctrl+u": "\x15", "backspace": "\x7f", "left": None, "enter": "\r", "home": None}


def burst(app: App, *keys: str) -> None:
    """``keys`` as one read of the terminal: no await between them."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key)))


class OneField(App):
    def __init__(self) -> None:
        super().__init__()
        self.submitted: list[str] = []

    def compose(self) -> ComposeResult:
        yield OrderedInput(id="field")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted.append(event.value)


async def test_editing_keys_apply_in_the_order_typed() -> None:
    app = OneField()
    async with app.run_test() as pilot:
        field = app.query_one(OrderedInput)
        field.focus()
        await pilot.pause()
        burst(app, "1", "2", "left", "3", "backspace", "4", "5")
        await wait_for(pilot, lambda: len(field.value) >= 4, "the keys")
        await pilot.pause()
        assert field.value == "1452"  # Textual's Input made it 1235
        burst(app, "ctrl+u", "7", "8", "9", "home", "6", "enter", "0")
        await wait_for(pilot, lambda: app.submitted, "submitted")
        await pilot.pause()
        # the cursor was before the 2: ctrl+u cleared "145"
        assert app.submitted == ["67892"] and field.value == "607892"


async def test_the_tickets_price_takes_a_fast_clear_and_retype(sim, make_app) -> None:
    """``ctrl+u`` and a new price in one read: the price was left empty ("price is
    required") because the clear ran after the digits."""
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot, app)
        await focus_to(pilot, app, "b", "ticket-size")
        burst(app, "ctrl+u", "0", ".", "0", "2")
        price = app.main.query_one("#ticket-price", Input)
        size = app.main.query_one("#ticket-size", Input)
        await wait_for(pilot, lambda: size.value == "0.02", "the size")
        price.focus()
        await pilot.pause()
        burst(app, "ctrl+u", "1", "4", "9", "0", "0", "0", "0", "0", "backspace", "1")
        await wait_for(pilot, lambda: len(price.value) >= 8, "the price")
        await pilot.pause()
        assert price.value == "14900001"
        await app.shutdown()

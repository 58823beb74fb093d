"""The real order ticket under fuzzed typing, against the built-in exchange.

A few dozen fuzzed strings are typed into the ticket's size field and Enter pressed: the app
keeps running, bad input shows an inline reason and no confirm dialog, valid input asks for
confirmation (answered "no"), and the exchange receives no order at all.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from gmo_tui.market import rules
from tests.app.conftest import (  # noqa: F401 - the app tests' fixtures
    _isolated_dirs,
    _no_idle_heuristic,
    _restore_logging,
    make_app,
    sim,
)


def _fuzzed_strings(count: int) -> list[str]:
    rng = random.Random(1125)
    fixed = ["", ".", "..", "0", "0.0", "00", "1e400", "9" * 40, "0.00000001", "-1", "1.2.3"]
    alphabet = "0123456789..-e"
    out = list(fixed)
    while len(out) < count:
        out.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))))
    return out


@pytest.mark.timeout(60)
async def test_typing_fuzzed_sizes_into_the_ticket(sim, make_app, monkeypatch) -> None:  # noqa: F811
    from gmo_tui.screens.confirm import ConfirmScreen
    from tests.app.conftest import focus_to, replace_input, wait_for, wait_ready

    received: list[Any] = []
    place = sim.engine.place_order

    def counting(account_id: str, *args: Any, **kwargs: Any) -> Any:
        if not account_id.startswith("__"):  # (not the built-in market maker or taker)
            received.append((account_id, args))
        return place(account_id, *args, **kwargs)

    monkeypatch.setattr(sim.engine, "place_order", counting)
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        rule = app.session.rules[app.session.symbol]
        await focus_to(pilot, app, "b", "ticket-size")
        size_input = app.main.query_one("#ticket-size")
        error = app.main.query_one("#ticket-error")
        bad = 0
        for text in _fuzzed_strings(36):
            await replace_input(pilot, text)
            typed = size_input.value  # what the field accepted of it
            await pilot.press("enter")
            await pilot.pause(0.01)
            value, reason = rules.validate_size(rule, typed)
            if reason is not None:
                bad += 1
                assert not isinstance(app.screen, ConfirmScreen), typed
                assert str(error.render()).strip(), f"no inline reason for {typed!r}"
            else:
                # valid: the confirm dialog asks; say no
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
                await pilot.press("n")
                await wait_for(
                    pilot, lambda: not isinstance(app.screen, ConfirmScreen), "confirm closed"
                )
                await focus_to(pilot, app, "b", "ticket-size")
            assert app.is_running
        assert bad >= 20  # most fuzzed strings are bad input
        assert received == []  # not one order reached the exchange
        # control: a valid size, confirmed, does reach it (so the count above could fail)
        await replace_input(pilot, "0.01")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(received) == 1, "the one valid order")

"""Issue 13/14 ticket and ladder fixes against the built-in exchange: `b` starts from FAS
LIMIT at the touch, F2 moves the price to the other touch, nothing red at start, the price in
grouped thousands; grouping shows its step, the real spread and no blank rows; position marks;
the `[sizes]` and `[confirm]` config checks."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gmo_tui import config as cfg
from gmo_tui.exchange.enums import Side
from gmo_tui.widgets.cycler import Cycler
from gmo_tui.widgets.order_book import OrderBookLadder
from tests.app.conftest import focus_to, wait_for, wait_ready


def price_of(app) -> Decimal:
    return Decimal(app.main.query_one("#ticket-price").value.replace(",", ""))


async def test_b_starts_from_fas_limit_at_the_touch_and_f2_moves_to_the_other_touch(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        error = app.main.query_one("#ticket-error")
        # nothing red before the user typed anything (once entry is enabled)
        await wait_for(pilot, lambda: str(error.render()) == "", "no error at start")
        await focus_to(pilot, app, "b", "ticket-size")
        assert str(error.render()) == ""
        ticket = app.main.ticket
        tif = ticket.query_one("#ticket-tif", Cycler)
        # a MARKET FAK in the ticket, then b again: LIMIT, FAS, not the MARKET's FAK
        ticket.query_one("#ticket-type", Cycler).value = "MARKET"
        await pilot.pause()
        tif.value = "FAK"
        await pilot.pause()
        app.main.action_focus_book()
        await focus_to(pilot, app, "b", "ticket-size")
        assert (ticket.kind.value, tif.value) == ("LIMIT", "FAS")
        book = app.session.books["BTC_JPY"]
        value = app.main.query_one("#ticket-price").value
        assert "," in value  # BTC_JPY trades in the millions: grouped thousands
        assert price_of(app) == book.best_bid
        asks = {book.best_ask}
        await pilot.press("f2")
        await wait_for(pilot, lambda: ticket.side is Side.SELL, "SELL")
        asks.add(book.best_ask)
        assert price_of(app) in asks  # the ask, not the bid it was at (that SELL would cross)
        # a grouped price is read back exactly; a stray comma is a clear error
        ticket.query_one("#ticket-size").value = "0.01"
        await pilot.pause()
        assert ticket._validate() is not None
        ticket.query_one("#ticket-price").value = "1,00,0"
        await pilot.pause()
        assert "commas" in str(error.render())


async def test_grouping_shows_its_step_the_real_spread_and_no_blank_rows(sim, make_app):
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        ladder = app.main.query_one(OrderBookLadder)
        await pilot.press("v")
        await wait_for(pilot, lambda: app.focused is ladder, "ladder focused")
        assert str(ladder.border_title).endswith("group 1")
        for _ in range(6):
            await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: "group 100" in str(ladder.border_title), "step shown")
        book = app.session.books["BTC_JPY"]

        def spread_ok() -> bool:
            rows = [r for r in ladder._rows if r[0] == "spread"]
            return bool(rows) and rows[0][1] == book.best_ask - book.best_bid

        await wait_for(pilot, spread_ok, "the real spread")
        assert ladder._rows[1][0] == "ask"  # no blank row under the header


async def test_ladder_marks_entry_break_even_and_losscut(sim, make_app, rest):
    await rest.place_order("BTC_JPY", "BUY", "MARKET", Decimal("0.01"))
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app)
        positions = app.session.service.positions
        await wait_for(pilot, lambda: positions.all("BTC_JPY"), "position loaded")
        (position,) = positions.all("BTC_JPY")
        marks = app.main.position_marks()
        tags = {tag: price for price, text in marks.items() for tag in text.split("/")}
        assert tags["E"] == position.price
        rule = app.session.rules["BTC_JPY"]
        assert tags["BE"] >= position.price * (1 + 2 * rule.taker_fee)
        assert tags["BE"] - position.price * (1 + 2 * rule.taker_fee) < rule.tick_size
        if position.losscut_price:
            assert tags["LC"] == position.losscut_price
        ladder = app.main.query_one(OrderBookLadder)
        await wait_for(pilot, lambda: ladder._marks == marks, "the marks on the ladder")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    directory = tmp_path / "cfg"
    directory.mkdir(mode=0o700)
    return directory / cfg.CONFIG_FILE


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[sizes]\nBTC = "0.1"\n', "[sizes] BTC: expected a list"),
        ('[sizes]\nBTC = ["x"]\n', "[sizes] BTC: not a positive number: x"),
        ("[confirm]\nlimit_below = 5\n", '[confirm] "limit_below" is not a setting'),
        ('[confirm]\ncancel_below = "-1"\n', '[confirm] cancel_below = "-1": a notional'),
    ],
)
def test_bad_sizes_and_confirm_name_the_file_key_and_what_is_allowed(config, text, message):
    config.write_text(text)
    config.chmod(0o600)
    with pytest.raises(cfg.ConfigError) as err:
        cfg.load_settings(config, env={})
    assert str(config) in str(err.value) and message in str(err.value)


def test_sizes_and_confirm_load(config):
    config.write_text(
        '[sizes]\nBTC_JPY = ["0.01", "0.02"]\n[confirm]\nladder_limit_below = "50000"\n'
    )
    config.chmod(0o600)
    settings = cfg.load_settings(config, env={})
    assert settings.size_overrides() == {"BTC_JPY": (Decimal("0.01"), Decimal("0.02"))}
    assert settings.confirm_below("ladder_limit") == Decimal(50000)
    assert settings.confirm_below("cancel") == 0


async def test_the_ticket_builds_a_trailing_bracket_and_refuses_a_trail_without_a_stop(
    sim, make_app
):
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app)
        await focus_to(pilot, app, "b", "ticket-size")
        ticket = app.main.ticket
        ticket.query_one("#ticket-trail").value = "3,000"
        await pilot.pause()
        assert ticket._validate() is None
        assert "trailing distance needs a stop-loss" in str(
            app.main.query_one("#ticket-error").render()
        )
        ticket.query_one("#ticket-sl").value = "0.5%"
        ticket.query_one("#ticket-tp").value = "300t"
        await pilot.pause()
        intent = ticket._validate()
        assert intent is not None
        spec = ticket.bracket(intent)
        assert spec is not None and spec.trail == Decimal(3000)
        assert (spec.stop_loss.kind.value, spec.stop_loss.value) == ("PERCENT", Decimal("0.5"))
        assert (spec.take_profit.kind.value, spec.take_profit.value) == ("TICKS", Decimal(300))

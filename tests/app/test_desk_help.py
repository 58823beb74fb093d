"""Issue 14: the help screen shows key glyphs (``/``, ``.``, ``,``), aligned rows, how to close
it, and a credentials section."""

from __future__ import annotations

import re

from gmo_tui import config as cfg
from gmo_tui.i18n.cells import cell_len
from gmo_tui.screens.help import HelpScreen, key_glyphs
from tests.app.conftest import wait_for, wait_ready


def test_key_glyphs():
    assert key_glyphs("slash") == "/"
    assert key_glyphs("full_stop") == "."
    assert key_glyphs("comma") == ","
    assert key_glyphs("escape,q,question_mark") == "Esc / q / ?"


async def test_help_glyphs_alignment_close_hint_and_credentials(sim, make_app):
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await pilot.press("question_mark")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, HelpScreen) and app.screen.query("Static"),
            "help",
        )
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "slash" not in text and "full stop" not in text and "full_stop" not in text
        assert "Esc, q or ? closes this help" in text
        assert "Credentials" in text and cfg.how_to_add_key() in text.replace("\n", " ")
        rows = {}
        for line in text.splitlines():
            match = re.search(r"\s(\S+\.\S+)$", line)
            if line.startswith("  ") and match:
                rows[match.group(1)] = line
        assert rows["symbol.search"].lstrip().startswith("/ ")
        assert rows["chart.longer"].lstrip().startswith(". ")
        assert rows["chart.shorter"].lstrip().startswith(", ")
        # every id starts in the same column
        starts = {cell_len(line[: line.rindex(" ") + 1]) for line in rows.values()}
        assert len(starts) == 1, starts
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), "closed")
        await app.shutdown()

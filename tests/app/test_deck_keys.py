"""Issue 16 in the app: the record toggle (``ctrl+r``), the replay keys (``f6`` pause / play,
``f7`` step, ``f8`` speed) against a replaying built-in exchange, the read-only mode of a
served app, and ``PAPER`` in the header styled like ``DEMO``."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from textual.widgets import Static

from gmo_tui.app import GmoTuiApp
from gmo_tui.config import Settings
from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording
from gmo_tui.record.replay_source import replay_market
from gmo_tui.screens.help import HelpScreen
from gmo_tui.serve import READ_ONLY_ENV, read_only_reason
from gmo_tui.session.listener import Banner
from tests.app.conftest import FAST_WS_INTERVAL, wait_for, wait_ready
from tests.app.test_navigation import _palette
from tests.replay.test_paper_fills import _write


async def test_ctrl_r_records_the_watched_symbols_feed_and_says_where(
    sim, make_app, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path / "data"))
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        assert isinstance(app.session.public, type(app.session.deck.stream))
        await pilot.press("ctrl+r")
        path = app.session.deck.recording
        assert path is not None and path.parent == tmp_path / "data" / "recordings"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600  # private to the user
        await wait_for(pilot, lambda: app.main.status.record_text, "REC in the status bar")
        assert app.main.status.record_text == f"REC {path.name}"
        book = app.session.books["BTC_JPY"]
        seen = book.snapshots
        await wait_for(pilot, lambda: book.snapshots >= seen + 3, "frames while recording")
        await pilot.press("ctrl+r")
        assert app.session.deck.recording is None and app.session.public.writer is None
        assert app.main.notices[-1] == f"Recording stopped: {path}"
        await wait_for(pilot, lambda: not app.main.status.record_text, "REC gone")
    recording = open_recording(path)
    assert recording.header.symbols == ("BTC_JPY",)
    assert [r["symbol"] for r in recording.header.symbol_rules] == ["BTC_JPY"]
    frames = [r for r in recording if r.kind is Kind.PUBLIC]
    assert len(frames) >= 3 and recording.complete


async def test_replay_keys_pause_play_step_and_speed_with_the_position_shown(
    make_sim, make_app, tmp_path: Path
):
    path = tmp_path / "market.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False), ws_commands_per_s=100)
    app = make_app(sim, symbol="BTC")
    async with app.run_test(size=(120, 40)) as pilot:
        deck = app.session.deck
        await wait_for(pilot, lambda: deck.replay is not None, "the replay noticed")
        bar = app.main.status
        await wait_for(pilot, lambda: bar.replay_text.startswith("REPLAY paused x1"), "status")
        assert "feed p50" not in str(bar.render())  # recorded timestamps are old
        sent = deck.replay["framesSent"] if deck.replay else -1
        await pilot.press("f7")
        await wait_for(pilot, lambda: (deck.replay or {}).get("framesSent") == sent + 1, "one step")
        await pilot.press("f8")
        await wait_for(pilot, lambda: (deck.replay or {}).get("speed") == 2, "speed x2")
        await wait_for(pilot, lambda: "x2" in bar.replay_text, "x2 shown")
        await app.run_action("replay_speed('max')", app.main)  # the palette's command
        await wait_for(pilot, lambda: (deck.replay or {}).get("speed") == "max", "speed max")
        await pilot.press("f6")
        await wait_for(
            pilot,
            lambda: (deck.replay or {}).get("state") in ("playing", "ended"),
            "playing",
        )
        await wait_for(
            pilot, lambda: (deck.replay or {}).get("state") == "ended", "every frame played"
        )
        await wait_for(pilot, lambda: "REPLAY ended" in bar.replay_text, "ended shown")


async def test_the_header_says_replay_with_its_speed_not_live(make_sim, tmp_path: Path):
    """Started as LIVE (an endpoint the app cannot tell from GMO's) against an exchange that
    replays a recording: the header's mode word is REPLAY with the speed, drawn as a warning."""
    path = tmp_path / "market.gmorec"
    _write(path)
    sim = await make_sim(market=replay_market(path, autostart=False), ws_commands_per_s=100)
    settings = Settings(endpoint=sim.endpoint, symbol="BTC", ws_command_interval=FAST_WS_INTERVAL)
    app = GmoTuiApp(settings, None, mode="LIVE", journal_path=str(tmp_path / "j.sqlite"))
    async with app.run_test(size=(120, 40)) as pilot:
        header = app.main.header
        await wait_for(pilot, lambda: header._line().plain.startswith(" REPLAY x1 "), "REPLAY x1")
        line = header._line()
        assert "LIVE" not in line.plain
        warning = app.theme_variables["warning"]
        assert str(line.spans[0].style) == f"bold {warning} reverse"  # as DEMO / PAPER
        await pilot.press("f8")
        await wait_for(pilot, lambda: header._line().plain.startswith(" REPLAY x2 "), "x2")


async def test_replay_keys_against_an_exchange_that_does_not_replay_say_so(
    sim, make_app, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path / "data"))
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await pilot.press("f6")
        assert app.main.notices[-1] == "Not a replay: the exchange is not replaying a recording"
        assert app.session.deck.replay is None and app.main.status.replay_text == ""
        await wait_for(pilot, lambda: "feed p50" in str(app.main.status.render()), "latency")
        # the help lists the keys with their ids; the palette runs the record toggle
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        for binding_id in ("record.toggle", "replay.toggle", "replay.step", "replay.speed"):
            assert binding_id in text
        await pilot.press("escape")
        await _palette(pilot, app, "Record: the public feed", "Record")
        await wait_for(pilot, lambda: app.session.deck.recording, "recording from the palette")
        await pilot.press("ctrl+r")
        assert app.session.deck.recording is None


async def test_a_served_read_only_app_says_why_order_entry_is_off(
    sim, make_app, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(READ_ONLY_ENV, "1")
    reason = read_only_reason()
    assert reason is not None
    app = make_app(sim, credentials=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_ready(pilot, app, trading=False)
        assert app.main.banners.reasons[Banner.READ_ONLY] == reason
        await pilot.press("B")  # a market buy: refused with the reason, not "add a key"
        assert app.main.notices[-1] == reason
        await pilot.press("b")
        ticket = app.main.ticket
        await wait_for(pilot, lambda: ticket.has_focus_within, "the ticket")
        error = ticket.query_one("#ticket-error", Static)
        await wait_for(pilot, lambda: reason in str(error.render()), "the reason in the ticket")
        assert "no API key" not in str(error.render())


async def test_paper_in_the_header_is_styled_like_demo(sim, tmp_path: Path):
    def app(mode: str) -> GmoTuiApp:
        settings = Settings(
            endpoint=sim.endpoint, symbol="BTC_JPY", ws_command_interval=FAST_WS_INTERVAL
        )
        return GmoTuiApp(settings, None, mode=mode, journal_path=str(tmp_path / "j.sqlite"))

    styles = {}
    for mode in ("DEMO", "PAPER", "LIVE"):
        one = app(mode)
        async with one.run_test(size=(120, 40)) as pilot:
            await pilot.pause(0.05)
            line = one.main.header._line()
            assert line.plain.startswith(f" {mode} ")
            styles[mode] = str(line.spans[0].style)
            assert one.main.header.endpoint == ("" if mode != "LIVE" else sim.endpoint)
    assert styles["PAPER"] == styles["DEMO"] != styles["LIVE"]


async def test_the_app_asks_again_whether_its_exchange_replays_after_a_reconnect(sim, make_app):
    app = make_app(sim)
    asked: list[str] = []

    async def seen(request: httpx.Request) -> None:
        if request.url.path == "/_sim/replay":
            asked.append(request.method)

    async with app.run_test(size=(120, 40)) as pilot:
        app.session.deck.remote.client.event_hooks["request"].append(seen)
        await wait_ready(pilot, app, trading=False)
        await pilot.pause(1.5)
        before = len(asked)  # not a replay: asked at start, not polled
        await pilot.pause(1.5)
        assert len(asked) == before and app.session.deck.replay is None
        await sim.control("drop_sockets", {})
        await wait_for(pilot, lambda: len(asked) > before, "asked again after the reconnect")
        assert set(asked) == {"GET"}

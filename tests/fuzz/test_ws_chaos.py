"""The app on a real socket while the built-in exchange mangles its WebSocket frames.

The exchange's chaos control truncates and reorders frames; the app keeps running, the bad
frames are counted (and logged with the reason), and the book keeps updating from the good
frames in between.
"""

from __future__ import annotations

import logging

import pytest

from tests.app.conftest import (  # noqa: F401 - the app tests' fixtures
    _isolated_dirs,
    _no_idle_heuristic,
    _restore_logging,
    make_app,
    sim,
    wait_for,
    wait_ready,
)


@pytest.mark.timeout(60)
async def test_app_survives_malformed_and_reordered_frames(sim, make_app, caplog) -> None:  # noqa: F811
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app, trading=False)
        await sim.control("rates", {"books_per_s": 40, "trades_per_s": 20, "tickers_per_s": 10})
        await sim.control("chaos", {"malformed": 0.3, "out_of_order": 0.2})
        book = app.session.books[app.session.symbol]
        with caplog.at_level(logging.WARNING, logger="gmo_tui"):
            before = book.snapshots
            await wait_for(
                pilot,
                lambda: app.session.public.counters["bad_frames"] >= 5,
                "bad frames counted",
                15,
            )
            # the good frames in between still update the book
            await wait_for(pilot, lambda: book.snapshots >= before + 5, "book updates", 15)
        assert app.is_running
        assert sum("bad frame" in r.getMessage() for r in caplog.records) >= 5
        # the status bar tells the trader how many frames were dropped
        from gmo_tui.widgets.status_bar import StatusBar

        app.update_metrics()
        bar = app.main.query_one(StatusBar)
        assert bar.bad_frames >= 5
        assert "bad frames" in bar.render().plain
        # chaos off: the book is sane and current again
        await sim.control("chaos", {"malformed": 0, "out_of_order": 0})
        after = book.snapshots
        await wait_for(pilot, lambda: book.snapshots > after + 2 and book.sane, "clean book", 15)
        assert book.reference() is not None
        assert app.is_running


@pytest.mark.timeout(60)
async def test_app_survives_non_numbers_and_garbage_on_the_socket(sim, make_app) -> None:  # noqa: F811
    """Frames the chaos control cannot make (NaN/Infinity/1e400 levels, an unknown channel,
    garbage) pushed down the app's real public socket."""
    app = make_app(sim)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_ready(pilot, app, trading=False)
        book = app.session.books[app.session.symbol]
        conns = sim.state.hub.public_subs[("orderbooks", app.session.symbol)]
        assert conns
        level = '{"price": "%s", "size": "0.1"}'
        frames = [
            b'{"channel": "orderbooks", "symbol": "%s", "asks": [%s], "bids": [%s], '
            b'"timestamp": "2030-01-01T00:00:00.000Z"}'
            % (app.session.symbol.encode(), (level % bad).encode(), (level % "1").encode())
            for bad in ("NaN", "Infinity", "1e400")
        ]
        # (the exchange sends text frames, so no non-UTF-8 here: test_ws_frames.py covers it)
        garbage = [b"garbage", b'{"channel": "nonsense", "symbol": "BTC"}', b"{"]
        dropped, bad_before = book.dropped, app.session.public.counters["bad_frames"]
        for conn in list(conns):
            for frame in frames + garbage:
                conn.push("orderbooks", frame)
        await wait_for(
            pilot, lambda: app.session.public.counters["bad_frames"] >= bad_before + 3, "bad frames"
        )
        await wait_for(pilot, lambda: book.dropped >= dropped + 3, "non-number books refused")
        assert app.is_running
        assert all(p.is_finite() for p in book.bid_prices + book.ask_prices + book.ask_sizes)
        # the market goes on: later good snapshots are applied
        await sim.control("rates", {"books_per_s": 40})
        after = book.snapshots
        await wait_for(pilot, lambda: book.snapshots > after + 2, "book updates", 15)
        assert app.is_running

"""`gmo-tui --paper`'s exchange: the paper account persists across runs, privately."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from decimal import Decimal
from pathlib import Path

import pytest
import websockets

from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.paper import START_JPY, PaperExchange, PaperStore, PaperStoreError
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.runner import SimThread
from tests.conftest import SIM_DEFAULTS

D = Decimal
STILL = MarketRates(books_per_s=0, trades_per_s=0, tickers_per_s=0, idle_factor=0)


async def _trade(paper: PaperExchange) -> None:
    url = paper.endpoint.replace("http://", "ws://") + "/ws/public/v1"
    async with (
        websockets.connect(url) as ws,
        GmoRestClient(paper.endpoint, Credentials(paper.api_key, paper.api_secret)) as rest,
    ):
        await ws.send(
            json.dumps({"command": "subscribe", "channel": "orderbooks", "symbol": "BTC_JPY"})
        )
        await asyncio.wait_for(ws.recv(), 10)  # the live book is in
        await asyncio.sleep(1.1)
        await ws.send(
            json.dumps({"command": "subscribe", "channel": "orderbooks", "symbol": "BTC"})
        )
        await asyncio.wait_for(ws.recv(), 10)
        await rest.place_order("BTC_JPY", "BUY", "MARKET", D("0.01"))  # a margin position
        await rest.place_order("BTC", "BUY", "MARKET", D("0.01"))  # spot: JPY -> BTC
        best_ask = (await rest.get_orderbook("BTC")).asks[0].price
        await rest.place_order("BTC", "BUY", "LIMIT", D("0.01"), price=best_ask - 100000)


async def _account(paper: PaperExchange) -> tuple[dict[str, D], list[tuple[str, D, D]]]:
    async with GmoRestClient(paper.endpoint, Credentials(paper.api_key, paper.api_secret)) as rest:
        amounts = {a.symbol: a.amount for a in await rest.get_assets() if a.amount}
        positions = [
            (p.side.value, p.size, p.price) for p in (await rest.get_open_positions("BTC_JPY")).list
        ]
    return amounts, positions


def test_the_paper_account_persists_across_runs(tmp_path: Path) -> None:
    store = PaperStore(tmp_path / "paper" / "account.json")
    with SimThread(**{**SIM_DEFAULTS, "control": False}, rates=STILL) as live:
        paper = PaperExchange(live.endpoint, store)
        paper.start()
        try:
            asyncio.run(_trade(paper))
            amounts, positions = asyncio.run(_account(paper))
        finally:
            paper.stop()
        assert paper.cancelled_at_stop == 1  # the resting LIMIT does not outlive the run
        assert amounts["JPY"] < START_JPY and amounts["BTC"] == D("0.01")
        assert len(positions) == 1 and positions[0][:2] == ("BUY", D("0.01"))
        assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700

        again = PaperExchange(live.endpoint, store)
        again.start()
        try:
            assert asyncio.run(_account(again)) == (amounts, positions)
        finally:
            again.stop()


def test_an_unreadable_paper_account_is_refused_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "account.json"
    path.write_text('{"format": 1, "amounts": {"JPY": "lots"}, "positions": []}')
    with pytest.raises(PaperStoreError, match="cannot be read"):
        PaperExchange("http://127.0.0.1:9", PaperStore(path))
    assert "lots" in path.read_text()


def test_cli_paper_refuses_an_unreadable_account(tmp_path: Path, monkeypatch, capsys) -> None:
    from gmo_tui.cli import main

    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path))
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "account.json").write_text("not json")
    assert main(["--paper", "--endpoint", "http://127.0.0.1:9"]) == 2
    assert "paper account cannot be read" in capsys.readouterr().err

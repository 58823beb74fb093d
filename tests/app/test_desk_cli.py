"""Issue 14: the command line: --version, symbols in any case, an unknown symbol refused before
the app starts (exit 2), SIM for a loopback endpoint, the demo's temp dir removed on exit."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest

from gmo_tui import __version__, cli
from gmo_tui.demo_exchange import SimProcess


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"gmo-tui {__version__}"


def test_symbol_any_case():
    assert cli.normalise_symbol("eth") == "ETH"
    assert cli.normalise_symbol(" btc_jpy ") == "BTC_JPY"


def test_mode_of_endpoint():
    assert cli.mode_of("LIVE", "http://127.0.0.1:8765") == "SIM"
    assert cli.mode_of("LIVE", "http://localhost:8765") == "SIM"
    assert cli.mode_of("LIVE", "http://[::1]:8765") == "SIM"
    assert cli.mode_of("LIVE", "https://api.coin.z.com") == "LIVE"
    assert cli.mode_of("DEMO", "http://127.0.0.1:1") == "DEMO"


async def test_unknown_symbol_is_refused_before_the_app_starts(sim, capsys):
    assert await asyncio.to_thread(cli.symbol_problem, "ETH", sim.endpoint) is None
    problem = await asyncio.to_thread(cli.symbol_problem, "NOPE", sim.endpoint)
    assert problem is not None and "unknown symbol NOPE" in problem and "BTC_JPY" in problem
    code = await asyncio.to_thread(cli.main, ["--endpoint", sim.endpoint, "--symbol", "nope"])
    assert code == 2
    assert "unknown symbol NOPE" in capsys.readouterr().err


def test_demo_temp_dir_removed(monkeypatch, capsys):
    """--demo with an unknown symbol stops before the UI: its temp dir is gone too (the same
    ``finally`` path as a normal exit removes it after the app)."""
    before = set(Path(tempfile.gettempdir()).glob("gmo-tui-demo-*"))
    made: list[Path] = []
    real = cli._demo_dir

    def tracked() -> Path:
        made.append(real())
        return made[-1]

    monkeypatch.setattr(cli, "_demo_dir", tracked)
    started: list[int] = []
    monkeypatch.setattr(SimProcess, "start", lambda self: started.append(1) or "http://x")
    assert cli.main(["--demo", "--symbol", "nope"]) == 2
    assert started == []  # the exchange's process is not started for a typo
    # the built-in exchange's symbols are known without a request to it (the demo starts sooner)
    err = capsys.readouterr().err
    assert "unknown symbol NOPE" in err and "BTC_JPY" in err
    assert made and not made[0].exists()
    assert set(Path(tempfile.gettempdir()).glob("gmo-tui-demo-*")) <= before

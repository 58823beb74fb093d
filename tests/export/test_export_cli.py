"""`gmo-tui export` against the built-in exchange: every execution of the range once, as the
exchange recorded it, with totals equal to the sum of the rows.

The session: spot BTC bought in partial maker fills (rebates) and at market (taker fees), then
sold at market; XRP sold in 105 partial fills of one order (more than one page of
``latestExecutions``); margin BTC_JPY opened in partial fills and at market, then closed in
partial fills across two positions (``lossGain``). Then the clock moves two days and more trades
follow, which a range ending on the first day must leave out.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gmo_tui import cli
from gmo_tui.exchange.auth import Credentials
from gmo_tui.exchange.models import Execution
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.export.csv_layout import COLUMNS
from gmo_tui.export.history import DateRange, gather, grand_total, jst_date, totals
from gmo_tui.trading.journal import IntentKind, Journal

D = Decimal
SYMBOLS = ("BTC", "XRP", "BTC_JPY")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sim: Any) -> Iterator[Path]:
    """Credentials in the environment, an empty config dir, the journal's data dir."""
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("GMO_TUI_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GMO_API_KEY", sim.api_key)
    monkeypatch.setenv("GMO_API_SECRET", sim.api_secret)
    monkeypatch.setenv("GMO_TUI_ENDPOINT", sim.endpoint)
    yield tmp_path


async def _touch(rest: GmoRestClient, symbol: str) -> tuple[Decimal, Decimal]:
    book = await rest.get_orderbook(symbol)
    return book.bids[0].price, book.asks[0].price


async def _session(sim: Any, rest: GmoRestClient, journal: Journal) -> list[int]:
    """Trade as described in the module docstring; the order ids, journaled like the app."""
    ids: list[int] = []

    async def order(symbol: str, side: str, kind: str, size: str, price: Decimal | None) -> int:
        oid = await rest.place_order(symbol, side, kind, D(size), price=price)
        intent = journal.record_intent(IntentKind.ORDER, symbol=symbol, side=side, size=D(size))
        journal.mark_accepted(intent, oid)
        ids.append(oid)
        return oid

    bid, ask = await _touch(rest, "BTC")
    # resting orders 1 % from the touch: the synthetic market does not reach them in a test
    resting = await order("BTC", "BUY", "LIMIT", "0.02", (bid * D("0.99")).quantize(D(1)))
    await sim.control("fill", {"orderId": resting, "size": "0.005"})
    await sim.control("fill", {"orderId": resting, "size": "0.015"})
    await order("BTC", "BUY", "MARKET", "0.01", None)
    await order("BTC", "SELL", "MARKET", "0.02", None)

    bid, ask = await _touch(rest, "XRP")
    xrp = await order("XRP", "SELL", "LIMIT", "110", (ask * D("1.01")).quantize(D("0.001")))
    for _ in range(105):
        await sim.control("fill", {"orderId": xrp, "size": "1"})

    bid, ask = await _touch(rest, "BTC_JPY")
    opening = await order("BTC_JPY", "BUY", "LIMIT", "0.05", (bid * D("0.99")).quantize(D(1)))
    await sim.control("fill", {"orderId": opening, "size": "0.02"})
    await sim.control("fill", {"orderId": opening, "size": "0.03"})
    await order("BTC_JPY", "BUY", "MARKET", "0.03", None)
    bid, ask = await _touch(rest, "BTC_JPY")
    close = await rest.close_bulk_order(
        "BTC_JPY", "SELL", "LIMIT", D("0.08"), price=(ask * D("1.01")).quantize(D(1))
    )
    ids.append(close)
    await sim.control("fill", {"orderId": close, "size": "0.04"})
    await sim.control("fill", {"orderId": close})
    return ids


def _exchange_records(sim: Any, span: DateRange) -> dict[int, Execution]:
    """The exchange's own record of the account's executions within ``span``."""
    account = sim.engine._accounts["demo"]
    return {e.execution_id: e for e in account.executions.values() if e.timestamp in span}


async def _latest_executions(rest: GmoRestClient, symbol: str) -> list[Execution]:
    """Every page of the exchange's ``latestExecutions`` for ``symbol``."""
    out: list[Execution] = []
    page = 1
    while rows := (await rest.get_latest_executions(symbol, page, 100)).list:
        out.extend(rows)
        page += 1
    return out


def _cells(e: Execution) -> list[str]:
    from gmo_tui.market.formatting import JST

    return [
        e.timestamp.astimezone(JST).isoformat(timespec="milliseconds"),
        e.symbol,
        e.side.value,
        str(e.size),
        str(e.price),
        "0" if not e.fee else str(e.fee),
        str(e.loss_gain),
        str(e.order_id),
        str(e.execution_id),
        e.settle_type.value,
        "" if e.position_id is None else str(e.position_id),
    ]


async def _export(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, ["export", *argv])


async def test_the_csv_holds_every_execution_of_the_range_once(
    sim: Any, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = Credentials(sim.api_key, sim.api_secret, "test")
    async with GmoRestClient(sim.endpoint, creds) as rest:
        journal = Journal(env / "data" / "journal.sqlite3")
        try:
            first_ids = await _session(sim, rest, journal)
            account = sim.engine._accounts["demo"]
            first_batch = list(account.executions.values())
            await sim.control("clock", {"advance": 2 * 86400})
            await rest.place_order("BTC", "BUY", "MARKET", D("0.001"))
        finally:
            journal.close()
        later = [e for e in account.executions.values() if e not in first_batch]
        days = sorted({jst_date(e.timestamp) for e in first_batch})
        span = DateRange(days[0], days[-1])
        assert later and all(e.timestamp not in span for e in later)
        expected = _exchange_records(sim, span)
        assert len(expected) == len(first_batch) > 120
        listed = {e.execution_id: e for s in SYMBOLS for e in await _latest_executions(rest, s)}
        assert {i for i, e in listed.items() if e.timestamp in span} == set(expected)
        assert {e.order_id for e in expected.values()} == set(first_ids)

        out = env / "trades.csv"
        code = await _export("--from", str(span.first), "--to", str(span.last), "--out", str(out))
        err = capsys.readouterr().err
        assert code == 0, err
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        raw = out.read_bytes()
        assert raw.startswith(b"datetime,symbol,side,size,price,fee,loss_gain,order_id,")
        assert b"\r\n" in raw
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
        assert tuple(rows[0]) == COLUMNS
        body = rows[1:]
        ids = [int(r[COLUMNS.index("execution_id")]) for r in body]
        assert len(ids) == len(set(ids)) == len(expected)  # every execution, once
        assert body == [_cells(e) for e in sorted(expected.values(), key=_order)]
        assert all(r[0].endswith("+09:00") and len(r[0]) == 29 for r in body)
        sold = [r for r in body if r[1] == "BTC_JPY" and r[9] == "CLOSE"]
        assert len(sold) >= 2 and any(D(r[6]) != 0 for r in sold)  # closes carry lossGain
        assert any(D(r[5]) < 0 for r in body) and any(D(r[5]) > 0 for r in body)  # fees both ways

        # the totals printed equal the sum of the rows
        fee_sum = sum((D(r[5]) for r in body), D(0))
        lg_sum = sum((D(r[6]) for r in body), D(0))
        total_line = next(line for line in err.splitlines() if line.strip().startswith("total"))
        assert f"{len(body)} executions" in total_line
        figures = dict(re.findall(r"(fee|loss_gain|net) (-?[\d,]+(?:\.\d+)?) JPY", total_line))
        assert {k: D(v.replace(",", "")) for k, v in figures.items()} == {
            "fee": fee_sum,
            "loss_gain": lg_sum,
            "net": lg_sum - fee_sum,
        }
        # one number format: grouped thousands (no run of 4 digits), no bare ".0"
        amounts = total_line.split("executions", 1)[1]
        assert not re.search(r"\d{4}|\d\.0\b", amounts), total_line

        # --symbol (any case) to standard output: that symbol's rows only
        code = await _export(
            "--endpoint", sim.endpoint, "--from", str(span.first), "--to", str(span.last),
            "--symbol", "btc_jpy",
        )  # fmt: skip
        captured = capsys.readouterr()
        assert code == 0, captured.err
        only = list(csv.reader(io.StringIO(captured.out, newline="")))[1:]
        assert only == [r for r in body if r[1] == "BTC_JPY"]

        # the later days hold only the later trade
        later_day = str(jst_date(later[0].timestamp))
        code = await _export("--from", later_day, "--to", later_day, "--symbol", "BTC")
        captured = capsys.readouterr()
        assert code == 0, captured.err
        rows = list(csv.reader(io.StringIO(captured.out, newline="")))[1:]
        assert [int(r[8]) for r in rows] == [e.execution_id for e in later]


def _order(e: Execution) -> tuple[Any, int]:
    return (e.timestamp, e.execution_id)


async def test_gather_totals_per_day_and_symbol_add_up(sim: Any, tmp_path: Path) -> None:
    creds = Credentials(sim.api_key, sim.api_secret, "test")
    async with GmoRestClient(sim.endpoint, creds) as rest:
        journal = Journal(tmp_path / "journal.sqlite3")
        try:
            await _session(sim, rest, journal)
            entries = journal.entries()
        finally:
            journal.close()
        today = jst_date(next(iter(sim.engine._accounts["demo"].executions.values())).timestamp)
        span = DateRange(today - timedelta(days=1), today + timedelta(days=1))
        now = max(e.timestamp for e in sim.engine._accounts["demo"].executions.values())
        history = await gather(rest, list(SYMBOLS), span, entries, now=now)
        # a range that starts within latestExecutions' reach needs no journal
        recent = DateRange(today, today + timedelta(days=1))
        fresh = await gather(rest, list(SYMBOLS), recent, entries, now=recent.start)
    assert fresh.gaps == {} and fresh.orders_asked == 0
    assert fresh.executions == [e for e in history.executions if e.timestamp in recent]
    expected = _exchange_records(sim, span)
    assert [e.execution_id for e in history.executions] == sorted(
        expected, key=lambda i: _order(expected[i])
    )
    # the range starts more than LATEST_REACH ago and no list reached back to it: the journal
    # was asked for its orders, and what it found was already listed (each execution once)
    assert set(history.gaps) == set(SYMBOLS)
    assert (
        history.orders_asked == len({e.order_id for e in expected.values()}) - 1
    )  # close: not journaled
    per = totals(history.executions)
    assert {t.symbol for t in per} == set(SYMBOLS)
    whole = grand_total(history.executions)
    assert sum(t.count for t in per) == whole.count == len(expected)
    assert sum((t.fee for t in per), D(0)) == whole.fee == sum(e.fee for e in expected.values())
    assert sum((t.loss_gain for t in per), D(0)) == whole.loss_gain
    assert whole.loss_gain == sum(e.loss_gain for e in expected.values())
    assert whole.net == whole.loss_gain - whole.fee
    xrp = next(t for t in per if t.symbol == "XRP")
    assert (xrp.count, xrp.sold, xrp.bought) == (105, D(105), D(0))


async def test_without_credentials_it_says_how_and_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("GMO_API_KEY", raising=False)
    monkeypatch.delenv("GMO_API_SECRET", raising=False)
    code = cli.main(["export", "--from", "2026-12-01", "--to", "2026-12-01"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert "GMO_API_KEY" in captured.err and "credentials.toml" in captured.err


def test_a_range_ending_before_it_starts_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["export", "--from", "2026-12-02", "--to", "2026-12-01"]) == 2
    assert "before it starts" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        cli.main(["export", "--from", "yesterday", "--to", "2026-12-01"])
    assert stop.value.code == 2


async def test_unknown_symbol_is_named_and_nothing_written(
    sim: Any, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = env / "x.csv"
    code = await _export("--from", "2026-12-01", "--to", "2026-12-01", "--symbol", "DOGE2")
    err = capsys.readouterr().err
    assert code == 2 and "unknown symbol DOGE2" in err and "BTC_JPY" in err
    assert not out.exists()


def test_the_span_is_jst_days() -> None:
    span = DateRange(date(2026, 12, 1), date(2026, 12, 1))
    assert span.start.isoformat() == "2026-12-01T00:00:00+09:00"
    assert span.end.isoformat() == "2026-12-02T00:00:00+09:00"


async def test_a_rate_budget_shared_with_the_app_is_waited_for_not_fatal(sim: Any) -> None:
    """ERR-5003 (another client of the key used the second's budget): the GET is asked again."""
    from tests.trading.conftest import CountingTransport

    await sim.control("limits", {"rest_per_s": 2})
    transport = CountingTransport()
    creds = Credentials(sim.api_key, sim.api_secret, "test")
    async with GmoRestClient(sim.endpoint, creds, transport=transport) as rest:
        span = DateRange(date(2026, 12, 1), date(2026, 12, 1))
        history = await gather(rest, ["BTC", "ETH", "XRP", "BTC_JPY", "ETH_JPY"], span)
    assert transport.codes["ERR-5003"] >= 1
    assert transport.calls[("GET", "/private/v1/latestExecutions")] >= 6
    assert history.executions == [] and set(history.gaps) == {
        "BTC",
        "ETH",
        "XRP",
        "BTC_JPY",
        "ETH_JPY",
    }


def test_an_out_file_in_a_missing_directory_is_refused_before_asking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GMO_TUI_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("GMO_TUI_ENDPOINT", "http://127.0.0.1:9")  # never reached
    monkeypatch.setenv("GMO_API_KEY", "k" * 12)
    monkeypatch.setenv("GMO_API_SECRET", "s" * 12)
    out = tmp_path / "missing" / "trades.csv"
    code = cli.main(["export", "--from", "2026-12-01", "--to", "2026-12-01", "--out", str(out)])
    assert code == 2 and "no such directory" in capsys.readouterr().err
    assert not out.parent.exists()


def test_endpoint_and_symbols_parse_before_or_after_the_subcommand() -> None:
    parser = cli.build_parser()
    days = ["--from", "2026-12-01", "--to", "2026-12-02"]
    args = parser.parse_args(["--endpoint", "http://127.0.0.1:1", "export", *days])
    assert args.endpoint == "http://127.0.0.1:1" and args.command == "export"
    args = parser.parse_args(["export", *days, "--endpoint", "http://127.0.0.1:2"])
    assert args.endpoint == "http://127.0.0.1:2"
    args = parser.parse_args(["export", *days, "--symbol", "btc,eth", "--symbol", "BTC_JPY"])
    assert (args.first, args.last) == (date(2026, 12, 1), date(2026, 12, 2))
    assert args.export_symbols == ["btc,eth", "BTC_JPY"] and args.endpoint is None

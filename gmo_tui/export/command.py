"""``gmo-tui export --from YYYY-MM-DD --to YYYY-MM-DD [--symbol S] [--out FILE]``.

Writes every execution of the JST dates ``--from`` .. ``--to`` (both included) as CSV (layout:
:mod:`gmo_tui.export.csv_layout`) to standard output, or to ``--out`` (created private, 0600).
The totals per day and symbol, and any note on what GMO could not list, go to standard error.
Credentials are looked up as the app does (:func:`gmo_tui.config.load_credentials`);
``--endpoint`` as the app's. Exit status: 0 done, 1 the exchange failed (nothing written),
2 bad arguments or no usable credentials.

This module imports only :mod:`argparse` at load time: the parser is built for every ``gmo-tui``
start.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from gmo_tui.i18n import _

if TYPE_CHECKING:
    from gmo_tui.export.history import DateRange, History

__all__ = ["add_parser", "run"]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-12-01") from None


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``export`` subcommand to ``sub`` (the main parser's subparsers)."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "export",
        help=_("write your executions of a date range as CSV"),
        description=_("Write every execution of the JST dates FROM..TO (both included) as CSV."),
    )
    parser.add_argument("--from", dest="first", type=_day, required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="last", type=_day, required=True, metavar="YYYY-MM-DD")
    parser.add_argument(
        "--symbol",
        dest="export_symbols",
        action="append",
        metavar="SYMBOL",
        help=_("only this symbol (BTC, btc_jpy, …; repeat or comma-separate for several)"),
    )
    parser.add_argument("--out", metavar="FILE", help=_("write here (mode 0600) instead of stdout"))
    parser.add_argument(
        "--endpoint", default=argparse.SUPPRESS, help=_("exchange base URL (as for the app)")
    )
    return parser


def _fail(message: str, code: int) -> int:
    print(f"gmo-tui export: {message}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Run the export; the exit status."""
    from pathlib import Path

    from gmo_tui import config as cfg
    from gmo_tui.export.history import DateRange

    try:
        span = DateRange(args.first, args.last)
    except ValueError as exc:
        return _fail(str(exc), 2)
    try:
        settings = cfg.load_settings(endpoint=args.endpoint)
        credentials = cfg.load_credentials()
    except cfg.ConfigError as exc:
        return _fail(str(exc), 2)
    if credentials is None:
        return _fail(cfg.HOW_TO_ADD_KEY, 2)
    out = Path(args.out) if args.out else None
    if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
        return _fail(f"cannot write {out}: no such directory", 2)

    import asyncio

    from gmo_tui.exchange.errors import GmoError
    from gmo_tui.exchange.rest import GmoRestClient

    async def gather() -> History | str:
        from gmo_tui.export.history import gather as gather_history

        async with GmoRestClient(settings.endpoint, credentials, tier=settings.tier) as rest:
            known = [r.symbol for r in await rest.get_symbols()]
            symbols = _symbols(args.export_symbols, known)
            if isinstance(symbols, str):
                return symbols
            return await gather_history(rest, symbols, span, _journal_entries())

    try:
        history = asyncio.run(gather())
    except GmoError as exc:
        return _fail(f"the exchange did not answer usably, nothing written: {exc}", 1)
    if isinstance(history, str):
        return _fail(history, 2)
    from gmo_tui.export.csv_layout import write_csv, write_private

    if out is None:
        write_csv(history.executions, sys.stdout)
        sys.stdout.flush()
    else:
        try:
            write_private(history.executions, out)
        except OSError as exc:
            return _fail(f"cannot write {out}: {exc.strerror or exc}", 2)
    _summary(history, span, "standard output" if out is None else str(out))
    return 0


def _symbols(wanted: list[str] | None, known: list[str]) -> list[str] | str:
    """The symbols to export (case-insensitive), or a message naming the unknown ones."""
    if not wanted:
        return known
    by_upper = {s.upper(): s for s in known}
    names = [n.strip().upper() for item in wanted for n in item.split(",") if n.strip()]
    unknown = [n for n in names if n not in by_upper]
    if unknown or not names:
        return f"unknown symbol {', '.join(unknown) or '(empty)'}; GMO lists {', '.join(known)}"
    return list(dict.fromkeys(by_upper[n] for n in names))


def _journal_entries() -> list[Any]:
    """The app's journal entries (the order ids it placed), if this machine has a journal."""
    from gmo_tui.trading.journal import Journal, default_journal_path

    path = default_journal_path()
    if not path.exists():
        return []
    with Journal(path) as journal:
        return journal.entries()


def _summary(history: History, span: DateRange, where: str) -> None:
    from gmo_tui.export.history import grand_total, totals
    from gmo_tui.market.formatting import fmt_grouped

    err = sys.stderr
    rows = history.executions
    print(
        f"gmo-tui export: {len(rows)} executions of {span.first} .. {span.last} (JST) "
        f"written to {where}",
        file=err,
    )
    for t in totals(rows):
        print(
            f"  {t.day} {t.symbol:<10} {t.count:>6} executions  bought {fmt_grouped(t.bought)}  "
            f"sold {fmt_grouped(t.sold)}  fee {fmt_grouped(t.fee)} JPY  loss_gain {fmt_grouped(t.loss_gain)} JPY  "
            f"net {fmt_grouped(t.net)} JPY",
            file=err,
        )
    t = grand_total(rows)
    print(
        f"  {'total':<21} {t.count:>6} executions  fee {fmt_grouped(t.fee)} JPY  "
        f"loss_gain {fmt_grouped(t.loss_gain)} JPY  net {fmt_grouped(t.net)} JPY",
        file=err,
    )
    if history.gaps:
        print(
            f"note: GMO lists only about its last day of executions; before that, the "
            f"{len(history.gaps)} symbol(s) without a fill listed as old as {span.first} hold "
            f"only the fills of the {history.orders_asked} order(s) this machine's journal "
            "placed (any others are unknown here).",
            file=err,
        )

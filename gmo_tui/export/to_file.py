"""The export the app runs from its palette: every execution of a range of GMO trading days
(06:00 JST to 06:00 JST) gathered as ``gmo-tui export`` does (:func:`gmo_tui.export.history.
gather`, the same CSV layout) and written to a private file (0600, in a 0700 ``exports/``
directory of the user's data directory). No Textual here: the screen runs it in a worker."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from gmo_tui.alerts.store import data_dir
from gmo_tui.exchange.rest import GmoRestClient
from gmo_tui.export.csv_layout import write_private
from gmo_tui.export.history import DateRange, History, gather
from gmo_tui.i18n import _
from gmo_tui.market.formatting import DAY_ROLLOVER, JST, gmo_day
from gmo_tui.private_files import private_dir
from gmo_tui.trading.journal import JournalEntry

EXPORTS_DIR = "exports"
RANGE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})\s*(?:(?:\.\.|to|~|/)\s*(\d{4}-\d{2}-\d{2}))?\s*$")
"""``2026-12-01`` or ``2026-12-01..2026-12-03`` (also ``to``, ``~``)."""


def exports_dir() -> Path:
    """``exports/`` in the data directory."""
    return data_dir() / EXPORTS_DIR


def default_range(now: datetime) -> str:
    """Today's trading day (06:00 JST) as the dialog's text."""
    return gmo_day(now).isoformat()


def parse_range(text: str) -> DateRange | str:
    """The trading days the trader typed, or why not."""
    match = RANGE.match(text)
    if match is None:
        return _("type a date like 2026-12-01, or a range like 2026-12-01..2026-12-03")
    try:
        first = date.fromisoformat(match.group(1))
        last = date.fromisoformat(match.group(2)) if match.group(2) else first
        return DateRange(first, last, DAY_ROLLOVER)
    except ValueError:
        return _("not a date range: {text}").format(text=text.strip())


def file_name(span: DateRange, made: datetime) -> str:
    """``executions-2026-12-01-2026-12-03-20261203T101500.csv`` (made at, JST): never
    overwrites an earlier export."""
    return f"executions-{span.first}-{span.last}-{made.astimezone(JST):%Y%m%dT%H%M%S}.csv"


@dataclass(frozen=True, slots=True)
class Exported:
    path: Path
    rows: int
    history: History


async def export_range(
    rest: GmoRestClient,
    span: DateRange,
    journal: list[JournalEntry],
    made: datetime,
    directory: Path | None = None,
) -> Exported:
    """Gather every symbol's executions of ``span`` and write them to a private file."""
    known = [r.symbol for r in await rest.get_symbols()]
    history = await gather(rest, known, span, journal)
    folder = directory if directory is not None else exports_dir()

    def write() -> Exported:
        path = private_dir(folder) / file_name(span, made)
        return Exported(path, write_private(history.executions, path), history)

    # the file is written and fsynced off the event loop
    return await asyncio.to_thread(write)

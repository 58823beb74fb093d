"""The CSV layout of the export: one row per execution, UTF-8, a header row, CRLF line ends.

======================  ===========================================================================
column                  value
======================  ===========================================================================
``datetime``            execution time in JST with its offset: ``2026-12-01T09:00:00.123+09:00``
``symbol``              ``BTC`` (spot) or ``BTC_JPY`` (margin), as GMO names it
``side``                ``BUY`` or ``SELL``
``size``                executed size in the base asset (``0.01``)
``price``               execution price, JPY
``fee``                 fee, JPY: positive for taker, negative for a maker rebate
``loss_gain``           realised P&L as GMO reports it (``lossGain``), JPY, before fees; 0 on spot
                        and on opening fills
``order_id``            GMO's order id
``execution_id``        GMO's execution id (unique: each execution appears once)
``settle_type``         ``OPEN`` or ``CLOSE`` (margin; spot fills say ``OPEN``)
``position_id``         the margin position opened or closed (empty on spot)
======================  ===========================================================================

Numbers are plain decimal text with the digits GMO sent (no thousands separators, no rounding;
``-0`` is written ``0``).
Rows are oldest first. A file is written private to the user (mode 0600) and appears whole or
not at all (written beside it, then renamed).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from gmo_tui.exchange.models import Execution
from gmo_tui.market.formatting import JST

__all__ = ["COLUMNS", "row", "write_csv", "write_private"]

COLUMNS = (
    "datetime",
    "symbol",
    "side",
    "size",
    "price",
    "fee",
    "loss_gain",
    "order_id",
    "execution_id",
    "settle_type",
    "position_id",
)


def _num(value: Decimal) -> str:
    """Plain decimal text; a negative zero (a rebate rounded away) is written ``0``."""
    return format(value if value else abs(value), "f")


def row(ex: Execution) -> list[str]:
    """One execution as the CSV's cells (in :data:`COLUMNS` order)."""
    return [
        ex.timestamp.astimezone(JST).isoformat(timespec="milliseconds"),
        ex.symbol,
        ex.side.value,
        _num(ex.size),
        _num(ex.price),
        _num(ex.fee),
        _num(ex.loss_gain),
        str(ex.order_id),
        str(ex.execution_id),
        ex.settle_type.value,
        "" if ex.position_id is None else str(ex.position_id),
    ]


def write_csv(executions: Iterable[Execution], out: TextIO) -> int:
    """Write the header and one row per execution to ``out``; return the number of rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    n = 0
    for ex in executions:
        writer.writerow(row(ex))
        n += 1
    return n


def write_private(executions: Iterable[Execution], path: Path) -> int:
    """Write the CSV to ``path`` (mode 0600), replacing it whole; return the number of rows."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            n = write_csv(executions, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n

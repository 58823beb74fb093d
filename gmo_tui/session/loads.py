"""What the session's loads ask for: the kline dates of a chart, the assets whose transfer
history to fetch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from gmo_tui.exchange import models
from gmo_tui.exchange.enums import KlineInterval
from gmo_tui.market.formatting import gmo_day

HISTORY_ASSETS = 8
"""At most this many crypto assets get their deposit/withdrawal history fetched."""


def kline_dates(interval: KlineInterval, now: datetime) -> list[str]:
    """The ``date`` values to fetch for a chart: the previous and the current day (or year)."""
    day = gmo_day(now)
    if interval.date_format == "YYYYMMDD":
        return [(day - timedelta(days=1)).strftime("%Y%m%d"), day.strftime("%Y%m%d")]
    return [str(day.year - 1), str(day.year)]


def history_assets(
    assets: Iterable[models.Asset], symbol: str, rules: Iterable[str], limit: int = HISTORY_ASSETS
) -> tuple[list[str], int]:
    """Crypto assets whose deposit/withdrawal history to fetch, and how many were left out.

    The current symbol's base asset first, then the assets held (non-zero amount, in the
    order given: the account model lists the largest JPY value first); JPY and anything that
    is not a spot symbol of ``rules`` (when rules are known) are skipped; at most ``limit``."""
    known = {s for s in rules if "_" not in s}
    wanted: list[str] = []
    for name in [symbol.split("_")[0], *(a.symbol for a in assets if a.amount != 0)]:
        if name == "JPY" or name in wanted or (known and name not in known):
            continue
        wanted.append(name)
    return wanted[:limit], max(0, len(wanted) - limit)

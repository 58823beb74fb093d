"""The built-in exchange's listing: trading rules, reference prices, SOK list and release dates.

Every spot and margin symbol of the seed's reference tables. The seed shows the rules of ``BTC``
and ``BTC_JPY`` only; the others are plausible values in the same style (spot fees as the seed's
``BTC``: taker 0.05 %, maker -0.01 %; margin fees 0). ``REFERENCE_PRICES`` are JPY mid prices the
market maker starts from and the engine uses as "the market" before any trade.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from gmo_tui.exchange.models import SymbolRule

D = Decimal

_SPOT_TAKER = D("0.0005")
_SPOT_MAKER = D("-0.0001")
_MARGIN_FEE = D("0")

# symbol: (minOrderSize, maxOrderSize, sizeStep, tickSize, reference price, release date)
_SPOT: dict[str, tuple[str, str, str, str, str, date]] = {
    "BTC": ("0.0001", "5", "0.0001", "1", "15000000", date(2018, 9, 5)),
    "ETH": ("0.01", "100", "0.0001", "1", "500000", date(2019, 1, 30)),
    "BCH": ("0.01", "100", "0.0001", "1", "70000", date(2019, 1, 30)),
    "LTC": ("0.1", "500", "0.01", "1", "15000", date(2019, 1, 30)),
    "XRP": ("1", "50000", "1", "0.001", "90", date(2019, 1, 30)),
    "XEM": ("10", "500000", "1", "0.001", "3", date(2021, 6, 23)),
    "XLM": ("10", "500000", "1", "0.001", "40", date(2021, 8, 18)),
    "BAT": ("10", "500000", "1", "0.001", "30", date(2022, 3, 30)),
    "XTZ": ("1", "50000", "0.1", "0.001", "130", date(2022, 6, 8)),
    "QTUM": ("1", "50000", "0.1", "0.01", "400", date(2022, 3, 30)),
    "ENJ": ("10", "500000", "1", "0.001", "30", date(2022, 6, 8)),
    "DOT": ("1", "50000", "0.1", "0.01", "700", date(2022, 6, 8)),
    "ATOM": ("1", "50000", "0.1", "0.01", "900", date(2022, 6, 8)),
    "MKR": ("0.01", "50", "0.0001", "1", "250000", date(2022, 7, 13)),
    "DAI": ("10", "500000", "1", "0.001", "150", date(2022, 7, 13)),
    "XYM": ("10", "500000", "1", "0.001", "3", date(2021, 10, 20)),
    "MONA": ("1", "50000", "1", "0.001", "40", date(2021, 12, 1)),
    "FCR": ("10", "500000", "1", "0.001", "20", date(2022, 5, 18)),
    "ADA": ("10", "500000", "1", "0.001", "60", date(2022, 7, 13)),
    "LINK": ("1", "50000", "0.1", "0.1", "2000", date(2022, 7, 13)),
    "DOGE": ("10", "500000", "1", "0.001", "20", date(2023, 8, 5)),
    "SOL": ("0.1", "1000", "0.01", "1", "25000", date(2023, 8, 5)),
    "ASTR": ("10", "500000", "1", "0.001", "8", date(2023, 3, 22)),
    "NAC": ("1", "500000", "1", "0.001", "50", date(2024, 12, 13)),
}

_MARGIN: dict[str, tuple[str, str, str, str, str, date]] = {
    "BTC_JPY": ("0.01", "5", "0.01", "1", "15000000", date(2018, 9, 5)),
    "ETH_JPY": ("0.1", "100", "0.1", "1", "500000", date(2019, 1, 30)),
    "BCH_JPY": ("0.1", "100", "0.1", "1", "70000", date(2019, 1, 30)),
    "LTC_JPY": ("1", "500", "1", "1", "15000", date(2019, 1, 30)),
    "XRP_JPY": ("10", "100000", "10", "0.001", "90", date(2019, 1, 30)),
    "DOT_JPY": ("1", "50000", "1", "0.01", "700", date(2024, 4, 13)),
    "ATOM_JPY": ("1", "50000", "1", "0.01", "900", date(2024, 4, 13)),
    "ADA_JPY": ("10", "500000", "10", "0.001", "60", date(2024, 4, 13)),
    "LINK_JPY": ("1", "50000", "1", "0.1", "2000", date(2024, 4, 13)),
    "DOGE_JPY": ("10", "500000", "10", "0.001", "20", date(2024, 4, 13)),
    "SOL_JPY": ("0.1", "1000", "0.1", "1", "25000", date(2024, 4, 13)),
}


def _rule(
    symbol: str, spec: tuple[str, str, str, str, str, date], taker: D, maker: D
) -> SymbolRule:
    min_size, max_size, step, tick, _price, _released = spec
    return SymbolRule(
        symbol=symbol,
        min_order_size=D(min_size),
        max_order_size=D(max_size),
        size_step=D(step),
        tick_size=D(tick),
        taker_fee=taker,
        maker_fee=maker,
    )


SYMBOL_RULES: dict[str, SymbolRule] = {
    **{s: _rule(s, spec, _SPOT_TAKER, _SPOT_MAKER) for s, spec in _SPOT.items()},
    **{s: _rule(s, spec, _MARGIN_FEE, _MARGIN_FEE) for s, spec in _MARGIN.items()},
}
"""Every symbol of the seed, spot first then margin, in the seed's order."""

REFERENCE_PRICES: dict[str, Decimal] = {
    s: D(spec[4]) for s, spec in (*_SPOT.items(), *_MARGIN.items())
}
"""Plausible JPY mid prices per symbol."""

SOK_MARGIN_SYMBOLS: frozenset[str] = frozenset(
    {"BTC_JPY", "DOT_JPY", "ATOM_JPY", "ADA_JPY", "LINK_JPY", "DOGE_JPY", "SOL_JPY"}
)
"""Margin symbols that accept timeInForce SOK (the seed's list); every spot symbol accepts it."""

RELEASE_DATES: dict[str, date] = {s: spec[5] for s, spec in (*_SPOT.items(), *_MARGIN.items())}
"""Release date per symbol (the seed's table; klines with a YYYY date start here)."""

SPOT_SYMBOLS: tuple[str, ...] = tuple(_SPOT)
MARGIN_SYMBOLS: tuple[str, ...] = tuple(_MARGIN)


def is_margin(symbol: str) -> bool:
    """Margin symbols are the ``*_JPY`` pairs."""
    return symbol.endswith("_JPY")


def base_asset(symbol: str) -> str:
    """The crypto asset of a symbol: ``BTC`` for both ``BTC`` and ``BTC_JPY``."""
    return symbol[:-4] if symbol.endswith("_JPY") else symbol

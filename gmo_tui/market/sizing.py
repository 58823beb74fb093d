"""Order sizes: the per-symbol size presets (keys ``1`` ... ``5``) and risk sizing.

* :class:`SizePresets`: five sizes per symbol, by default a 1-2-5 ladder on the symbol's
  minimum order size (``/v1/symbols``), overridden per symbol by the config's ``[sizes]`` table
  (parsed by :func:`parse_sizes_table`), and the active preset of each symbol.
* :func:`risk_size`: the size that loses a given JPY amount when the stop is hit, fees included,
  rounded down to the size step, with its notional and (margin) the margin it uses.

The ``[sizes]`` table (TOML; strings keep the decimals exact, numbers are accepted too)::

    [sizes]
    BTC_JPY = ["0.01", "0.02", "0.05", "0.1", "0.2"]
    ETH = ["0.1", "0.5", "1"]        # up to 5; keys past the list keep the defaults

Decimal only: a TOML float is read back through its shortest repr (``0.1`` -> ``Decimal("0.1")``);
a loader that uses ``tomllib.load(f, parse_float=Decimal)`` hands Decimals directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from gmo_tui.exchange.enums import Side
from gmo_tui.exchange.models import SymbolRule
from gmo_tui.market.rules import is_multiple, round_to_step

__all__ = [
    "DEFAULT_LEVERAGE",
    "DEFAULT_MULTIPLES",
    "PRESET_COUNT",
    "RiskSize",
    "SizePresets",
    "default_presets",
    "parse_sizes_table",
    "risk_size",
]

PRESET_COUNT = 5
DEFAULT_MULTIPLES: tuple[int, ...] = (1, 2, 5, 10, 20)
"""Default presets: these multiples of the symbol's minimum order size."""
DEFAULT_LEVERAGE = Decimal(2)
"""GMO Coin's leverage for crypto margin trading (individual accounts): required margin is the
notional divided by 2 (the built-in exchange uses the same rule)."""

_ZERO = Decimal(0)


# ------------------------------------------------------------------------------ presets


def default_presets(rule: SymbolRule) -> tuple[Decimal, ...]:
    """Five sizes from the rule: 1, 2, 5, 10 and 20 times the minimum, on the step, capped at
    the maximum order size."""
    out: list[Decimal] = []
    for multiple in DEFAULT_MULTIPLES:
        size = round_to_step(rule.min_order_size * multiple, rule.size_step, ROUND_DOWN)
        out.append(min(max(size, rule.min_order_size), rule.max_order_size))
    return tuple(out)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def parse_sizes_table(
    table: Mapping[str, object],
) -> tuple[dict[str, tuple[Decimal, ...]], list[str]]:
    """The config's ``[sizes]`` table -> (symbol -> sizes, problems). Entries with a problem are
    left out (their symbol keeps the defaults) and described in ``problems``; nothing raises."""
    sizes: dict[str, tuple[Decimal, ...]] = {}
    problems: list[str] = []
    for symbol, raw in table.items():
        if not isinstance(raw, list | tuple) or not raw:
            problems.append(f"[sizes] {symbol}: expected a list of 1 to {PRESET_COUNT} sizes")
            continue
        if len(raw) > PRESET_COUNT:
            problems.append(
                f"[sizes] {symbol}: {len(raw)} sizes given, at most {PRESET_COUNT} (keys 1-5)"
            )
            continue
        values = [_decimal(item) for item in raw]
        bad = [
            str(item)
            for item, value in zip(raw, values, strict=True)
            if value is None or value <= 0
        ]
        if bad:
            problems.append(f"[sizes] {symbol}: not a positive number: {', '.join(bad)}")
            continue
        sizes[str(symbol)] = tuple(v for v in values if v is not None)
    return sizes, problems


class SizePresets:
    """The five sizes of each symbol and the active one (index 0..4, key ``1`` is index 0).

    ``rules``: the exchange's symbol rules; ``overrides``: :func:`parse_sizes_table`'s sizes.
    An override that breaks a rule (below the minimum, above the maximum, off the step) is not
    used: that slot keeps its default and :attr:`problems` says why.
    """

    def __init__(
        self,
        rules: Mapping[str, SymbolRule],
        overrides: Mapping[str, tuple[Decimal, ...]] | None = None,
    ) -> None:
        self._rules = rules
        self._sizes: dict[str, tuple[Decimal, ...]] = {}
        self._active: dict[str, int] = {}
        self.problems: list[str] = []
        for symbol, wanted in (overrides or {}).items():
            rule = rules.get(symbol)
            if rule is None:
                self.problems.append(f"[sizes] {symbol}: unknown symbol, ignored")
                continue
            slots = list(default_presets(rule))
            for index, size in enumerate(wanted[:PRESET_COUNT]):
                why = _size_problem(rule, size)
                if why is None:
                    slots[index] = size
                else:
                    self.problems.append(
                        f"[sizes] {symbol} #{index + 1}: {size} {why}; using {slots[index]} instead"
                    )
            self._sizes[symbol] = tuple(slots)

    def sizes(self, symbol: str) -> tuple[Decimal, ...]:
        """The five sizes of ``symbol`` (defaults unless configured); () for an unknown symbol."""
        found = self._sizes.get(symbol)
        if found is not None:
            return found
        rule = self._rules.get(symbol)
        return () if rule is None else default_presets(rule)

    def active_index(self, symbol: str) -> int:
        return self._active.get(symbol, 0)

    def active(self, symbol: str) -> Decimal | None:
        """The active size of ``symbol`` (``None`` for an unknown symbol)."""
        sizes = self.sizes(symbol)
        return sizes[self.active_index(symbol)] if sizes else None

    def select(self, symbol: str, key: int) -> Decimal | None:
        """Key ``1`` ... ``5``: make that preset active and return its size (``None`` and no
        change for a key out of range or an unknown symbol)."""
        sizes = self.sizes(symbol)
        if not sizes or not 1 <= key <= len(sizes):
            return None
        self._active[symbol] = key - 1
        return sizes[key - 1]


def _size_problem(rule: SymbolRule, size: Decimal) -> str | None:
    if size < rule.min_order_size:
        return f"is below the minimum order size {rule.min_order_size}"
    if size > rule.max_order_size:
        return f"is above the maximum order size {rule.max_order_size}"
    if not is_multiple(size, rule.size_step):
        return f"is not a multiple of the size step {rule.size_step}"
    return None


# ------------------------------------------------------------------------------ risk sizing


@dataclass(frozen=True, slots=True)
class RiskSize:
    """What :func:`risk_size` found. ``size`` is ``None`` when no valid size fits (``reason``)."""

    size: Decimal | None
    loss_per_unit: Decimal
    """Price distance to the stop plus the entry's and the stop's fees, per unit of size."""
    risk: Decimal
    """What ``size`` loses at the stop, fees included (<= the amount at risk)."""
    notional: Decimal
    """``size`` * entry price."""
    fees: Decimal
    """The entry's and the stop's fees at ``size`` (included in ``risk``)."""
    margin: Decimal | None
    """On margin symbols: the margin the position uses (notional / leverage); else ``None``."""
    reason: str | None = None
    capped: bool = False
    """True when the size was cut to the symbol's maximum order size."""


def risk_size(
    rule: SymbolRule,
    side: Side,
    entry: Decimal,
    stop: Decimal,
    risk_jpy: Decimal,
    *,
    entry_fee_rate: Decimal | None = None,
    leverage: Decimal = DEFAULT_LEVERAGE,
) -> RiskSize:
    """The largest size on the step whose loss at ``stop`` is at most ``risk_jpy``.

    Loss per unit = |entry - stop| + entry * entry_fee_rate + stop * taker_fee (the stop leg is
    a taker; ``entry_fee_rate`` defaults to the taker fee too, pass ``rule.maker_fee`` for a
    resting entry). A negative rate (a maker rebate) counts as 0: the rebate is not spent
    before it is earned. A BUY needs its stop below the entry, a SELL above.
    """

    def refuse(reason: str) -> RiskSize:
        return RiskSize(None, _ZERO, _ZERO, _ZERO, _ZERO, None, reason)

    if risk_jpy <= 0:
        return refuse("the amount at risk must be positive")
    if entry <= 0 or stop <= 0:
        return refuse("prices must be positive")
    if side is Side.BUY and stop >= entry:
        return refuse("a BUY's stop must be below its entry")
    if side is Side.SELL and stop <= entry:
        return refuse("a SELL's stop must be above its entry")
    entry_rate = max(rule.taker_fee if entry_fee_rate is None else entry_fee_rate, _ZERO)
    stop_rate = max(rule.taker_fee, _ZERO)
    per_unit = abs(entry - stop) + entry * entry_rate + stop * stop_rate
    size = round_to_step(risk_jpy / per_unit, rule.size_step, ROUND_DOWN)
    capped = size > rule.max_order_size
    if capped:
        size = rule.max_order_size
    if size < rule.min_order_size:
        least = rule.min_order_size * per_unit
        return RiskSize(
            None,
            per_unit,
            _ZERO,
            _ZERO,
            _ZERO,
            None,
            f"{risk_jpy} JPY is below the risk of the minimum size {rule.min_order_size} "
            f"({least} JPY)",
        )
    notional = size * entry
    fees = size * (entry * entry_rate + stop * stop_rate)
    margin = notional / leverage if rule.is_margin else None
    return RiskSize(size, per_unit, size * per_unit, notional, fees, margin, None, capped)

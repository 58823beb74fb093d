"""Fat-finger protection: pre-trade checks run before any order reaches the network.

:func:`check_order` looks at an :class:`~gmo_tui.market.intent.OrderIntent` with the symbol's
rule, the current :class:`~gmo_tui.market.book.Book` and the user's :class:`SafetyLimits`, and
returns a :class:`CheckResult` of :class:`Finding` s:

* ``HARD``: refuse the order (never send it);
* ``SOFT``: send only after the user explicitly confirms, shown the finding's numbers.

Checks, in order: the kill switch (new orders halted; cancels never pass through here and stay
allowed); price and size precision (tick, step, decimals) and the exchange's min/max size; the
user's per-symbol max size; the price collar against the touch (buys against the best ask,
sells against the best bid; in % and, if configured, in ticks; an *aggressive* price (buy above
the ask, sell below the bid) is SOFT beyond the soft level and HARD beyond the hard level; a
*passive* price (and any STOP trigger price) further than the hard level from the touch is only
SOFT, since it merely rests);
the notional in JPY (new orders only: a close order reduces risk and is never blocked by
notional); and for MARKET orders, a fresh, sane book deep enough for the size with a slippage
estimate (VWAP of the walk versus the touch) under the cap.

A limit or stop order with no fresh, sane book to compare against gets a SOFT finding (the
price cannot be checked); a MARKET order in that case is HARD-refused.

``now`` is float seconds on the same clock as the book's ``received_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from gmo_tui.exchange.enums import ExecutionType, Side
from gmo_tui.exchange.models import SymbolRule
from gmo_tui.i18n import _
from gmo_tui.market.book import Book
from gmo_tui.market.intent import OrderIntent
from gmo_tui.market.rules import decimals, fmt, is_multiple

__all__ = [
    "CheckResult",
    "Finding",
    "KillSwitch",
    "OrderIntent",
    "SafetyLimits",
    "Severity",
    "check_order",
    "walk_book",
]

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class Severity(StrEnum):
    HARD = "HARD"
    """Refuse: the order is never sent."""
    SOFT = "SOFT"
    """Needs the user's explicit confirmation, showing the numbers."""


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    """Stable identifier, e.g. ``"collar_pct"``, ``"max_notional"``, ``"kill_switch"``."""
    severity: Severity
    message: str
    """A human sentence with the numbers, e.g. "price 16,500,000 is 10.0% above ..."."""


@dataclass(frozen=True, slots=True)
class SafetyLimits:
    """The user's fat-finger limits (from config). Percentages are plain numbers: 1 = 1%."""

    soft_collar_pct: Decimal = Decimal(1)
    """An aggressive price more than this % beyond the touch needs confirmation."""
    hard_collar_pct: Decimal = Decimal(5)
    """An aggressive price more than this % beyond the touch is refused; a passive price this
    far from the touch needs confirmation."""
    soft_collar_ticks: int | None = None
    """As ``soft_collar_pct`` but counted in ticks of the symbol; ``None`` disables it."""
    hard_collar_ticks: int | None = None
    """As ``hard_collar_pct`` but counted in ticks; ``None`` disables it."""
    soft_max_notional: Decimal = Decimal(5_000_000)
    """A new order worth more than this many JPY (price x size) needs confirmation."""
    hard_max_notional: Decimal = Decimal(20_000_000)
    """A new order worth more than this many JPY is refused."""
    max_size: Mapping[str, Decimal] = field(default_factory=dict)
    """Per-symbol size cap (below the exchange's own maximum); sizes above it are refused."""
    soft_slippage_pct: Decimal = Decimal("0.2")
    """A MARKET order whose estimated VWAP is this % worse than the touch needs confirmation."""
    max_slippage_pct: Decimal = Decimal("0.5")
    """A MARKET order whose estimated VWAP is this % worse than the touch is refused."""
    max_book_age: float = 5.0
    """Seconds after which the book no longer counts as a price reference."""


class KillSwitch:
    """Halts new orders while engaged. Cancels are never checked, so they stay allowed."""

    def __init__(self, engaged: bool = False, reason: str = "") -> None:
        self.engaged = engaged
        self.reason = reason

    def engage(self, reason: str = "") -> None:
        self.engaged = True
        self.reason = reason or _("engaged by the user")

    def release(self) -> None:
        self.engaged = False
        self.reason = ""

    def __bool__(self) -> bool:
        return self.engaged


@dataclass(frozen=True, slots=True)
class CheckResult:
    findings: tuple[Finding, ...] = ()
    reference: Decimal | None = None
    """The touch the price was compared with (best ask for buys, best bid for sells)."""
    notional: Decimal | None = None
    """Estimated JPY value of the order."""
    vwap: Decimal | None = None
    """MARKET orders: the estimated average fill price from walking the book."""
    slippage_pct: Decimal | None = None
    """MARKET orders: how much worse the VWAP is than the touch, in %."""

    @property
    def hard(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.HARD)

    @property
    def soft(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.SOFT)

    @property
    def refused(self) -> bool:
        return any(f.severity is Severity.HARD for f in self.findings)

    @property
    def needs_confirmation(self) -> bool:
        return not self.refused and bool(self.findings)

    @property
    def ok(self) -> bool:
        """Nothing found: send without asking."""
        return not self.findings

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]


def walk_book(book: Book, side: Side, size: Decimal) -> tuple[Decimal, Decimal]:
    """Walk the opposite side for a MARKET order: ``(filled size, VWAP)`` (VWAP 0 if none)."""
    prices, sizes = (
        (book.ask_prices, book.ask_sizes) if side is Side.BUY else (book.bid_prices, book.bid_sizes)
    )
    left = size
    cost = _ZERO
    for price, avail in zip(prices, sizes, strict=False):
        take = avail if avail < left else left
        cost += take * price
        left -= take
        if left <= 0:
            break
    filled = size - left
    return filled, (cost / filled if filled > 0 else _ZERO)


def _pct(x: Decimal) -> str:
    return f"{x.quantize(Decimal('0.1'))}%"


def _lim(x: Decimal) -> str:
    n = x.normalize()
    return f"{n:f}%"


def check_order(
    order: OrderIntent,
    rule: SymbolRule,
    book: Book | None,
    limits: SafetyLimits,
    now: float,
    *,
    kill_switch: KillSwitch | bool | None = None,
) -> CheckResult:
    """Run every pre-trade check; see the module docstring."""
    findings: list[Finding] = []

    def hard(code: str, message: str) -> None:
        findings.append(Finding(code, Severity.HARD, message))

    def soft(code: str, message: str) -> None:
        findings.append(Finding(code, Severity.SOFT, message))

    pdec = decimals(rule.tick_size)
    sdec = decimals(rule.size_step)

    def p(x: Decimal) -> str:
        return fmt(x, max(pdec, _places(x)))

    def q(x: Decimal) -> str:
        return fmt(x, max(sdec, _places(x)), grouping=False)

    if kill_switch:
        reason = (kill_switch.reason if isinstance(kill_switch, KillSwitch) else "") or _("engaged")
        hard(
            "kill_switch",
            _("kill switch is on ({reason}): new orders are halted; cancels still work").format(
                reason=reason
            ),
        )

    if order.symbol != rule.symbol:
        hard(
            "symbol",
            _("order symbol {symbol} does not match the rule for {rule_symbol}").format(
                symbol=order.symbol, rule_symbol=rule.symbol
            ),
        )

    # ---------------------------------------------------------------- size
    size = order.size
    if not size.is_finite() or size <= 0:
        hard("size_positive", _("size {size} must be greater than 0").format(size=size))
    else:
        if not is_multiple(size, rule.size_step):
            hard(
                "size_step",
                _("size {size} is not a multiple of the size step {step}").format(
                    size=q(size), step=q(rule.size_step)
                ),
            )
        if size < rule.min_order_size:
            hard(
                "min_size",
                _("size {size} is below the minimum order size {minimum}").format(
                    size=q(size), minimum=q(rule.min_order_size)
                ),
            )
        if size > rule.max_order_size:
            hard(
                "exchange_max_size",
                _("size {size} is above the exchange's maximum order size {maximum}").format(
                    size=q(size), maximum=q(rule.max_order_size)
                ),
            )
        cap = limits.max_size.get(order.symbol)
        if cap is not None and size > cap:
            hard(
                "max_size",
                _("size {size} is above your maximum size {maximum} for {symbol}").format(
                    size=q(size), maximum=q(cap), symbol=order.symbol
                ),
            )

    # ---------------------------------------------------------------- price precision
    price = order.price
    if price is not None:
        if not price.is_finite() or price <= 0:
            hard("price_positive", _("price {price} must be greater than 0").format(price=price))
            price = None
        elif not is_multiple(price, rule.tick_size):
            hard(
                "tick",
                _("price {price} is not a multiple of the tick size {tick}").format(
                    price=p(price), tick=p(rule.tick_size)
                ),
            )
    lc = order.losscut_price
    if lc is not None and lc != 0 and (lc < 0 or not is_multiple(lc, rule.tick_size)):
        hard(
            "losscut_tick",
            _("losscut price {price} is not a positive multiple of the tick size {tick}").format(
                price=lc, tick=p(rule.tick_size)
            ),
        )

    # ---------------------------------------------------------------- reference
    ref = book.reference(now, limits.max_book_age) if book is not None else None
    buy = order.side is Side.BUY
    touch: Decimal | None = None
    if ref is not None:
        touch = ref.ask if buy else ref.bid
    touch_name = _("best ask") if buy else _("best bid")

    notional: Decimal | None = None
    vwap: Decimal | None = None
    slip: Decimal | None = None

    if order.execution_type is ExecutionType.MARKET:
        if ref is None or book is None:
            hard("market_no_book", _no_book_reason(book, now, limits, None))
        elif size > 0:
            filled, vwap = walk_book(book, order.side, size)
            if filled < size:
                hard(
                    "market_depth",
                    (
                        _("the book shows only {filled} on the ask side, less than the size {size}")
                        if buy
                        else _(
                            "the book shows only {filled} on the bid side, less than the size {size}"
                        )
                    ).format(filled=q(filled), size=q(size)),
                )
            if filled > 0 and touch is not None:
                worse = (vwap - touch) if buy else (touch - vwap)
                slip = worse / touch * _HUNDRED
                notional = vwap * size
                msg = _(
                    "estimated average price {vwap} is {pct} worse than the {touch_name} {touch}"
                ).format(vwap=p(vwap), pct=_pct(slip), touch_name=touch_name, touch=p(touch))
                if slip > limits.max_slippage_pct:
                    hard("slippage", _hard_limit(msg, _lim(limits.max_slippage_pct)))
                elif slip > limits.soft_slippage_pct:
                    soft("slippage", _confirm_above(msg, _lim(limits.soft_slippage_pct)))
    elif price is not None:
        notional = price * size
        if touch is None:
            soft("no_reference", _no_book_reason(book, now, limits, p(price)))
        else:
            _collar(order, price, touch, touch_name, rule, limits, p, soft, hard)

    # ---------------------------------------------------------------- notional (new orders)
    if notional is not None and not order.is_close:
        if notional > limits.hard_max_notional:
            hard(
                "max_notional",
                _("order value {value} JPY is above the hard limit {limit} JPY").format(
                    value=fmt(notional, 0), limit=fmt(limits.hard_max_notional, 0)
                ),
            )
        elif notional > limits.soft_max_notional:
            soft(
                "max_notional",
                _("order value {value} JPY is above {limit} JPY").format(
                    value=fmt(notional, 0), limit=fmt(limits.soft_max_notional, 0)
                ),
            )

    return CheckResult(tuple(findings), touch, notional, vwap, slip)


def _places(x: Decimal) -> int:
    exponent = x.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _hard_limit(message: str, limit: str) -> str:
    return _("{message} (hard limit {limit})").format(message=message, limit=limit)


def _confirm_above(message: str, limit: str) -> str:
    return _("{message} (confirm above {limit})").format(message=message, limit=limit)


def _no_book_reason(book: Book | None, now: float, limits: SafetyLimits, price: str | None) -> str:
    """Why there is no price reference; ``price`` is the limit/stop price, None for MARKET."""
    if book is None or book.received_at is None:
        why = _("there is no order book")
    elif not book.sane:
        why = _("the order book is not usable ({issue})").format(issue=book.issue)
    else:
        age = book.age(now) or 0.0
        why = _("the order book is {age} s old (limit {limit} s)").format(
            age=f"{age:.1f}", limit=f"{limits.max_book_age:g}"
        )
    if price is None:
        return _("a MARKET order needs a fresh, sane order book: {why}").format(why=why)
    return _("price {price} cannot be checked against the market: {why}").format(
        price=price, why=why
    )


def _collar(
    order: OrderIntent,
    price: Decimal,
    touch: Decimal,
    touch_name: str,
    rule: SymbolRule,
    limits: SafetyLimits,
    p: Callable[[Decimal], str],
    soft: Callable[[str, str], None],
    hard: Callable[[str, str], None],
) -> None:
    buy = order.side is Side.BUY
    diff = price - touch
    # A stop order only triggers later; it is judged like a passive (resting) price.
    aggressive = order.execution_type is ExecutionType.LIMIT and (diff > 0 if buy else diff < 0)
    dev_pct = abs(diff) / touch * _HUNDRED
    ticks = abs(diff) / rule.tick_size
    numbers = {"price": p(price), "touch_name": touch_name, "touch": p(touch)}
    base = (
        _("price {price} is {pct} above the {touch_name} {touch}")
        if diff > 0
        else _("price {price} is {pct} below the {touch_name} {touch}")
    ).format(pct=_pct(dev_pct), **numbers)
    tbase = (
        _("price {price} is {ticks} ticks above the {touch_name} {touch}")
        if diff > 0
        else _("price {price} is {ticks} ticks below the {touch_name} {touch}")
    ).format(ticks=fmt(ticks, 0), **numbers)
    if aggressive:
        if dev_pct > limits.hard_collar_pct:
            hard("collar_pct", _hard_limit(base, _lim(limits.hard_collar_pct)))
        elif dev_pct > limits.soft_collar_pct:
            soft("collar_pct", _confirm_above(base, _lim(limits.soft_collar_pct)))
        if limits.hard_collar_ticks is not None and ticks > limits.hard_collar_ticks:
            hard("collar_ticks", _hard_limit(tbase, _ticks(limits.hard_collar_ticks)))
        elif limits.soft_collar_ticks is not None and ticks > limits.soft_collar_ticks:
            soft("collar_ticks", _confirm_above(tbase, _ticks(limits.soft_collar_ticks)))
    else:
        if dev_pct > limits.hard_collar_pct:
            soft(
                "collar_pct",
                _confirm_above(_far(base), _lim(limits.hard_collar_pct)),
            )
        elif limits.hard_collar_ticks is not None and ticks > limits.hard_collar_ticks:
            soft(
                "collar_ticks",
                _confirm_above(_far(tbase), _ticks(limits.hard_collar_ticks)),
            )


def _ticks(count: int) -> str:
    return _("{count} ticks").format(count=count)


def _far(message: str) -> str:
    return _("{message}, far from the market").format(message=message)

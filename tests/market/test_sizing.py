"""Size presets and risk sizing (gmo_tui.market.sizing), on the built-in exchange's rules.

The expected numbers are worked out by hand in the comments (Decimal arithmetic, no floats).
"""

from __future__ import annotations

from decimal import Decimal

from gmo_tui.exchange.enums import Side
from gmo_tui.market.sizing import SizePresets, default_presets, parse_sizes_table, risk_size
from gmo_tui.sim.symbols import SYMBOL_RULES

D = Decimal
BTC = SYMBOL_RULES["BTC"]  # spot: min 0.0001, step 0.0001, taker 0.0005, maker -0.0001
BTC_JPY = SYMBOL_RULES["BTC_JPY"]  # margin: min 0.01, step 0.01, max 5, fees 0


# ------------------------------------------------------------------------------ presets


def test_default_presets_are_multiples_of_the_minimum_on_the_step() -> None:
    assert default_presets(BTC_JPY) == (D("0.01"), D("0.02"), D("0.05"), D("0.1"), D("0.2"))
    assert default_presets(BTC) == (
        D("0.0001"),
        D("0.0002"),
        D("0.0005"),
        D("0.001"),
        D("0.002"),
    )
    for rule in SYMBOL_RULES.values():
        sizes = default_presets(rule)
        assert len(sizes) == 5
        assert all(rule.min_order_size <= s <= rule.max_order_size for s in sizes)
        assert all(s % rule.size_step == 0 for s in sizes)
        assert list(sizes) == sorted(sizes)


def test_parse_sizes_table_keeps_decimals_exact_and_reports_bad_entries() -> None:
    sizes, problems = parse_sizes_table(
        {
            "BTC_JPY": [
                "0.03",
                0.1,
                1,
            ],  # a TOML float 0.1 -> Decimal("0.1"), not 0.1000000000000000055
            "ETH": "0.1",
            "XRP": [1, 2, 3, 4, 5, 6],
            "BTC": ["abc", "0.001"],
            "SOL": ["-1"],
        }
    )
    assert sizes == {"BTC_JPY": (D("0.03"), D("0.1"), D("1"))}
    assert all(isinstance(v, Decimal) for v in sizes["BTC_JPY"])
    assert len(problems) == 4
    joined = "\n".join(problems)
    for symbol in ("ETH", "XRP", "BTC", "SOL"):
        assert f"[sizes] {symbol}:" in joined
    assert "abc" in joined and "at most 5" in joined


def test_presets_override_select_and_rule_problems() -> None:
    overrides, problems = parse_sizes_table(
        {"BTC_JPY": ["0.005", "0.015", "6", "0.5"], "NOPE_JPY": ["1"]}
    )
    assert problems == []
    presets = SizePresets(SYMBOL_RULES, overrides)
    # below the minimum, off the step, above the maximum: defaults kept; 0.5 used; #5 default
    assert presets.sizes("BTC_JPY") == (D("0.01"), D("0.02"), D("0.05"), D("0.5"), D("0.2"))
    assert len(presets.problems) == 4
    text = "\n".join(presets.problems)
    assert "minimum" in text and "step" in text and "maximum" in text and "NOPE_JPY" in text
    # active preset: key 1 by default, per symbol
    assert presets.active("BTC_JPY") == D("0.01")
    assert presets.select("BTC_JPY", 4) == D("0.5")
    assert presets.active("BTC_JPY") == D("0.5")
    assert presets.active("BTC") == D("0.0001")  # another symbol keeps its own
    assert presets.select("BTC_JPY", 6) is None  # out of range: no change
    assert presets.select("BTC_JPY", 0) is None
    assert presets.active("BTC_JPY") == D("0.5")
    assert presets.sizes("UNKNOWN") == () and presets.active("UNKNOWN") is None


# ------------------------------------------------------------------------------ risk sizing


def test_risk_size_spot_buy_includes_entry_and_stop_taker_fees() -> None:
    # per unit: 100,000 distance + 10,000,000 * 0.0005 (5,000) + 9,900,000 * 0.0005 (4,950)
    # = 109,950; 10,000 / 109,950 = 0.09095... -> 0.0909 (step 0.0001, rounded down)
    result = risk_size(BTC, Side.BUY, D("10000000"), D("9900000"), D("10000"))
    assert result.reason is None
    assert result.loss_per_unit == D("109950")
    assert result.size == D("0.0909")
    assert result.risk == D("9994.4550")  # 0.0909 * 109,950 <= 10,000
    assert result.notional == D("909000")  # 0.0909 * 10,000,000
    assert result.fees == D("904.4550")  # 0.0909 * 9,950
    assert result.margin is None  # spot


def test_risk_size_with_a_maker_entry_does_not_count_the_rebate() -> None:
    # maker rate -0.0001 counts as 0: per unit 100,000 + 4,950 = 104,950;
    # 10,000 / 104,950 = 0.095283... -> 0.0952
    result = risk_size(
        BTC, Side.BUY, D("10000000"), D("9900000"), D("10000"), entry_fee_rate=BTC.maker_fee
    )
    assert result.loss_per_unit == D("104950")
    assert result.size == D("0.0952")
    assert result.risk == D("9991.2400")


def test_risk_size_margin_sell_margin_and_rounding_down() -> None:
    # margin fees 0: per unit 150,000; 30,000 / 150,000 = 0.2 exactly
    exact = risk_size(BTC_JPY, Side.SELL, D("15000000"), D("15150000"), D("30000"))
    assert exact.size == D("0.2")
    assert exact.notional == D("3000000")
    assert exact.margin == D("1500000")  # notional / leverage 2
    assert exact.risk == D("30000")
    # one yen less: 0.19999... -> 0.19 (never more risk than asked)
    less = risk_size(BTC_JPY, Side.SELL, D("15000000"), D("15150000"), D("29999"))
    assert less.size == D("0.19")
    assert less.risk == D("28500") and less.margin == D("1425000")


def test_risk_size_refusals_and_cap() -> None:
    wrong = risk_size(BTC_JPY, Side.BUY, D("15000000"), D("15100000"), D("1000"))
    assert wrong.size is None and "below its entry" in (wrong.reason or "")
    wrong = risk_size(BTC_JPY, Side.SELL, D("15000000"), D("14900000"), D("1000"))
    assert wrong.size is None and "above its entry" in (wrong.reason or "")
    assert risk_size(BTC_JPY, Side.BUY, D("15000000"), D("14900000"), D("0")).size is None
    # 1,000 / 100,000 = 0.01 is the minimum exactly; 999 is not enough for it (1,000 JPY)
    assert risk_size(BTC_JPY, Side.BUY, D("15000000"), D("14900000"), D("1000")).size == D("0.01")
    small = risk_size(BTC_JPY, Side.BUY, D("15000000"), D("14900000"), D("999"))
    assert small.size is None and "1000" in (small.reason or "") and "0.01" in (small.reason or "")
    # 10,000,000 / 100,000 = 100 > max 5: capped, and said so
    big = risk_size(BTC_JPY, Side.BUY, D("15000000"), D("14900000"), D("10000000"))
    assert big.size == D("5") and big.capped and big.risk == D("500000")

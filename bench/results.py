"""Render bench/RESULTS.md from the JSON documents the benchmarks write."""

from __future__ import annotations

from typing import Any


def _f(value: Any, places: int = 1) -> str:
    if isinstance(value, int | float):
        return f"{value:,.{places}f}"
    return str(value)


def _mmm(d: dict[str, Any], places: int = 1) -> str:
    return f"{_f(d.get('median'), places)} (min {_f(d.get('min'), places)}, max {_f(d.get('max'), places)})"


def _ok(cond: bool) -> str:
    return "meets" if cond else "**misses**"


def _ingest(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    s = d["stream"]
    ratio = d["ratio_of_medians"]
    out += [
        "## 1. Ingest (decode + apply to the state models) vs pybotters",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        f"Stream: {s['frames']:,} frames ({s['bytes']:,} bytes; {s['by_channel']}) = "
        f"{s['seconds_of_market']:.0f} s of busy market for BTC, ETH, XRP, seed {s['seed']}, "
        f"sha256 {s['sha256_16']}…",
        "",
        "| | messages/s (CPU time), median (min, max) |",
        "|---|---|",
        f"| gmo-tui (msgspec -> Books/Tapes/Candles/Watchlist) | {_mmm(d['gmo_tui_msgs_per_s'], 0)} |",
        f"| pybotters GMOCoinDataStore (json.loads -> onmessage) | {_mmm(d['pybotters_msgs_per_s'], 0)} |",
        f"| ratio per repetition | {_mmm(d['ratio_per_rep'], 2)} |",
        "",
        f"Ratio of medians **{ratio:.2f}x** (target >= 5x: {_ok(ratio >= 5)}).",
        "",
    ]
    return out


def _latency(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    b, st = d["busy"], d["stress"]
    bt, bb = b["trade_to_tape"], b["book_to_ladder"]
    out += [
        f"## 2. Tick-to-screen latency ({d.get('terminal', '120x40 pty')})",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        "| load | probe | n (missed) | p50 ms | p90 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for load, ph in (("busy", b), ("stress", st)):
        for key, label in (
            ("trade_to_tape", "trade -> tape"),
            ("book_to_ladder", "book -> ladder"),
        ):
            x = ph[key]
            out.append(
                f"| {load} | {label} | {x['n']} ({x['missed']}) | {x['p50_ms']} | "
                f"{x['p90_ms']} | {x['p99_ms']} | {x['max_ms']} |"
            )
    out += [
        "",
        f"Busy target p50 <= 16.7 ms: {_ok(bt['p50_ms'] <= 16.7)} (trades), "
        f"{_ok(bb['p50_ms'] <= 16.7)} (books); p99 <= 33 ms: {_ok(bt['p99_ms'] <= 33)} "
        f"(trades, by {max(0, bt['p99_ms'] - 33):.1f} ms), {_ok(bb['p99_ms'] <= 33)} "
        f"(books, by {max(0, bb['p99_ms'] - 33):.1f} ms). App CPU during the busy probes: "
        f"{b['app_cpu_percent_during']} %.",
        "",
        f"Stress over {st['minutes']} min, per 10-s window (t, trade p50, book p50, trade p99,"
        " app CPU %):",
        "",
        "| t s | trade p50 ms | book p50 ms | trade p99 ms | CPU % |",
        "|---|---|---|---|---|",
    ]
    for w in st["windows"]:
        out.append(
            f"| {w['t_s']} | {w['trade_p50_ms']} | {w['book_p50_ms']} | {w['trade_p99_ms']} |"
            f" {w['cpu_percent']} |"
        )
    out += [
        "",
        f"Growth of trade p50, last window - first: {st['growth_trade_p50_ms']} ms.",
        "",
    ]
    return out


def _cpu(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    out += [
        f"## 3. CPU of the app process (% of one core, {d.get('terminal', '120x40 pty')})",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        "| load | app CPU %, median (min, max) | target | exchange process CPU % |",
        "|---|---|---|---|",
        f"| idle | {_mmm(d['idle'], 2)} | <= 1 ({_ok(d['idle']['median'] <= 1)}) | - |",
        f"| busy | {_mmm(d['busy'])} | <= 10 ({_ok(d['busy']['median'] <= 10)}) | "
        f"{_f(d.get('exchange_cpu_percent_busy'))} |",
        f"| stress | {_mmm(d['stress'])} | - | {_f(d.get('exchange_cpu_percent_stress'))} |",
        "",
    ]
    return out


def _termbytes(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    one = d["one_row_change_bytes"]
    first = d.get("one_row_first_frame_bytes", one)
    out += [
        f"## 4. Terminal bytes ({d.get('terminal', '120x40 pty')})",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        f"* Busy: **{d['busy_bytes_per_s']:,} bytes/s** written to the terminal ({d.get('terminal', '120x40 pty')}).",
        f"* One ladder row changed (frozen market, bid level {d['one_row_level_index']}): "
        f"the paint that answers it **{_mmm(first, 0)} bytes** (target <= 300: "
        f"{_ok(first['median'] <= 300)}); everything within the settle window "
        f"{_mmm(one, 0)} bytes after subtracting a quiet window (raw "
        f"{_mmm(d['one_row_change_bytes_raw'], 0)}; quiet {_mmm(d['quiet_window_bytes'], 0)})"
        ", which includes the status bar's once-a-second feed-latency figure.",
        "",
    ]
    return out


def _coldstart(docs: dict[str, dict[str, Any]], labels: list[str]) -> list[str]:
    found = [
        (label, docs[f"coldstart@{label}"]) for label in labels if f"coldstart@{label}" in docs
    ]
    out = ["## 5. Cold start", ""]
    for label, d in found:
        out += [f"* {label}: `{_cmd(d)}` at {d['machine']['date']}, load average {_load(d)}"]
    out += [
        "",
        "| version | `python -c pass` s | `gmo-tui --demo` to the first book s | beyond Python s |",
        "|---|---|---|---|",
    ]
    for label, d in found:
        beyond = d["beyond_python_s"]
        out.append(
            f"| {label} | {_mmm(d['python_c_pass_s'], 3)} | {_mmm(d['demo_first_book_s'], 3)} | "
            f"**{beyond}** ({_ok(beyond is not None and beyond <= 1.0)} the 1.0 s target) |"
        )
    out.append("")
    return out


def _soak(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    out += [
        f"## 6. Soak (stress load, {d.get('terminal') or str(d.get('size', '120x40')) + ' pty'})",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        f"{d['minutes']} min at 50 books/s, 100 trades/s, 10 tickers/s "
        f"({d['frames_sent_by_exchange']} frames sent). RSS after {d['warmup_s']:.0f} s "
        f"warm-up {d['rss_at_warmup_mb']} MB, final {d['rss_final_mb']} MB, range "
        f"{d['rss_min_mb']}-{d['rss_max_mb']} MB: max deviation "
        f"**{d['max_deviation_percent']} %** (target within 5 %: "
        f"{_ok(d['max_deviation_percent'] <= 5)}).",
        "",
        "| t s | RSS MB | CPU % | trade latency ms |",
        "|---|---|---|---|",
    ]
    samples = d["samples"]
    step = max(1, len(samples) // 12)
    for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
        out.append(f"| {s['t_s']} | {s['rss_mb']} | {s['cpu_percent']} | {s['trade_latency_ms']} |")
    out.append("")
    return out


def _rate_burst(d: dict[str, Any]) -> list[str]:
    out: list[str] = []
    pct = d["percent_of_exchange_max"]
    out += [
        "## 7. Rate limits: a burst of 200 private requests (issue 5, item 10)",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        f"{d['burst']}, {d['runs']} runs against the exchange process; the exchange's "
        f"minimum for 100 requests of one budget is {d['exchange_minimum_s']} s. "
        f"Makespans {', '.join(f'{x:.2f}' for x in d['makespan_s'])} s: "
        f"**{pct['median']} %** of the exchange's maximum throughput (min {pct['min']}, "
        f"max {pct['max']}; target >= 90 %: {_ok(pct['min'] >= 90)}). ERR-5003: "
        f"**{d['err_5003_total']}**; orders placed {d['orders_placed']}, on the exchange "
        f"{d['orders_on_exchange']}.",
        "",
    ]
    return out


SIDE_ROWS: list[tuple[str, str, tuple[str, ...], str]] = [
    # (label, bench, path in its JSON document, target)
    ("app CPU % idle", "cpu", ("idle", "median"), "<= 1"),
    ("app CPU % busy", "cpu", ("busy", "median"), "<= 10"),
    ("app CPU % stress", "cpu", ("stress", "median"), "<= 20"),
    ("terminal output busy, KB/s", "termbytes", ("busy_bytes_per_s",), "<= 150 at 200x50"),
    (
        "one ladder row, bytes (first paint)",
        "termbytes",
        ("one_row_first_frame_bytes", "median"),
        "<= 300",
    ),
    ("busy trade -> tape p50 ms", "latency", ("busy", "trade_to_tape", "p50_ms"), "<= 16.7"),
    ("busy trade -> tape p99 ms", "latency", ("busy", "trade_to_tape", "p99_ms"), "<= 33"),
    ("busy book -> ladder p50 ms", "latency", ("busy", "book_to_ladder", "p50_ms"), "<= 16.7"),
    ("busy book -> ladder p99 ms", "latency", ("busy", "book_to_ladder", "p99_ms"), "<= 33"),
    ("stress trade -> tape p99 ms", "latency", ("stress", "trade_to_tape", "p99_ms"), "-"),
    ("stress book -> ladder p99 ms", "latency", ("stress", "book_to_ladder", "p99_ms"), "-"),
    ("stress growth of trade p50, ms", "latency", ("stress", "growth_trade_p50_ms"), "~0"),
    ("frames/s painted, busy", "count_renders", ("frames_per_s",), "-"),
    ("lines rendered/s, busy", "count_renders", ("lines_per_s",), "-"),
    ("soak RSS max deviation %", "soak", ("max_deviation_percent",), "<= 5"),
    *(
        row
        for link, bits, target in (
            ("1mbit", "1 Mbit/s", "<= 500"),
            ("256kbit", "256 kbit/s", "<= 2000"),
            ("1mbit-ssh", "1 Mbit/s over ssh", "<= 500"),
            ("256kbit-ssh", "256 kbit/s over ssh", "<= 2000"),
        )
        for row in (
            (f"slow link {bits}: p50 ms", "slowlink", ("links", link, "p50_ms"), "-"),
            (f"slow link {bits}: p99 ms", "slowlink", ("links", link, "p99_ms"), target),
            (
                f"slow link {bits}: last - first window p50 ms",
                "slowlink",
                ("links", link, "growth_p50_ms"),
                "~0",
            ),
            (f"slow link {bits}: probes missed", "slowlink", ("links", link, "missed"), "-"),
        )
    ),
]


def _dig(doc: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
    value: Any = doc
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _sides(docs: dict[str, dict[str, Any]], labels: list[str], sizes: list[str]) -> list[str]:
    """One table: every app figure for every checkout at every size, side by side."""
    cols = [(label, size) for label in labels for size in sizes]
    out = [
        "## Side by side: "
        + ", ".join(f"`{label}`" for label in labels)
        + " at "
        + ", ".join(sizes),
        "",
    ]
    for label in labels:
        checkout = next(
            (d.get("app_checkout") for k, d in docs.items() if k.endswith("@" + label)), None
        )
        out.append(f"* `{label}`: the app from {checkout or 'this checkout'}")
    out += [
        "",
        "| figure | " + " | ".join(f"{label} {size}" for label, size in cols) + " | target |",
        "|---|" + "---|" * len(cols) + "---|",
    ]
    for name, bench, path, target in SIDE_ROWS:
        cells = []
        for label, size in cols:
            value = _dig(docs.get(f"{bench}@{size}@{label}"), path)
            if bench == "termbytes" and path[0] == "busy_bytes_per_s" and value is not None:
                value = value / 1000
            # NaN: no probe was seen at all (or in the first or last window)
            if value is None:
                cells.append("-")
            elif value != value:
                cells.append("none seen")
            else:
                cells.append(f"{value:,}" if isinstance(value, int) else _f(value, 1))
        if any(c != "-" for c in cells):
            out.append(f"| {name} | " + " | ".join(cells) + f" | {target} |")
    out.append("")
    return out


def render(
    docs: dict[str, dict[str, Any]],
    *,
    labels: list[str] | None = None,
    sizes: list[str] | None = None,
) -> str:
    """RESULTS.md from the documents keyed as :func:`bench.run_all.doc_key` names them."""
    labels = labels or ["this"]
    sizes = sizes or ["120x40"]
    any_doc = next(iter(docs.values()))
    m = any_doc["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    out = [
        "# Benchmark results",
        "",
        f"Latest run: {_dates(docs)}. Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']},"
        f" {m['platform']}. Packages: {pk}.",
        "",
        "The load average is given per benchmark (2 cores: the app, the exchange process and "
        "the bench's own reader share them); what else ran during a run, and which parts were "
        "run again, is said in FINDINGS.md. How each figure is "
        "measured: [README.md](README.md); what the figures point at, with profiles and measured "
        "candidate fixes: [FINDINGS.md](FINDINGS.md). Produced by `.venv/bin/python -m bench.run_all` "
        "(each benchmark's own command is listed with it).",
        "",
    ]
    out += _sides(docs, labels, sizes)
    this = labels[-1]
    if "ingest" in docs:
        out += _ingest(docs["ingest"])
    for size in sizes:
        if f"latency@{size}@{this}" in docs:
            out += _latency(docs[f"latency@{size}@{this}"])
    for size in sizes:
        if f"cpu@{size}@{this}" in docs:
            out += _cpu(docs[f"cpu@{size}@{this}"])
    for size in sizes:
        if f"termbytes@{size}@{this}" in docs:
            out += _termbytes(docs[f"termbytes@{size}@{this}"])
    if f"coldstart@{this}" in docs:
        out += _coldstart(docs, labels)
    for size in sizes:
        if f"soak@{size}@{this}" in docs:
            out += _soak(docs[f"soak@{size}@{this}"])
    if "rate_burst" in docs:
        out += _rate_burst(docs["rate_burst"])
    for label in labels:
        for size in sizes:
            if f"slowlink@{size}@{label}" in docs:
                out += _slowlink(docs[f"slowlink@{size}@{label}"], label)
    return "\n".join(out)


def _slowlink(d: dict[str, Any], label: str) -> list[str]:
    out = [
        f"## 8. Slow link: tick-to-screen at busy load, `{label}`, {d.get('terminal')}",
        "",
        f"`{_cmd(d)}` — load average {_load(d)}",
        "",
        "| link | reader | n (missed) | p50 ms | p99 ms | max ms | first window p50 | last window p50"
        " | `link slow` on screen (times) | target p99 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, x in d["links"].items():
        w = x["windows"]
        out.append(
            f"| {name} | {x['reader']} | {x['n']} ({x['missed']}) | {x['p50_ms']} | {x['p99_ms']}"
            f" | {x['max_ms']} | {w[0]['p50_ms'] if w else '-'} | {w[-1]['p50_ms'] if w else '-'}"
            f" | {x.get('status_link_slow', '-')} | {x['target_p99_ms']} ({_ok(x['p99_ms'] <= x['target_p99_ms'])}) |"
        )
    links = d["links"]
    for rate in ("1mbit", "256kbit"):
        pty, ssh = links.get(rate), links.get(f"{rate}-ssh")
        if not pty or not ssh:
            continue
        seen = pty["missed"] < pty["n"] and ssh["missed"] < ssh["n"]
        p50_gap = abs(pty["p50_ms"] - ssh["p50_ms"]) if seen else None
        agree = seen and (pty["p99_ms"] <= pty["target_p99_ms"]) == (
            ssh["p99_ms"] <= ssh["target_p99_ms"]
        )
        out += [
            "",
            f"ssh against the throttled pty at {rate}: "
            + (
                f"p50 {ssh['p50_ms']} against {pty['p50_ms']} ms ({p50_gap:.0f} ms apart), "
                f"p99 {ssh['p99_ms']} against {pty['p99_ms']} ms, missed {ssh['missed']} "
                f"against {pty['missed']}: "
                + ("they agree (the same verdict on the target)" if agree else "they disagree")
                if seen and p50_gap is not None
                else f"missed {ssh['missed']} of {ssh['n']} over ssh, {pty['missed']} of "
                f"{pty['n']} over the pty"
            )
            + ".",
        ]
    if d.get("note"):
        out += ["", d["note"]]
    out.append("")
    return out


def _cmd(d: dict[str, Any]) -> str:
    cmd = d.get("command", "")
    parts = cmd.split()
    if parts and parts[0].endswith(".py"):
        name = parts[0].rsplit("/", 1)[-1][:-3]
        parts = [".venv/bin/python", "-m", f"bench.{name}", *parts[1:]]
    return " ".join(p for p in parts if not p.endswith(".json") and p != "--json")


def _load(d: dict[str, Any]) -> str:
    la = d["machine"].get("load_average_1m_5m_15m")
    return " / ".join(f"{x:.1f}" for x in la) if la else "n/a"


def _dates(docs: dict[str, dict[str, Any]]) -> str:
    dates = sorted(d["machine"]["date"] for d in docs.values())
    return dates[0] if dates[0] == dates[-1] else f"{dates[0]} to {dates[-1]}"

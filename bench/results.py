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


def render(docs: dict[str, dict[str, Any]]) -> str:
    any_doc = next(iter(docs.values()))
    m = any_doc["machine"]
    pk = ", ".join(f"{k} {v}" for k, v in m["packages"].items())
    out = [
        "# Benchmark results",
        "",
        f"Latest run: {_dates(docs)}. Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']},"
        f" {m['platform']}. Packages: {pk}.",
        "",
        "The machine was shared with other work while these ran (load average is given per "
        "benchmark); latency and CPU figures include that interference. How each figure is "
        "measured: [README.md](README.md); what the figures point at, with profiles and measured "
        "candidate fixes: [FINDINGS.md](FINDINGS.md). Produced by `.venv/bin/python -m bench.run_all` "
        "(each benchmark's own command is listed with it).",
        "",
    ]
    if "ingest" in docs:
        d = docs["ingest"]
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
    if "latency" in docs:
        d = docs["latency"]
        b, st = d["busy"], d["stress"]
        bt, bb = b["trade_to_tape"], b["book_to_ladder"]
        out += [
            "## 2. Tick-to-screen latency (pty 120x40)",
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
    if "cpu" in docs:
        d = docs["cpu"]
        out += [
            "## 3. CPU of the app process (% of one core)",
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
    if "termbytes" in docs:
        d = docs["termbytes"]
        one = d["one_row_change_bytes"]
        first = d.get("one_row_first_frame_bytes", one)
        out += [
            "## 4. Terminal bytes",
            "",
            f"`{_cmd(d)}` — load average {_load(d)}",
            "",
            f"* Busy: **{d['busy_bytes_per_s']:,} bytes/s** written to the terminal (120x40).",
            f"* One ladder row changed (frozen market, bid level {d['one_row_level_index']}): "
            f"the paint that answers it **{_mmm(first, 0)} bytes** (target <= 300: "
            f"{_ok(first['median'] <= 300)}); everything within the settle window "
            f"{_mmm(one, 0)} bytes after subtracting a quiet window (raw "
            f"{_mmm(d['one_row_change_bytes_raw'], 0)}; quiet {_mmm(d['quiet_window_bytes'], 0)})"
            ", which includes the status bar's once-a-second feed-latency figure.",
            "",
        ]
    if "coldstart" in docs:
        d = docs["coldstart"]
        beyond = d["beyond_python_s"]
        out += [
            "## 5. Cold start",
            "",
            f"`{_cmd(d)}` — load average {_load(d)}",
            "",
            f"* `python -c pass`: {_mmm(d['python_c_pass_s'], 3)} s",
            f"* `gmo-tui --demo` to the first book on screen: {_mmm(d['demo_first_book_s'], 3)} s",
            f"* Beyond Python's own start-up: **{beyond} s** (target <= 1.0 s: "
            f"{_ok(beyond is not None and beyond <= 1.0)}).",
            "",
        ]
    if "soak" in docs:
        d = docs["soak"]
        out += [
            "## 6. Soak (stress load)",
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
            out.append(
                f"| {s['t_s']} | {s['rss_mb']} | {s['cpu_percent']} | {s['trade_latency_ms']} |"
            )
        out.append("")
    if "rate_burst" in docs:
        d = docs["rate_burst"]
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
    return "\n".join(out)


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

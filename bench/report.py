"""Shared helpers of the benchmarks: statistics, the machine description, and result output."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

PACKAGES = ("textual", "rich", "msgspec", "websockets", "uvicorn", "starlette", "pybotters")


def summary(values: list[float]) -> dict[str, float]:
    """Median, min and max (and the count) of a list of numbers."""
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
    }


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0..100), nearest-rank; NaN for an empty list."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, object]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "load_average_1m_5m_15m": os.getloadavg(),
        "packages": versions,
    }


def emit(name: str, result: dict[str, object], json_path: str | None) -> None:
    """Print ``result`` as JSON, and also write it (with the machine) to ``json_path``."""
    doc = {
        "bench": name,
        "machine": machine(),
        "command": " ".join(sys.argv),
        "app_variant": os.environ.get("GMO_BENCH_VARIANT") or "none (the app as committed)",
        "app_checkout": os.environ.get("GMO_BENCH_CHECKOUT") or "this checkout",
        "size": os.environ.get("GMO_BENCH_SIZE", "120x40"),
        **result,
    }
    text = json.dumps(doc, indent=2, default=str)
    print(text)
    if json_path:
        Path(json_path).write_text(text + "\n")

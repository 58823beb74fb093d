"""A recording as the built-in exchange's replay source: :func:`replay_market`.

The exchange (``gmo_tui/sim``) reads no files; this opens a recording and its rotations and
hands the exchange a :class:`~gmo_tui.sim.replay.ReplaySource`: the recorded symbols and the
public frames, read lazily in order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from gmo_tui.exchange import models
from gmo_tui.exchange.codec import to_wire
from gmo_tui.record.format import Kind
from gmo_tui.record.reader import open_recording, parts_of, read_parts
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.replay import ReplayMarket, ReplaySource

if TYPE_CHECKING:
    from gmo_tui.sim.state import SimState


def open_source(path: str | os.PathLike[str]) -> ReplaySource:
    """``path`` (and its rotations) as a source; raises FormatError / OSError when unreadable."""
    header = open_recording(path).header

    def frames() -> Iterator[tuple[int, bytes]]:
        for _, record in read_parts(path):
            if record.kind is Kind.PUBLIC:
                yield record.time_ns, record.payload

    return ReplaySource(header.symbols, frames(), [str(p) for p in parts_of(path)], os.fspath(path))


def rule_differences(path: str | os.PathLike[str]) -> list[str]:
    """Where the recording's symbol rules differ from the built-in exchange's (which apply)."""
    from gmo_tui.sim.symbols import SYMBOL_RULES

    notes = []
    for raw in open_recording(path).header.symbol_rules:
        try:
            recorded = msgspec.convert(raw, models.SymbolRule)
        except msgspec.ValidationError:
            notes.append(f"unreadable symbol rules in the recording: {raw!r}")
            continue
        ours = SYMBOL_RULES.get(recorded.symbol)
        if ours is not None and ours != recorded:
            notes.append(
                f"{recorded.symbol}: the recording's rules {to_wire(recorded)} differ from the "
                f"built-in exchange's {to_wire(ours)}, which paper orders follow"
            )
    return notes


def replay_market(
    path: str | os.PathLike[str], **options: Any
) -> Callable[[SimState, MarketRates], ReplayMarket]:
    """The ``market=`` factory of a :class:`~gmo_tui.sim.runner.SimServer` replaying ``path``."""
    source = open_source(path)

    def factory(state: SimState, rates: MarketRates) -> ReplayMarket:
        return ReplayMarket(state, rates, source, **options)

    return factory

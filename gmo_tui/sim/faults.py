"""Fault injection state of the built-in exchange, switched by the ``/_sim/`` controls.

Nothing here does I/O: the REST routes and the WebSocket hub consult a single
:class:`Faults` object and misbehave accordingly.

* ``delay_ms``: every REST reply (public and private) waits this long first.
* ``lose_next_order``: the next ``POST /v1/order`` (or closeOrder/closeBulkOrder) is really
  placed, then the connection is dropped without a reply.
* ``fill_on_cancel``: order ids whose next ``cancelOrder`` finds them already filled (the
  order is force-filled first, so the cancel answers ERR-5122).
* ``silent_all`` / ``silent_channels``: sockets stay open but send nothing (whole socket or
  per channel).
* ``chaos_malformed`` / ``chaos_out_of_order``: probabilities (0..1) that a WebSocket frame is
  sent truncated (invalid JSON) or held back and sent after the next one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Faults:
    seed: int = 42
    delay_ms: int = 0
    lose_next_order: bool = False
    fill_on_cancel: set[int] = field(default_factory=set)
    silent_all: bool = False
    silent_channels: set[str] = field(default_factory=set)
    chaos_malformed: float = 0.0
    chaos_out_of_order: float = 0.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(f"faults:{self.seed}")

    def silenced(self, channel: str) -> bool:
        return self.silent_all or channel in self.silent_channels

    @property
    def chaos(self) -> bool:
        return self.chaos_malformed > 0 or self.chaos_out_of_order > 0

    def reset(self) -> None:
        self.delay_ms = 0
        self.lose_next_order = False
        self.fill_on_cancel.clear()
        self.silent_all = False
        self.silent_channels.clear()
        self.chaos_malformed = 0.0
        self.chaos_out_of_order = 0.0

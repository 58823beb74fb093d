"""Market replay: the built-in exchange serving a recording (``gmo-tui replay``).

* :class:`ReplayMarket`: a :class:`~gmo_tui.sim.feed_market.FeedMarket` (frames published as
  they are, public REST and paper fills from them) whose frames come from a recording, at their
  recorded timing scaled by the speed (``max``: as fast as the subscribers read, never dropping
  one), from ``start_from`` on (earlier frames only build the state). It starts paused and
  begins playing at the first public subscription (``autostart``) or on ``play``.
* ``/_sim/replay`` (loopback clients only): ``GET`` the status; ``POST`` JSON
  ``{"action": "play" | "pause" | "step", "count"?: n, "speed"?: "1" | "2" | "10" | "max" | x}``.

The exchange does not read files: :mod:`gmo_tui.record.replay_source` opens a recording as a
:class:`ReplaySource` and makes the ``market=`` factory
(``SimServer(market=replay_market(path, speed=..., start_from=...))``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from gmo_tui.exchange.codec import format_ts
from gmo_tui.sim.feed_market import FeedMarket
from gmo_tui.sim.market import MarketRates
from gmo_tui.sim.replay_clock import ReplayClock, parse_speed
from gmo_tui.sim.replay_klines import RecordedKlines

if TYPE_CHECKING:
    from gmo_tui.sim.state import SimState

log = logging.getLogger(__name__)
BACKLOG = 2000  # at max speed, wait while a subscriber has this many frames queued
YIELD_EVERY = 64


class Action(StrEnum):
    PLAY = "play"
    PAUSE = "pause"
    STEP = "step"


def parse_time(text: str, start_ns: int) -> int:
    """``--from``: ISO-8601 (UTC when no zone is given) or ``+SECONDS`` after the start."""
    text = text.strip()
    if text.startswith("+"):
        return start_ns + int(float(text[1:]) * 1e9)
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1e9)


@dataclass
class ReplaySource:
    """What a replay plays: the recorded symbols and the public frames ``(time_ns, raw)``."""

    symbols: Sequence[str]
    frames: Iterator[tuple[int, bytes]]
    files: list[str]
    name: str


@dataclass
class ReplayStatus:
    state: str
    speed: float | None
    position: str | None
    frames_sent: int
    fills: int
    files: list[str]
    late_ms: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "speed": "max" if self.speed is None else self.speed,
            "position": self.position,
            "framesSent": self.frames_sent,
            "paperFills": self.fills,
            "files": self.files,
            "lateMs": self.late_ms,
        }


class ReplayMarket(FeedMarket):
    """A recording played through the exchange (see the module docstring)."""

    def __init__(
        self,
        state: SimState,
        rates: MarketRates,
        source: ReplaySource,
        *,
        speed: float | None = 1.0,
        start_from: str | None = None,
        autostart: bool = True,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(state, rates, source.symbols)
        # candles from the recorded prints only (no synthetic history before the recording)
        self.klines = state.klines = RecordedKlines(
            seed=state.seed, clock=state.clock, position_ms=self._position_ms
        )
        self.files = source.files
        self.name = source.name
        self.autostart = autostart
        self.ended = False
        self._now = now
        self._records = source.frames
        self._next: tuple[int, bytes] | None = next(self._records, None)
        start_ns = self._next[0] if self._next is not None else 0
        self.clock = ReplayClock(start_ns, speed=speed, paused=True)
        self._changed = asyncio.Event()
        self._steps = 0
        self.lateness: deque[float] = deque(maxlen=100_000)  # seconds past due, frames on time
        self.from_ns = parse_time(start_from, start_ns) if start_from else None
        state.extra_routes.append(Route("/_sim/replay", self._endpoint, methods=["GET", "POST"]))

    def _position_ms(self) -> int:
        return self.clock.position(self._now()) // 1_000_000

    def build(self) -> None:
        """Fast-forward to ``start_from``: earlier frames build the state and are not sent."""
        if self.from_ns is None:
            return
        while self._next is not None and self._next[0] < self.from_ns:
            self.apply(self._next[1], publish=False, mirror=False)
            self._next = next(self._records, None)
        self.mirror_all()
        self.clock = ReplayClock(
            self._next[0] if self._next else self.from_ns,
            speed=self.clock.speed,
            paused=True,
        )

    # ------------------------------------------------------------------ controls

    def activate(self, symbol: str) -> None:
        if self.autostart:
            self.autostart = False
            self.play()

    def play(self) -> None:
        self.autostart = False
        self.clock.play(self._now())
        self._changed.set()

    def pause(self) -> None:
        self.autostart = False
        self.clock.pause(self._now())
        self._changed.set()

    def step(self, count: int = 1) -> None:
        """Send the next ``count`` frames now (pausing the replay)."""
        if not self.clock.paused:
            self.pause()
        self._steps += count
        self._changed.set()

    def set_speed(self, speed: float | None) -> None:
        self.clock.set_speed(speed, self._now())
        self._changed.set()

    def status(self) -> ReplayStatus:
        if self.ended:
            state = "ended"
        else:
            state = "paused" if self.clock.paused else "playing"
        position = self.clock.position(self._now())
        return ReplayStatus(
            state,
            self.clock.speed,
            format_ts(datetime.fromtimestamp(position / 1e9, UTC)) if position else None,
            self.frames_out,
            self.matcher.fills,
            self.files,
            self._late_ms(),
        )

    def _late_ms(self) -> dict[str, float]:
        """How late frames left, past their scheduled time (median, p99, max in ms)."""
        late = sorted(self.lateness)
        if not late:
            return {}
        return {
            "median": round(late[len(late) // 2] * 1000, 3),
            "p99": round(late[int(len(late) * 0.99)] * 1000, 3),
            "max": round(late[-1] * 1000, 3),
        }

    # ------------------------------------------------------------------ the player

    async def run(self) -> None:
        sent = 0
        while self._next is not None:
            time_ns, raw = self._next
            while True:
                if self._steps > 0:
                    self._steps -= 1
                    break
                wait = self.clock.wait(time_ns, self._now())
                if wait is not None and wait <= 0:
                    break
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), wait)
                except TimeoutError:
                    pass
            due = self.clock.due_at(time_ns)
            self.apply(raw)
            now = self._now()
            if due is not None:
                self.lateness.append(now - due)
            self.clock.reached(time_ns, now)
            self._next = next(self._records, None)
            sent += 1
            if self.clock.speed is None:
                await self._drain(sent)
        self.ended = True
        log.info("replay of %s ended after %d frames", self.name, self.frames_out)
        await asyncio.Event().wait()

    async def _drain(self, sent: int) -> None:
        """At max speed: let the sockets take their frames (none is ever dropped)."""
        if sent % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        while any(conn.queue.qsize() > BACKLOG for conn in self.state.hub.conns):
            await asyncio.sleep(0.002)

    # ------------------------------------------------------------------ /_sim/replay

    async def _endpoint(self, request: Request) -> JSONResponse:
        host = request.client.host if request.client else ""
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            return JSONResponse({"error": "replay controls answer loopback clients only"}, 403)
        if request.method == "POST":
            try:
                body = await request.json()
                if not isinstance(body, dict):
                    raise ValueError("the body must be a JSON object")
                self._control(body)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(self.status().to_json())

    def _control(self, body: dict[str, Any]) -> None:
        if "speed" in body:
            self.set_speed(parse_speed(body["speed"]))
        if body.get("action") is None:
            return
        try:
            action = Action(body["action"])
        except (ValueError, TypeError):
            raise ValueError(f"unknown action {body['action']!r}: play, pause or step") from None
        match action:
            case Action.PLAY:
                self.play()
            case Action.PAUSE:
                self.pause()
            case Action.STEP:
                count = body.get("count", 1)
                if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= 10000:
                    raise ValueError("count must be an integer from 1 to 10000")
                self.step(count)

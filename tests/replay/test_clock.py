"""The replay clock: recorded time against host time, paused, stepped, at any speed."""

from __future__ import annotations

import pytest

from gmo_tui.sim.replay_clock import ReplayClock, parse_speed

S = 1_000_000_000  # one second in ns


def test_speed_scales_the_wait_and_pause_freezes_recorded_time() -> None:
    clock = ReplayClock(100 * S, speed=2.0, paused=True)
    assert clock.wait(101 * S, now=0.0) is None  # paused: not due
    clock.play(now=10.0)
    assert clock.wait(100 * S, now=10.0) == 0.0
    assert clock.wait(102 * S, now=10.0) == pytest.approx(1.0)  # 2 s recorded at 2x
    assert clock.position(now=10.5) == 101 * S
    clock.pause(now=10.5)
    assert clock.position(now=99.0) == 101 * S  # frozen while paused
    clock.play(now=100.0)
    assert clock.wait(102 * S, now=100.0) == pytest.approx(0.5)  # no jump over the pause
    clock.set_speed(10.0, now=100.2)  # re-anchored at 101.4 s recorded
    assert clock.position(now=100.2) == pytest.approx(101.4 * S, rel=1e-9)
    assert clock.wait(102 * S, now=100.2) == pytest.approx(0.06)


def test_steps_and_max_speed_move_recorded_time_to_the_frame() -> None:
    clock = ReplayClock(0, speed=1.0, paused=True)
    clock.reached(5 * S, now=1.0)  # a step while paused
    assert clock.position(now=50.0) == 5 * S
    clock.set_speed(None, now=2.0)
    clock.play(now=2.0)
    assert clock.wait(9 * S, now=2.0) == 0.0  # max: everything is due
    clock.reached(9 * S, now=2.001)
    clock.set_speed(1.0, now=3.0)  # back to real time from the last frame sent
    assert clock.wait(10 * S, now=3.0) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "speed"), [("1", 1.0), (2, 2.0), ("10", 10.0), ("max", None), (" MAX ", None)]
)
def test_parse_speed(text: object, speed: float | None) -> None:
    assert parse_speed(text) == speed


@pytest.mark.parametrize("bad", ["0", "-1", "nan", "inf", "1e9", "fast", True, None, [1]])
def test_parse_speed_refuses(bad: object) -> None:
    with pytest.raises(ValueError, match="speed"):
        parse_speed(bad)

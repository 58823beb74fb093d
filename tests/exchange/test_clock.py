"""Server clock offset: midpoint sample, median of recent samples, big round trips ignored."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gmo_tui.exchange.clock import ServerClock


def test_no_samples_means_zero_offset() -> None:
    clock = ServerClock(wall=lambda: 1000.0)
    assert not clock.synced
    assert clock.offset_ms == 0
    assert clock.timestamp() == "1000000"


def test_sample_is_server_minus_midpoint() -> None:
    clock = ServerClock()
    # sent at 1000.0 local, 0.4 s round trip: midpoint 1000.2; server said 1003.2 -> +3000 ms
    assert clock.add_sample(server_s=1003.2, sent_wall_s=1000.0, rtt_s=0.4)
    assert clock.offset_ms == 3000
    assert clock.samples[0].rtt_ms == pytest.approx(400.0)


def test_offset_is_the_median_of_recent_samples() -> None:
    clock = ServerClock()
    for offset in (100, 105, 98, 5000, 102):  # one outlier
        clock.add_sample(server_s=offset / 1000.0, sent_wall_s=0.0, rtt_s=0.0)
    assert clock.offset_ms == 102


def test_only_the_last_window_samples_count() -> None:
    clock = ServerClock(window=15)
    for _ in range(15):
        clock.add_sample(server_s=1.0, sent_wall_s=0.0, rtt_s=0.0)  # +1000 ms
    for _ in range(15):
        clock.add_sample(server_s=-2.0, sent_wall_s=0.0, rtt_s=0.0)  # -2000 ms
    assert len(clock.samples) == 15
    assert clock.offset_ms == -2000


def test_huge_round_trips_are_ignored() -> None:
    clock = ServerClock(max_rtt=1.0)
    clock.add_sample(server_s=10.0, sent_wall_s=0.0, rtt_s=0.1)
    assert not clock.add_sample(server_s=99.0, sent_wall_s=0.0, rtt_s=3.0)
    assert clock.rejected == 1
    assert clock.offset_ms == 9950


def test_observe_uses_wall_anchor_and_monotonic_round_trip() -> None:
    wall = [500.0]
    mono = [10.0]
    clock = ServerClock(wall=lambda: wall[0], monotonic=lambda: mono[0])
    started = clock.start()
    wall[0] = 400.0  # the wall clock steps back during the request: must not matter
    mono[0] = 10.2  # 200 ms round trip
    server = datetime.fromtimestamp(500.1 + 1.5, tz=UTC)
    assert clock.observe(server, started)
    assert clock.offset_ms == 1500


def test_observe_without_responsetime_keeps_nothing() -> None:
    clock = ServerClock()
    assert not clock.observe(None, clock.start())
    assert not clock.synced


def test_timestamp_is_local_ms_plus_offset_and_reset_forgets() -> None:
    clock = ServerClock(wall=lambda: 1_700_000_000.123)
    clock.add_sample(server_s=2.5, sent_wall_s=0.0, rtt_s=0.0)
    assert clock.now_ms() == 1_700_000_000_123 + 2500
    assert clock.timestamp() == str(1_700_000_000_123 + 2500)
    clock.reset()
    assert clock.offset_ms == 0 and not clock.synced

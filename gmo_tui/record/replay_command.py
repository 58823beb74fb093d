"""``gmo-tui replay``: its arguments and its run (imports nothing heavy until it runs)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gmo_tui.i18n import _


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("replay", help=_("serve a recording through the built-in exchange"))
    cmd.add_argument("file", help=_("a recording made by `gmo-tui record` (its rotations follow)"))
    cmd.add_argument("--speed", default="1", help=_("1, 2, 10, ... or max (default 1)"))
    cmd.add_argument("--from", dest="start_from", help=_("ISO-8601 time (UTC) or +SECONDS"))
    cmd.add_argument("--host", default="127.0.0.1")
    cmd.add_argument("--port", type=int, default=8765)
    cmd.add_argument(
        "--paused",
        action="store_true",
        help=_("wait for POST /_sim/replay play (default: play on the first subscription)"),
    )
    cmd.add_argument("--seed", type=int, default=42, help=_("seed of the demo account's key"))


def run(args: argparse.Namespace) -> int:
    from gmo_tui.heap import freeze_startup_heap
    from gmo_tui.record.format import FormatError
    from gmo_tui.record.replay_source import replay_market, rule_differences
    from gmo_tui.sim.replay_clock import parse_speed
    from gmo_tui.sim.runner import serve

    try:
        speed = parse_speed(args.speed)
        market = replay_market(
            args.file, speed=speed, start_from=args.start_from, autostart=not args.paused
        )
        freeze_startup_heap()  # no full collection walks the start-up heap mid-replay
        for note in rule_differences(args.file):
            print(_("note: {note}").format(note=note))
        start = "POST /_sim/replay play" if args.paused else "the first subscription"
        print(
            _("replaying {file} at speed {speed}, from {start}; GET /_sim/replay").format(
                file=args.file, speed=args.speed, start=start
            )
        )
        serve(args.host, args.port, args.seed, market=market)
    except (ValueError, OSError, FormatError) as exc:
        print(f"gmo-tui replay: {exc}", file=sys.stderr)
        return 2
    return 0

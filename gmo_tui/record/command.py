"""``gmo-tui record``: its arguments and its run (imports nothing heavy until it runs)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

from gmo_tui.i18n import _


def add_parser(sub: Any) -> None:
    cmd = sub.add_parser("record", help=_("record public WebSocket frames to a file"))
    cmd.add_argument("--symbols", required=True, help=_("comma-separated, e.g. BTC,BTC_JPY,ETH"))
    cmd.add_argument("--out", required=True, help=_("the recording file (never overwritten)"))
    cmd.add_argument("--endpoint", default=None, help=_("default https://api.coin.z.com"))
    cmd.add_argument(
        "--rotate-mb", type=float, default=None, help=_("start a new file at this size")
    )
    cmd.add_argument(
        "--rotate-minutes", type=float, default=None, help=_("start a new file after this long")
    )
    cmd.add_argument("--duration", type=float, default=None, help=_("stop after this many seconds"))
    cmd.add_argument(
        "--private",
        action="store_true",
        help=_("also record your account's private frames (needs a key; ids and tokens redacted)"),
    )


def run(args: argparse.Namespace) -> int:
    from gmo_tui.exchange.endpoints import DEFAULT_ENDPOINT
    from gmo_tui.exchange.errors import GmoError
    from gmo_tui.record.stream import record

    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    if not symbols:
        print(_("gmo-tui record: --symbols names no symbol"), file=sys.stderr)
        return 2
    limits = {"--rotate-mb": args.rotate_mb, "--rotate-minutes": args.rotate_minutes}
    for flag, value in {**limits, "--duration": args.duration}.items():
        if value is not None and not 0 < value < 1e9:
            print(
                _("gmo-tui record: {flag} must be a number > 0").format(flag=flag), file=sys.stderr
            )
            return 2
    endpoint = args.endpoint or DEFAULT_ENDPOINT
    credentials = None
    if args.private:
        from gmo_tui import config as cfg

        try:
            credentials = cfg.load_credentials()
        except cfg.ConfigError as exc:
            print(f"gmo-tui record: {exc}", file=sys.stderr)
            return 2
        if credentials is None:
            print(
                _("gmo-tui record: --private needs an API key (see README, Credentials)"),
                file=sys.stderr,
            )
            return 2
    print(
        _("recording {symbols} from {endpoint} into {out} (ctrl+c stops)").format(
            symbols=", ".join(symbols), endpoint=endpoint, out=args.out
        )
    )
    try:
        with contextlib.suppress(KeyboardInterrupt):
            result = asyncio.run(
                record(
                    endpoint,
                    symbols,
                    args.out,
                    rotate_bytes=int(args.rotate_mb * 2**20) if args.rotate_mb else None,
                    rotate_seconds=args.rotate_minutes * 60 if args.rotate_minutes else None,
                    duration=args.duration,
                    credentials=credentials,
                )
            )
            print(
                _("{records} frames in {seconds} s: {parts}").format(
                    records=result.records,
                    seconds=f"{result.seconds:.1f}",
                    parts=", ".join(result.parts),
                )
            )
    except (ValueError, OSError, GmoError) as exc:
        print(f"gmo-tui record: {exc}", file=sys.stderr)
        return 2
    return 0

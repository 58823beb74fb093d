"""Command line: `gmo-tui` (the app), `gmo-tui --demo`, `gmo-tui sim`.

* ``gmo-tui [--demo] [--symbol S] [--theme T] [--endpoint URL]`` runs the app; ``--demo``
  starts the built-in exchange in its own thread on a free loopback port with the funded demo
  account and connects to it (mode DEMO).
* ``gmo-tui sim --host 127.0.0.1 --port 8765 --seed 42 [--control] [--api-key K --api-secret S]``
  runs the built-in exchange alone.
* ``gmo-tui export --from YYYY-MM-DD --to YYYY-MM-DD [--symbol S] [--out FILE]`` writes the
  executions of a date range as CSV (:mod:`gmo_tui.export.command`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from gmo_tui.export import command as export_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gmo-tui", description="Keyboard-driven terminal trading for GMO Coin."
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in exchange (funded demo account)",
    )
    parser.add_argument("--symbol", help="symbol shown at start (e.g. BTC_JPY, BTC)")
    parser.add_argument(
        "--theme", help="theme name (gmo-dark, gmo-light, gmo-high-contrast, gmo-blue-orange, …)"
    )
    parser.add_argument("--endpoint", help="exchange base URL (default https://api.coin.z.com)")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the demo exchange (with --demo)"
    )
    parser.add_argument("--debug", action="store_true", help="debug logging to the log file")
    sub = parser.add_subparsers(dest="command")
    sim = sub.add_parser("sim", help="run the built-in exchange alone")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--seed", type=int, default=42)
    sim.add_argument("--control", action="store_true", help="enable the /control endpoints (tests)")
    sim.add_argument("--api-key", default=None)
    sim.add_argument("--api-secret", default=None)
    export_command.add_parser(sub)
    return parser


def run_sim(args: argparse.Namespace) -> int:
    from gmo_tui.sim.runner import serve

    kwargs = {"host": args.host, "port": args.port, "seed": args.seed, "control": args.control}
    if args.api_key:
        kwargs["api_key"] = args.api_key
    if args.api_secret:
        kwargs["api_secret"] = args.api_secret
    serve(**kwargs)  # prints the endpoint and the demo account's key and secret
    return 0


def run_app(args: argparse.Namespace) -> int:
    from gmo_tui import config as cfg
    from gmo_tui import redact

    log_path = cfg.setup_logging(logging.DEBUG if args.debug else logging.INFO)
    try:
        settings = cfg.load_settings(
            symbol=args.symbol, theme=args.theme, endpoint=args.endpoint, demo=args.demo or None
        )
    except cfg.ConfigError as exc:
        print(f"gmo-tui: {exc}", file=sys.stderr)
        return 2
    sim_thread = None
    mode = "LIVE"
    if args.demo:
        from gmo_tui.exchange.auth import Credentials
        from gmo_tui.sim.runner import SimThread

        options: dict[str, object] = {"host": "127.0.0.1", "port": 0}
        if args.seed is not None:
            options["seed"] = args.seed
        sim_thread = SimThread(**options)
        endpoint = sim_thread.start()
        settings = cfg.load_settings(
            symbol=args.symbol, theme=args.theme, endpoint=endpoint, demo=True
        )
        credentials = Credentials(sim_thread.api_key, sim_thread.api_secret, source="demo")
        for secret in credentials.secrets():
            redact.register_secret(secret)
        mode = "DEMO"
    else:
        try:
            credentials = cfg.load_credentials()
        except cfg.ConfigError as exc:
            print(f"gmo-tui: {exc}", file=sys.stderr)
            return 2
    from gmo_tui.app import GmoTuiApp

    logging.getLogger(__name__).info(
        "starting (mode %s, endpoint %s, credentials %r, log %s)",
        mode,
        settings.endpoint,
        credentials,
        log_path,
    )
    app = GmoTuiApp(
        settings,
        credentials,
        mode=mode,
        journal_path=_journal_path(args.demo),
        freeze_heap=True,
    )
    try:
        app.run()
    finally:
        if sim_thread is not None:
            sim_thread.stop()
    return app.return_code or 0


def _journal_path(demo: bool) -> str | None:
    if not demo:
        return None
    import tempfile

    return os.path.join(tempfile.mkdtemp(prefix="gmo-tui-demo-"), "journal.sqlite")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "sim":
        return run_sim(args)
    if args.command == "export":
        return export_command.run(args)
    return run_app(args)

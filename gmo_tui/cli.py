"""Command line: `gmo-tui` (the app), `gmo-tui --demo`, `gmo-tui sim`.

* ``gmo-tui [--demo] [--symbol S] [--theme T] [--endpoint URL]`` runs the app; ``--demo``
  starts the built-in exchange in its own thread on a free loopback port with the funded demo
  account and connects to it (mode DEMO).
* ``gmo-tui sim --host 127.0.0.1 --port 8765 --seed 42 [--control] [--api-key K --api-secret S]``
  runs the built-in exchange alone.
* ``gmo-tui keys set|show|delete`` stores the API key and secret in the OS keyring, shows where
  the app finds credentials (never the secret), or removes them
  (:mod:`gmo_tui.keys_command`).
* ``gmo-tui --paper`` paper-trades on the live market (:mod:`gmo_tui.paper`); ``gmo-tui record``,
  ``gmo-tui replay`` (:mod:`gmo_tui.record`) and ``gmo-tui serve`` (:mod:`gmo_tui.serve`) keep
  their arguments and runs in their own modules.
* ``gmo-tui export --from YYYY-MM-DD --to YYYY-MM-DD [--symbol S] [--out FILE]`` writes the
  executions of a date range as CSV (:mod:`gmo_tui.export.command`).

Each sub-command has its parser lines in :func:`build_parser` and one ``run_*`` function.
A bad config is refused (exit code 2, one message) before the UI starts.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gmo_tui.demo_exchange import SimProcess
    from gmo_tui.exchange.auth import Credentials
    from gmo_tui.keymap_clashes import BoundKey
    from gmo_tui.paper import PaperExchange

from gmo_tui import __version__
from gmo_tui.export import command as export_command
from gmo_tui.i18n import LANGUAGES, _, choose_language, use_language


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's own words (usage:, the section titles) in the current language."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(_(heading) if heading else heading)


def _parser(**options: object) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        formatter_class=_HelpFormatter,
        add_help=False,
        **options,  # type: ignore[arg-type]
    )
    parser.add_argument("-h", "--help", action="help", help=_("show this help message and exit"))
    return parser


class _SubParser(argparse.ArgumentParser):
    """A sub-command's parser, with the same translated help as the main one."""

    def __init__(self, **options: object) -> None:
        super().__init__(formatter_class=_HelpFormatter, add_help=False, **options)  # type: ignore[arg-type]
        self.add_argument("-h", "--help", action="help", help=_("show this help message and exit"))


def build_parser() -> argparse.ArgumentParser:
    parser = _parser(
        prog="gmo-tui", description=_("Keyboard-driven terminal trading for GMO Coin.")
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_("run against the built-in exchange (funded demo account)"),
    )
    parser.add_argument(
        "--version", action="version", version=f"gmo-tui {__version__}", help=_("show the version")
    )
    parser.add_argument("--symbol", help=_("symbol shown at start, any case (e.g. BTC_JPY, btc)"))
    parser.add_argument(
        "--theme", help=_("theme name (gmo-dark, gmo-light, gmo-high-contrast, gmo-blue-orange, …)")
    )
    parser.add_argument("--endpoint", help=_("exchange base URL (default https://api.coin.z.com)"))
    parser.add_argument(
        "--seed", type=int, default=None, help=_("seed of the demo exchange (with --demo)")
    )
    parser.add_argument(
        "--paper",
        action="store_true",
        help=_("paper-trade on the live market (--endpoint: its public source); account persisted"),
    )
    parser.add_argument("--debug", action="store_true", help=_("debug logging to the log file"))
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help=_("language of the UI (default: the config, else the locale)"),
    )
    sub = parser.add_subparsers(dest="command", parser_class=_SubParser)
    sim = sub.add_parser("sim", help=_("run the built-in exchange alone"))
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--seed", type=int, default=42)
    sim.add_argument(
        "--control",
        action="store_true",
        help=_("enable the /_sim/ test controls (loopback clients, or the token printed at start)"),
    )
    sim.add_argument("--api-key", default=None)
    sim.add_argument("--api-secret", default=None)
    sim.add_argument(
        "--market",
        choices=("recorded", "walk"),
        default="recorded",
        help=_(
            "recorded: books and prints shaped by the recording shipped with the package "
            "(default); walk: the tests' random walk with even levels"
        ),
    )
    sim.add_argument(
        "--shape",
        metavar="FILE",
        default=None,
        help=_(
            "with --market recorded: shape the market by this recording (its first symbol) "
            "instead of the shipped one, e.g. one made with `gmo-tui record`"
        ),
    )
    from gmo_tui.keys_command import KeysAction

    keys = sub.add_parser("keys", help=_("the API key and secret in the OS keyring"))
    keys.add_argument(
        "action",
        choices=[action.value for action in KeysAction],
        help=_(
            "set: store them (typed without echo, or two lines on stdin); show: where the app "
            "finds credentials (never the secret); delete: remove them from the keyring"
        ),
    )
    from gmo_tui.record import command as record_command

    record_command.add_parser(sub)
    from gmo_tui.record import replay_command

    replay_command.add_parser(sub)
    from gmo_tui import serve

    serve.add_parser(sub)
    export_command.add_parser(sub)
    return parser


def run_sim(args: argparse.Namespace) -> int:
    from gmo_tui.sim.runner import serve

    kwargs = {"host": args.host, "port": args.port, "seed": args.seed, "control": args.control}
    if args.api_key:
        kwargs["api_key"] = args.api_key
    if args.api_secret:
        kwargs["api_secret"] = args.api_secret
    if args.market == "recorded":
        from gmo_tui.record.demo_market import demo_market

        try:
            kwargs["market"] = demo_market(args.shape)
        except (OSError, ValueError) as exc:  # FormatError is a ValueError
            source = args.shape or "the shipped recording"
            print(f"gmo-tui: cannot shape the market by {source}: {exc}", file=sys.stderr)
            return 2
    serve(**kwargs)  # prints the endpoint and the demo account's key and secret
    return 0


def run_keys(args: argparse.Namespace) -> int:
    from gmo_tui import keys_command

    action = keys_command.KeysAction(args.action)
    return keys_command.run(action, sys.stdin, sys.stdout, sys.stderr)


def binding_ids() -> frozenset[str]:
    """Every binding id of the app's screens and widgets (the ids ``[keymap]`` may remap)."""
    return frozenset(b.binding_id for b in bound_keys())


def bound_keys() -> list[BoundKey]:
    """Every binding with an id of the app's screens and widgets, with its keys and where it is
    active (for :func:`~gmo_tui.keymap_clashes.clashes`)."""
    import importlib
    import pkgutil

    from textual.app import App
    from textual.binding import Binding
    from textual.dom import DOMNode
    from textual.screen import ModalScreen, Screen

    import gmo_tui.app  # noqa: F401 - the app class and everything it composes
    import gmo_tui.screens
    import gmo_tui.widgets
    from gmo_tui.keymap_clashes import BoundKey, key_set

    for package in (gmo_tui.screens, gmo_tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    found: dict[tuple[str, str], BoundKey] = {}
    pending: list[type[DOMNode]] = [DOMNode]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if not cls.__module__.startswith("gmo_tui."):
            continue
        modal = issubclass(cls, ModalScreen)
        everywhere = issubclass(cls, App) or (issubclass(cls, Screen) and not modal)
        for klass in cls.__mro__:
            for binding in Binding.make_bindings(klass.__dict__.get("BINDINGS", ())):
                if binding.id:
                    found[(binding.id, cls.__qualname__)] = BoundKey(
                        binding.id,
                        key_set(binding.key),
                        scope=cls.__qualname__,
                        layer=cls.__qualname__ if modal else "main",
                        everywhere=everywhere,
                        description=binding.description,
                    )
    return list(found.values())


def run_app(args: argparse.Namespace) -> int:
    from gmo_tui import config as cfg
    from gmo_tui import redact

    try:
        log_path = cfg.setup_logging(logging.DEBUG if args.debug else logging.INFO)
    except OSError as exc:
        print(f"gmo-tui: cannot open the log file: {exc}", file=sys.stderr)
        return 2
    try:
        settings = cfg.load_settings(
            keys=bound_keys,
            symbol=args.symbol,
            theme=args.theme,
            endpoint=args.endpoint,
            demo=args.demo or None,
            language=args.lang,
        )
    except cfg.ConfigError as exc:
        print(f"gmo-tui: {exc}", file=sys.stderr)
        return 2
    use_language(choose_language(settings.language))
    settings = replace(settings, symbol=normalise_symbol(settings.symbol))
    demo_dir: Path | None = None
    try:
        if args.demo or args.paper:
            demo_dir = _demo_dir()
        journal_path = _journal_path(demo_dir)
    except OSError as exc:
        print(f"gmo-tui: cannot create the order journal: {exc}", file=sys.stderr)
        return 2
    from gmo_tui.exchange.auth import Credentials

    sim_process: SimProcess | None = None
    paper: PaperExchange | None = None
    mode = "LIVE"
    credentials: Credentials | None
    if args.demo:
        from gmo_tui.demo_exchange import SimProcess
        from gmo_tui.sim.symbols import SYMBOL_RULES

        # the built-in exchange's symbols are known without asking it, or starting it
        if (problem := unknown_symbol(settings.symbol, list(SYMBOL_RULES))) is not None:
            _remove(demo_dir)
            print(f"gmo-tui: {problem}", file=sys.stderr)
            return 2
        # the exchange starts in a process of its own, beside the app rather than before it
        sim_process = SimProcess(seed=args.seed, log=str(log_path))
        try:
            endpoint = sim_process.start()
        except OSError as exc:
            _remove(demo_dir)
            print(f"gmo-tui: cannot start the built-in exchange: {exc}", file=sys.stderr)
            return 2
        settings = replace(settings, endpoint=endpoint)
        credentials = Credentials(sim_process.api_key, sim_process.api_secret, source="demo")
        for secret in credentials.secrets():
            redact.register_secret(secret)
        mode = "DEMO"
    elif args.paper:
        from gmo_tui.paper import PaperStoreError

        try:
            paper, credentials, endpoint = _start_paper(args.endpoint)
        except PaperStoreError as exc:
            print(f"gmo-tui: {exc}", file=sys.stderr)
            return 2
        settings = replace(settings, endpoint=endpoint)
        mode = "PAPER"
    else:
        try:
            credentials = cfg.load_credentials()
        except cfg.ConfigError as exc:
            print(f"gmo-tui: {exc}", file=sys.stderr)
            return 2
    if (
        sim_process is None
        and (problem := symbol_problem(settings.symbol, settings.endpoint)) is not None
    ):
        if paper is not None:
            paper.stop()
        _remove(demo_dir)
        print(f"gmo-tui: {problem}", file=sys.stderr)
        return 2
    mode = mode_of(mode, settings.endpoint)
    from gmo_tui.serve import read_only

    if read_only():  # served to a browser without --allow-trading: no key, no orders
        credentials = None
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
        journal_path=journal_path,
        freeze_heap=True,
    )
    try:
        app.run()
    finally:
        if sim_process is not None:
            sim_process.stop()
        _remove(demo_dir)
        if paper is not None:
            paper.stop()
            if paper.cancelled_at_stop:
                print(f"gmo-tui: {paper.cancelled_at_stop} resting paper order(s) cancelled")
    return app.return_code or 0


def _start_paper(upstream: str | None) -> tuple[PaperExchange, Credentials, str]:
    """The paper exchange (gmo_tui/paper.py) started on loopback: (it, credentials, endpoint)."""
    from gmo_tui import redact
    from gmo_tui.exchange.auth import Credentials
    from gmo_tui.exchange.endpoints import DEFAULT_ENDPOINT
    from gmo_tui.paper import PaperExchange

    paper = PaperExchange(upstream or DEFAULT_ENDPOINT)
    endpoint = paper.start()
    credentials = Credentials(paper.api_key, paper.api_secret, source="paper")
    for secret in credentials.secrets():
        redact.register_secret(secret)
    return paper, credentials, endpoint


def _demo_dir() -> Path:
    """A fresh private temp dir for the demo's journal (removed on exit: :func:`_remove`)."""
    import tempfile

    from gmo_tui.private_files import private_dir

    return private_dir(Path(tempfile.mkdtemp(prefix="gmo-tui-demo-")))


def _remove(directory: Path | None) -> None:
    if directory is not None:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)


def _journal_path(demo_dir: Path | None) -> str:
    """The journal, created private (0600 in a 0700 dir) before SQLite opens it, so its
    -wal/-shm files are private too: the demo's in its temp dir, else the default one."""
    from gmo_tui.private_files import private_database
    from gmo_tui.trading.journal import default_journal_path

    if demo_dir is not None:
        return str(private_database(demo_dir / "journal.sqlite"))
    return str(private_database(default_journal_path()))


def normalise_symbol(symbol: str) -> str:
    """GMO's symbols are upper case: ``eth`` and ``btc_jpy`` mean ``ETH`` and ``BTC_JPY``."""
    return symbol.strip().upper()


def symbol_problem(symbol: str, endpoint: str, timeout: float = 5.0) -> str | None:
    """Why ``symbol`` cannot be shown: not one of the exchange's ``/v1/symbols``. ``None``
    when it is, or when the exchange cannot be asked now (the app then says so itself)."""
    import asyncio

    from gmo_tui.exchange.errors import GmoError
    from gmo_tui.exchange.rest import GmoRestClient

    async def known() -> list[str]:
        async with GmoRestClient(endpoint, None, timeout=timeout) as rest:
            return [rule.symbol for rule in await rest.get_symbols()]

    try:
        symbols = asyncio.run(known())
    except (GmoError, OSError) as exc:
        logging.getLogger(__name__).info("symbols not checked at start: %s", exc)
        return None
    return unknown_symbol(symbol, symbols)


def unknown_symbol(symbol: str, symbols: list[str]) -> str | None:
    """Why ``symbol`` is not one of ``symbols`` (None: it is, or the list is empty)."""
    if not symbols or symbol in symbols:
        return None
    return _("unknown symbol {symbol}; the exchange has: {symbols}").format(
        symbol=symbol, symbols=", ".join(sorted(symbols, key=lambda s: (s.endswith("_JPY"), s)))
    )


def mode_of(mode: str, endpoint: str) -> str:
    """``SIM`` for a LIVE run against a loopback endpoint (a local exchange, not GMO)."""
    import ipaddress
    from urllib.parse import urlsplit

    if mode != "LIVE":
        return mode
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost":
        return "SIM"
    try:
        return "SIM" if ipaddress.ip_address(host).is_loopback else mode
    except ValueError:
        return mode


def _early_language(argv: Sequence[str]) -> str:
    """The language of ``--help`` and of messages before the config is read: ``--lang``,
    else ``GMO_TUI_LANGUAGE``, else the locale."""
    import os

    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--lang", choices=LANGUAGES)
    known, _rest = early.parse_known_args(argv)
    env = os.environ.get("GMO_TUI_LANGUAGE", "").strip().lower()
    return choose_language(known.lang, env if env in LANGUAGES else None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    use_language(_early_language(argv))
    args = build_parser().parse_args(argv)
    if args.command == "sim":
        return run_sim(args)
    if args.command == "keys":
        return run_keys(args)
    if args.command == "record":
        from gmo_tui.record import command as record_command

        return record_command.run(args)
    if args.command == "replay":
        from gmo_tui.record import replay_command

        return replay_command.run(args)
    if args.command == "serve":
        from gmo_tui import serve

        return serve.run(args)
    if args.command == "export":
        return export_command.run(args)
    return run_app(args)

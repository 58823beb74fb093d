"""The Japanese catalogue holds every text the app shows.

The rule, in three parts:

1. every string given to ``_()``/``N_()`` anywhere in the package, and every binding
   description and tooltip (footer, help, palette), has a Japanese text in ``ja.po`` with the
   same ``{placeholders}``; ``_()`` of an f-string is an error (it can never be looked up);
2. in the app layer (screens, widgets, app, session, commands, cli), no text reaches a known
   UI sink bare: the first argument of ``notify``/``say``/``on_message``/``banner`` text,
   ``Static``/``Label``/``Button``/``TabPane``/``Tab``/``ConfirmScreen``/``.update``, a
   ``placeholder=``/``help=``/``description=`` keyword, a ``border_title``/``border_subtitle``
   or ``status.message`` assignment, or a column label of a table, may not be a literal or an
   f-string with words in it: it must go through ``_()`` (or be built from translated parts);
3. the compiled ``.mo`` is the one the ``.po`` compiles to (nobody forgot to recompile).

Every GMO error code has its Japanese text.
"""

from __future__ import annotations

import ast
import gettext
import io
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import gmo_tui.i18n.terms  # noqa: F401 - the shown enum values
from gmo_tui.cli import binding_ids
from gmo_tui.exchange.errors import ERROR_MESSAGES
from gmo_tui.i18n import LOCALE_DIR
from gmo_tui.i18n.bindings import binding_messages
from gmo_tui.i18n.compile import compiled, po_files
from gmo_tui.i18n.exchange_errors import ERROR_MESSAGES_JA
from gmo_tui.i18n.extract import PACKAGE, marked, source_messages

JA_PO = LOCALE_DIR / "ja" / "LC_MESSAGES" / "gmo_tui.po"
APP_LAYER = [
    *sorted((PACKAGE / "screens").glob("*.py")),
    *sorted((PACKAGE / "widgets").glob("*.py")),
    *sorted((PACKAGE / "session").glob("*.py")),
    *(PACKAGE / name for name in ("app.py", "commands.py", "cli.py")),
]
SINK_CALLS = frozenset(
    {
        "notify",
        "say",
        "on_message",
        "Static",
        "Label",
        "Button",
        "TabPane",
        "Tab",
        "ConfirmScreen",
        "ValueDialog",
        "update",
        "set_entry_reason",
        "show_history_status",
    }
)
SINK_KEYWORDS = frozenset({"placeholder", "help", "description", "title"})
SINK_ATTRIBUTES = frozenset({"border_title", "border_subtitle", "message", "status"})
WORDS = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def _catalogue() -> dict[str, str]:
    with JA_PO.open("rb") as source:
        catalog = read_po(source)
    return {str(m.id): str(m.string) for m in catalog if m.id and not m.fuzzy}


def test_every_marked_text_and_binding_is_in_japanese() -> None:
    binding_ids()  # imports every screen and widget, so every binding class exists
    found = source_messages()
    assert not [f.where for f in found if f.message is None], "_() of an f-string"
    wanted = {f.message for f in found if f.message} | binding_messages()
    assert len(wanted) > 250  # the extraction found the app's texts
    japanese = _catalogue()
    missing = sorted(m for m in wanted if not japanese.get(m))
    assert not missing, f"not in ja.po: {missing}"


def test_no_text_is_in_the_catalogue_twice() -> None:
    """Merged branches append blocks to the .po: a text added by both would be read twice
    (Babel keeps one silently), so the Japanese shown could be either."""
    ids = re.findall(r'^msgid ((?:".*"\n)+)', JA_PO.read_text(encoding="utf-8"), re.M)
    assert not [msgid for msgid in set(ids) if ids.count(msgid) > 1]


def test_placeholders_match() -> None:
    wrong = [
        (msgid, text)
        for msgid, text in _catalogue().items()
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert not wrong


def test_the_compiled_catalogue_is_current() -> None:
    """What gettext reads from the committed .mo is what the .po says, text for text."""
    assert po_files() == [JA_PO]
    with JA_PO.with_suffix(".mo").open("rb") as mo:
        committed = gettext.GNUTranslations(mo)
    stale = {
        msgid: text for msgid, text in _catalogue().items() if committed.gettext(msgid) != text
    }
    assert not stale, "the .mo is stale: python -m gmo_tui.i18n.compile"
    # and the compiler (Babel) gives the same texts from the .po
    rebuilt = gettext.GNUTranslations(io.BytesIO(compiled(JA_PO)))
    assert all(rebuilt.gettext(m) == t for m, t in _catalogue().items())


def test_every_gmo_error_code_has_its_japanese_text() -> None:
    assert set(ERROR_MESSAGES_JA) == set(ERROR_MESSAGES)
    assert all(text.strip() for text in ERROR_MESSAGES_JA.values())


def _bare(node: ast.AST | None) -> bool:
    """A literal (or an f-string with literal words) that did not go through ``_()``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return bool(WORDS.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(
            isinstance(part, ast.Constant) and WORDS.search(str(part.value)) for part in node.values
        )
    return False


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def bare_texts(tree: ast.AST, where: str) -> list[str]:
    """Every bare text at a UI sink of ``tree`` (see the module docstring)."""
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in SINK_CALLS and node.args and _bare(node.args[0]):
                problems.append(f"{where}:{node.lineno} {name}(…)")
            if name == "banner" and len(node.args) > 1 and _bare(node.args[1]):
                problems.append(f"{where}:{node.lineno} banner(…, text)")
            for keyword in node.keywords:
                if keyword.arg in SINK_KEYWORDS and _bare(keyword.value):
                    problems.append(f"{where}:{node.lineno} {keyword.arg}=…")
            if name in {"KeyedTable", "__init__"}:
                for arg in node.args[:1]:
                    if isinstance(arg, ast.List | ast.Tuple):
                        for column in arg.elts:
                            if (
                                isinstance(column, ast.Tuple)
                                and len(column.elts) > 1
                                and _bare(column.elts[1])
                            ):
                                problems.append(f"{where}:{column.lineno} column label")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in SINK_ATTRIBUTES
                    and _bare(node.value)
                ):
                    problems.append(f"{where}:{node.lineno} .{target.attr} = …")
    return problems


@pytest.mark.parametrize("path", APP_LAYER, ids=lambda p: p.name)
def test_no_bare_text_reaches_the_screen(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not bare_texts(tree, path.name)


HEADLESS_COVERED = [
    PACKAGE / "market" / "safety.py",
    *(
        PACKAGE / "trading" / name
        for name in ("service.py", "halts.py", "reconcile.py", "brackets.py", "bracket_links.py")
    ),
]
"""Headless modules whose texts reach the user (findings, notices, refusal reasons)."""
HEADLESS_SINKS = {
    # call name -> index of its argument that is a text shown to the user
    "hard": 1,  # hard(code, message): a pre-trade finding
    "soft": 1,
    "Finding": 2,
    "notify": 1,  # service.notify(kind, message, level)
    "set_gate": 2,  # set_gate(gate, ok, reason)
    "halt": 0,
    "engage": 0,
    "set_kill_switch": 1,
    "_tell": 1,  # brackets: _tell(bracket, text, level)
    "_send_exit": 2,  # brackets: _send_exit(bracket, lot, why)
}
HEADLESS_KEYWORDS = frozenset({"reason", "message"})
HEADLESS_ATTRIBUTES = frozenset({"reason", "note", "message", "stop_error"})


def headless_bare_texts(tree: ast.AST, where: str) -> list[str]:
    """Every bare text handed to a headless sink (a finding, a notice, a gate's or a
    refusal's reason) in ``tree``."""
    problems: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            first = HEADLESS_SINKS.get(name)
            if first is not None and any(_bare(arg) for arg in node.args[first : first + 1]):
                problems.append(f"{where}:{node.lineno} {name}(…)")
            for keyword in node.keywords:
                if keyword.arg in HEADLESS_KEYWORDS and _bare(keyword.value):
                    problems.append(f"{where}:{node.lineno} {keyword.arg}=…")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in HEADLESS_ATTRIBUTES
                    and _bare(node.value)
                ):
                    problems.append(f"{where}:{node.lineno} .{target.attr} = …")
    return problems


@pytest.mark.parametrize("path", HEADLESS_COVERED, ids=lambda p: p.name)
def test_no_bare_text_leaves_the_headless_layers(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not headless_bare_texts(tree, path.name)


CLI_MODULES = [
    PACKAGE / "keys_command.py",
    PACKAGE / "private_files.py",
    PACKAGE / "serve.py",
    PACKAGE / "record" / "command.py",
    PACKAGE / "record" / "replay_command.py",
    PACKAGE / "export" / "command.py",
]
"""Command-line modules: their ``--help`` texts (``help=``/``description=``) and, in the keys
command and the private-file checks, every printed line and refusal go through ``_()``."""
PRINTED = frozenset({"print", "BadInput", "UntrustedPath", "NotADirectoryError"})


def cli_bare_texts(tree: ast.AST, where: str, *, printed: bool) -> list[str]:
    problems = [
        problem
        for problem in bare_texts(tree, where)
        if problem.endswith(("help=…", "description=…"))
    ]
    if printed:
        problems += [
            f"{where}:{node.lineno} {_call_name(node)}(…)"
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and _call_name(node) in PRINTED
            and node.args
            and _bare(node.args[0])
        ]
    return problems


@pytest.mark.parametrize("path", CLI_MODULES, ids=lambda p: p.name)
def test_no_bare_text_in_the_command_line(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    printed = path.name in ("keys_command.py", "private_files.py")
    assert not cli_bare_texts(tree, path.name, printed=printed)


def test_the_command_line_rule_catches_a_bare_text() -> None:
    assert cli_bare_texts(ast.parse('cmd.add_argument("--x", help="a flag")'), "e", printed=False)
    assert cli_bare_texts(ast.parse('print(f"Stored key {hint}.", file=out)'), "e", printed=True)
    assert cli_bare_texts(ast.parse('raise UntrustedPath(f"{p} is open")'), "e", printed=True)
    assert not cli_bare_texts(ast.parse('print(_("Stored key {hint}."))'), "e", printed=True)


@pytest.mark.parametrize(
    "source",
    [
        'hard("tick", f"price {p(price)} is not a multiple of the tick size")',
        'soft("no_reference", "cannot be checked")',
        'self.notify(NoticeKind.ENABLED, "Order entry enabled")',
        'svc.set_gate(Gate.RECONCILED, False, "reconciling with the exchange")',
        'return SubmitResult(Outcome.REFUSED, reason=f"unknown symbol {symbol}")',
        'self.halt(f"exchange status {value.value}")',
        'self.reason = f"exchange status {status}"',
    ],
)
def test_the_headless_rule_catches_a_bare_text(source: str) -> None:
    assert headless_bare_texts(ast.parse(source), "example")


@pytest.mark.parametrize(
    "source",
    [
        'hard("tick", _("price {price} is off").format(price=p(price)))',
        'self.notify(NoticeKind.ENABLED, _("Order entry enabled"))',
        "svc.set_gate(Gate.CLOCK, True)",
        'return SubmitResult(Outcome.REFUSED, reason=_("unknown order"))',
        "self.halt(halt_reason(code))",
    ],
)
def test_the_headless_rule_lets_a_translated_text_through(source: str) -> None:
    assert not headless_bare_texts(ast.parse(source), "example")


@pytest.mark.parametrize(
    "source",
    [
        'self.notify("No order selected")',
        'self.say(f"Order {order_id} cannot be changed")',
        'yield Static("Times in JST")',
        'yield Input(placeholder="amount")',
        'self.border_title = "Order"',
        'super().__init__([("id", "Order"), ("side", "Side")])',
        'KeyedTable([("item", "Margin")], id="margin-table")',
        'self.banner(Banner.CLOCK, f"Clock: {why}")',
    ],
)
def test_the_rule_catches_a_bare_text(source: str) -> None:
    assert bare_texts(ast.parse(source), "example")


@pytest.mark.parametrize(
    "source",
    [
        'self.notify(_("No order selected"))',
        'self.say(_("Order {id} cannot be changed").format(id=order_id))',
        'yield Static("", id="ticket-error")',
        'self.border_title = f"{_(side)} {symbol}"',
        'super().__init__([("id", _("Order"))])',
    ],
)
def test_the_rule_lets_a_translated_text_through(source: str) -> None:
    assert not bare_texts(ast.parse(source), "example")


def test_an_f_string_in_gettext_is_found() -> None:
    found = list(marked(ast.parse('_(f"Order {order_id}")'), "example"))
    assert [f.message for f in found] == [None]


def _assigns_underscore(tree: ast.AST) -> list[int]:
    """Lines where ``_`` is bound (assigned, a loop or ``with`` target): in a module that
    imports gettext's ``_`` this would shadow it (``host, _ = …`` then ``_("…")`` fails)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)
    ]


def test_no_module_shadows_gettext() -> None:
    shadowed = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_gettext = any(
            isinstance(node, ast.ImportFrom)
            and (node.module or "").startswith("gmo_tui.i18n")
            and any(alias.name == "_" for alias in node.names)
            for node in ast.walk(tree)
        )
        if imports_gettext:
            shadowed += [f"{path.name}:{line}" for line in _assigns_underscore(tree)]
    assert not shadowed


def test_the_shadow_rule_catches_a_throwaway_underscore() -> None:
    assert _assigns_underscore(ast.parse('host, _ = "h", 1\nfor _, size in rows: pass'))
    assert not _assigns_underscore(ast.parse("match x:\n    case _:\n        pass"))


def test_the_entry_gates_reasons_are_the_ones_marked() -> None:
    """trading/ may not import the i18n package: its reasons are marked in terms.py, and
    shown through ``_(reason)``; this keeps the two lists the same."""
    from gmo_tui.i18n.terms import ENTRY_GATE_REASONS
    from gmo_tui.trading.gates import EntryGates

    assert {reason for _gate, reason in EntryGates().closed()} == set(ENTRY_GATE_REASONS)

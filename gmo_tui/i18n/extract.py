"""The texts the catalogue must hold, found in the source with :mod:`ast`.

A message is the string literal given to ``_()`` or ``N_()`` anywhere in the package (an
f-string there is an error: it cannot be looked up). Binding descriptions and tooltips come
from the classes themselves (:func:`gmo_tui.i18n.bindings.binding_messages`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
MARKERS = frozenset({"_", "N_"})


@dataclass(frozen=True, slots=True)
class Found:
    message: str | None
    """The literal, or None when the argument is not a plain string (a mistake)."""
    where: str


def marked(tree: ast.AST, where: str) -> Iterator[Found]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in MARKERS
            and len(node.args) == 1
        ):
            arg = node.args[0]
            text = arg.value if isinstance(arg, ast.Constant) else None
            if isinstance(arg, ast.JoinedStr) or isinstance(text, str):
                yield Found(text if isinstance(text, str) else None, f"{where}:{node.lineno}")


def source_messages(root: Path = PACKAGE) -> list[Found]:
    """Every ``_("…")``/``N_("…")`` of the package (f-strings as ``message=None``)."""
    found: list[Found] = []
    for path in sorted(root.rglob("*.py")):
        where = str(path.relative_to(root.parent))
        found.extend(marked(ast.parse(path.read_text(encoding="utf-8")), where))
    return found

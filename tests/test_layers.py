"""The layers stay apart: the protocol, the market models, the trading service and the exchange
never import Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "gmo_tui"
HEADLESS = ["exchange", "market", "sim", "trading", "record"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_packages_never_import_textual(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules found in gmo_tui/{package}"
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files
        for name in _imports(path)
        if name == "textual"
        or name.startswith("textual.")
        or name == "rich"
        or name.startswith("rich.")
    ]
    assert offenders == []


def test_exchange_never_imports_the_app_or_the_simulator() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "exchange").rglob("*.py"))
        for name in _imports(path)
        if name.startswith(("gmo_tui.sim", "gmo_tui.market", "gmo_tui.widgets", "gmo_tui.app"))
    ]
    assert offenders == []


def test_simulator_shares_only_the_protocol_with_the_app() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "sim").rglob("*.py"))
        for name in _imports(path)
        if name.startswith("gmo_tui.") and not name.startswith(("gmo_tui.sim", "gmo_tui.exchange"))
    ]
    assert offenders == []


@pytest.mark.parametrize("path", ["session", "market/formatting.py"])
def test_the_session_and_formatting_never_import_textual(path: str) -> None:
    """The headless session (issue 10) runs without Textual: the app only composes it."""
    files = [ROOT / path] if path.endswith(".py") else sorted((ROOT / path).rglob("*.py"))
    assert files
    names = {name for file in files for name in _imports(file)}
    assert not [n for n in names if n.split(".")[0] in ("textual", "rich")]


def test_trading_never_imports_the_app() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "trading").rglob("*.py"))
        for name in _imports(path)
        if name.startswith("gmo_tui.")
        and not name.startswith(("gmo_tui.trading", "gmo_tui.market", "gmo_tui.exchange"))
        and name != "gmo_tui.private_files"  # headless file modes
        and name != "gmo_tui.i18n"  # gettext's _(), a stdlib-only leaf
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["market", "trading"])
def test_headless_layers_take_only_gettext_from_the_i18n_package(package: str) -> None:
    """market/ and trading/ translate their texts with ``gmo_tui.i18n``'s ``_()``: that module
    only, never its submodules (bindings reads Textual classes)."""
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imports(path)
        if name.startswith("gmo_tui.i18n") and name != "gmo_tui.i18n"
    ]
    assert offenders == []


def test_the_i18n_module_is_a_stdlib_leaf() -> None:
    """What the headless layers import from i18n imports nothing of the app and no Textual."""
    names = _imports(ROOT / "i18n" / "__init__.py")
    assert not [n for n in names if n.split(".")[0] in ("gmo_tui", "textual", "rich", "babel")]

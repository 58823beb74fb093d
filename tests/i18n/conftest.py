"""Fixtures of the language tests: the app fixtures of tests/app, and English again after
every test (the language is the process's)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gmo_tui.i18n import use_language
from gmo_tui.i18n.bindings import localise_bindings
from tests.app.conftest import (  # noqa: F401 - fixtures shared with the app tests
    _isolated_dirs,
    _no_idle_heuristic,
    _restore_logging,
    make_app,
    rest,
    sim,
)


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    use_language("en")
    localise_bindings()

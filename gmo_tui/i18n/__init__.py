"""Translations: the standard library's :mod:`gettext` over the catalogues in ``locale/``.

``locale/ja/LC_MESSAGES/gmo_tui.po`` is the source of the Japanese texts and
``gmo_tui.mo`` beside it the compiled catalogue the app reads (``python -m
gmo_tui.i18n.compile`` rebuilds it; a test fails when it is stale). English is the source
language: its texts are the message ids, so English needs no catalogue.

The language is chosen once per process, before the UI is built: ``--lang``, else
``GMO_TUI_LANGUAGE``, else ``language`` in the config, else the locale as gettext reads it
(``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``ja_JP.UTF-8`` is Japanese), else
English. ``_("…")`` translates at call time; ``N_("…")`` only marks a text defined at import
time (a class attribute) that is translated where it is shown.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "gmo_tui"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ja")
"""The languages the app speaks; the first is the default and the source language."""
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
"""Looked at in this order, as :func:`gettext.find` does; the first one set decides."""

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = LANGUAGES[0]


def language_problem(value: str) -> str | None:
    """Why ``value`` is not a language the app speaks, or None."""
    return None if value in LANGUAGES else " or ".join(f'"{lang}"' for lang in LANGUAGES)


def language_from_locale(env: Mapping[str, str] | None = None) -> str:
    """The app's language for the locale in ``env`` (``os.environ`` by default).

    The first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set decides;
    ``LANGUAGE`` may list several (``ja:en``): the first the app speaks wins. ``C``/``POSIX``
    and anything unknown are English.
    """
    env = os.environ if env is None else env
    for variable in LOCALE_VARIABLES:
        value = env.get(variable, "")
        if not value:
            continue
        for entry in value.split(":"):
            code = entry.split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
        return LANGUAGES[0]
    return LANGUAGES[0]


def choose_language(*choices: str | None, env: Mapping[str, str] | None = None) -> str:
    """The first non-empty of ``choices`` (flag, environment, config), else the locale's."""
    for choice in choices:
        if choice:
            return choice
    return language_from_locale(env)


def use_language(language: str) -> None:
    """Make ``language`` the process's language (English for anything it does not speak)."""
    global _translations, _language
    if language not in LANGUAGES or language == LANGUAGES[0]:
        _translations, _language = gettext.NullTranslations(), LANGUAGES[0]
        return
    _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
    _language = language


def current_language() -> str:
    return _language


def _(message: str) -> str:
    """``message`` in the current language (itself when the catalogue lacks it; the empty
    text stays empty: gettext would answer it with the catalogue's header)."""
    return _translations.gettext(message) if message else message


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue without translating it (translated where shown)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)

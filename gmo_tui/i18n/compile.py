"""Developer tool: compile every ``locale/*/LC_MESSAGES/gmo_tui.po`` into its ``.mo``.

``python -m gmo_tui.i18n.compile``. Needs Babel (the ``test`` extra); the app itself reads
the committed ``.mo`` files with the standard library's gettext.
"""

from __future__ import annotations

import io
from pathlib import Path

from gmo_tui.i18n import DOMAIN, LOCALE_DIR


def compiled(po_path: Path) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file (fuzzy entries left out, as msgfmt does)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as source:
        catalog = read_po(source)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def main() -> None:
    for po in po_files():
        po.with_suffix(".mo").write_bytes(compiled(po))
        print(f"compiled {po.with_suffix('.mo')}")


if __name__ == "__main__":
    main()

"""`python -m gmo_tui` runs the same entry point as the `gmo-tui` console script."""

from gmo_tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""Words the app shows through ``_(value)``: wire values of enums and stream states, which
the catalogue extractor cannot see at the call site. Marked here so the catalogue has them."""

from __future__ import annotations

from gmo_tui.i18n import N_

SHOWN_VALUES = (
    # sides, order types (the ticket's cyclers, confirm dialogs, notices)
    N_("BUY"),
    N_("SELL"),
    N_("LIMIT"),
    N_("MARKET"),
    N_("STOP"),
    # transfer directions
    N_("DEPOSIT"),
    N_("WITHDRAWAL"),
    # exchange status
    N_("OPEN"),
    N_("PREOPEN"),
    N_("MAINTENANCE"),
    # margin call status (the Margin tab)
    N_("NORMAL"),
    N_("MARGIN_CALL"),
    N_("LOSSCUT"),
    # the status bar's streams and their states
    N_("book"),
    N_("trades"),
    N_("ticker"),
    N_("private"),
    N_("public"),
    # trading outcomes as titles (Refused: …, Blocked: …)
    N_("Refused"),
    N_("Blocked"),
    # what a number typed in a form is (rules.parse_number)
    N_("value"),
    # order statuses and journal intent states in the trading layer's notices and reasons
    N_("WAITING"),
    N_("ORDERED"),
    N_("MODIFYING"),
    N_("CANCELLING"),
    N_("CANCELED"),
    N_("EXECUTED"),
    N_("EXPIRED"),
    N_("PENDING"),
    N_("SENT"),
    N_("ACCEPTED"),
    N_("REJECTED"),
    N_("UNKNOWN"),
    N_("RESOLVED"),
    N_("ABANDONED"),
)

TEXTUAL_PALETTE = (
    # Textual's own command palette: its placeholder and system commands (App.get_system_commands)
    N_("Search for commands…"),
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)

ARGPARSE_SECTIONS = (
    # argparse's section titles in --help (cli._HelpFormatter translates them)
    N_("positional arguments"),
    N_("options"),
)

ENTRY_GATE_REASONS = (
    # the entry gates' first reasons (trading/gates.py, which stays free of the app layers;
    # a test checks these are exactly a fresh EntryGates' reasons)
    N_("trading rules not loaded yet"),
    N_("order book not live yet"),
    N_("private stream not live yet"),
    N_("reconciling with the exchange"),
    N_("reconciling with the exchange (its status not known yet)"),
)

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
)

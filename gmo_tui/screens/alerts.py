"""The Alerts screen: every alert (armed, fired, or holding an episode) and the fired ones not
dismissed yet; ``x`` dismisses the selected alert's notices, ``X`` all of them, ``d`` deletes
the alert, Escape closes. New alerts come from the ladder's ``a`` and the palette."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from gmo_tui.alerts import Alert, AlertState
from gmo_tui.i18n import N_, _
from gmo_tui.market.formatting import decimals_of, jst_time
from gmo_tui.screens.alert_flows import describe
from gmo_tui.session.alerting import SessionAlerts
from gmo_tui.session.session import Session

COLUMNS = (N_("State"), N_("Alert"), N_("Set (JST)"), N_("Fired (JST)"))


def when(seconds: float | None) -> str:
    if not seconds:
        return "—"
    return jst_time(datetime.fromtimestamp(seconds, UTC), "%m-%d %H:%M:%S")


def state_of(alert: Alert, alerts: SessionAlerts) -> str:
    """NEW (fired, not dismissed), FIRED (done), ACTIVE (a condition holds), or ARMED."""
    if any(f.alert_id == alert.id for f in alerts.notices):
        return _("NEW")
    if alert.state is AlertState.FIRED:
        return _("FIRED")
    return _("ACTIVE") if alert.active else _("ARMED")


class AlertsScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > Vertical {
        width: 100; max-width: 98%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    AlertsScreen #alerts-title { text-style: bold; }
    AlertsScreen DataTable { height: auto; max-height: 20; }
    AlertsScreen #alerts-hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("x", "dismiss_notice", "Dismiss", id="alerts.dismiss"),
        Binding("X", "dismiss_all", "Dismiss all", id="alerts.dismiss_all"),
        Binding("d", "delete", "Delete alert", id="alerts.delete"),
        Binding("escape", "close", "Close", id="alerts.close"),
    ]

    def __init__(self, session: Session, changed: Callable[[], None]) -> None:
        """``changed``: called after a dismissal or deletion (the main screen's notice line)."""
        super().__init__()
        self.session = session
        self.changed = changed

    @property
    def table(self) -> DataTable[str]:
        return self.query_one(DataTable)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Alerts"), id="alerts-title")
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Static(
                _(
                    "x dismiss · X dismiss all · d delete · Escape close · "
                    "a on the ladder or ctrl+p “Alert:” to add"
                ),
                id="alerts-hint",
            )

    def on_mount(self) -> None:
        self.table.add_columns(*(_(label) for label in COLUMNS))
        self.show()
        self.table.focus()

    def show(self) -> None:
        """Re-render from the session's alerts (newest first), keeping the cursor's row."""
        table, alerts = self.table, self.session.alerts
        keep = self.selected()
        table.clear()
        rows = sorted(alerts.engine.alerts, key=lambda a: a.created_at, reverse=True)
        for alert in rows:
            rule = self.session.rules.get(alert.symbol or "")
            places = decimals_of(rule.tick_size) if rule else None
            table.add_row(
                state_of(alert, alerts),
                describe(alert, places),
                when(alert.created_at),
                when(alert.fired_at),
                key=alert.id,
            )
        if not rows:
            table.add_row("—", _("no alerts yet"), "", "", key="")
        if keep is not None and keep in {a.id for a in rows}:
            table.move_cursor(row=table.get_row_index(keep))
        count = len(alerts.notices)
        title = (
            _("Alerts · {count} set · {new} new").format(count=len(rows), new=count)
            if count
            else _("Alerts · {count} set").format(count=len(rows))
        )
        self.query_one("#alerts-title", Static).update(title)

    def selected(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return key or None

    def _changed(self) -> None:
        self.show()
        self.changed()

    def action_dismiss_notice(self) -> None:
        alert_id = self.selected()
        if alert_id is not None:
            self.session.alerts.dismiss(alert_id)
            self._changed()

    def action_dismiss_all(self) -> None:
        self.session.alerts.dismiss()
        self._changed()

    def action_delete(self) -> None:
        alert_id = self.selected()
        if alert_id is not None:
            self.session.alerts.remove(alert_id)
            self._changed()

    def action_close(self) -> None:
        self.dismiss(None)

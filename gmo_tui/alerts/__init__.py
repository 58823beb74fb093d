"""Alerts (headless: no Textual here): price crosses above/below, a percent move over a window,
fills, a position near its losscut price, a low margin ratio, a stream not live for N seconds,
maintenance announced or begun.

* :mod:`~gmo_tui.alerts.model`: :class:`Alert` (kind, level, persisted state) and
  :class:`Fired` (what every delivery shows; :meth:`Fired.to_json` is the hook's stdin).
* :mod:`~gmo_tui.alerts.engine`: :class:`AlertEngine`, fed by the caller from the market models
  (``on_price``/``on_ticker``/``on_trade``/``feed_prices``, ``check_positions(positions,
  books)``, ``check_margin(account)``, ``on_fill(fill)``, ``on_stream_status(status)`` and
  ``check_streams()`` on a timer, ``on_exchange_status(status)``,
  ``on_maintenance_notice(id, text)``); returns the alerts that fired.
* :mod:`~gmo_tui.alerts.store`: JSON in the data directory (``GMO_TUI_DATA_DIR`` or the
  platform's, e.g. ``~/.local/share/gmo-tui/alerts.json``; directory 0700, file 0600).
* :mod:`~gmo_tui.alerts.terminal`: the bell and OSC 9 / OSC 777 notifications (tmux-wrapped).
* :mod:`~gmo_tui.alerts.hook`: the command hook (JSON on stdin, time-limited, no secrets).
* :mod:`~gmo_tui.alerts.delivery`: :class:`Delivery` runs the terminal and hook deliveries as
  :class:`AlertSettings` (``[alerts]``) says; the on-screen notice is the app's.

Firing: a price or percent-move alert fires once and stays FIRED (saved). A condition alert
(fill, losscut, margin, stream, maintenance) fires once per episode: once per fill (execution
id), once per position while it stays near its losscut, once while the margin ratio stays low,
once per outage of a stream, once per maintenance; the episode re-arms when its condition
clears. The state is saved on every change, so a restart does not fire an alert again; so is
each alert's latest firing until the trader dismisses it (``AlertEngine.pending``/``dismiss``),
so its notice survives a restart too.

Configuration (``config.toml``; :class:`AlertSettings.from_table` checks it)::

    [alerts]
    bell = true                 # the terminal bell on every alert
    osc = "off"                 # desktop notifications: "off", "osc9", "osc777" or "both"
    tmux = "auto"               # wrap them for tmux passthrough: "auto" (TMUX set), true, false
    command = ""                # a hook: run with the alert as JSON on stdin, e.g.
                                # "notify-send-json" or ["/usr/local/bin/pager-alert", "--high"]
    command_timeout = 10        # seconds; then the hook's process group is killed
    stale_after = 30            # default seconds for a stream alert made from the UI
    losscut_pct = 5             # default % distance for a losscut alert made from the UI

The hook's JSON: ``{"id", "kind", "symbol", "title", "body", "at" (ISO 8601 UTC),
"details": {str: str}}`` (prices and sizes as decimal strings).
"""

from gmo_tui.alerts.delivery import Delivery
from gmo_tui.alerts.engine import AlertEngine
from gmo_tui.alerts.hook import HookResult, hook_environment, run_hook
from gmo_tui.alerts.model import Alert, AlertKind, AlertState, Fired
from gmo_tui.alerts.settings import AlertSettings
from gmo_tui.alerts.store import AlertStore, data_dir
from gmo_tui.alerts.terminal import Osc, TerminalNotifier, notification_bytes

__all__ = [
    "Alert",
    "AlertEngine",
    "AlertKind",
    "AlertSettings",
    "AlertState",
    "AlertStore",
    "Delivery",
    "Fired",
    "HookResult",
    "Osc",
    "TerminalNotifier",
    "data_dir",
    "hook_environment",
    "notification_bytes",
    "run_hook",
]

"""The trade journal and its CSV export (headless; no Textual).

* :mod:`~gmo_tui.export.history`: every execution of a date range gathered once from GMO
  (``latestExecutions``, all pages, and ``executions`` of the orders the journal placed), with
  totals per day and symbol.
* :mod:`~gmo_tui.export.csv_layout`: the documented CSV layout, written privately.
* :mod:`~gmo_tui.export.command`: ``gmo-tui export --from … --to … [--symbol …] [--out FILE]``.
"""

"""A DataTable updated by row key: changed cells via ``update_cell``, rows added and removed
by key; never cleared and rebuilt on a tick (only when the symbol column is switched on or off:
:meth:`KeyedTable.set_with_symbol`). With ``repaint_s`` the rows follow at most once per that
many seconds (coalesced: the first change after a quiet spell at once, the latest rows always
shown; :mod:`gmo_tui.widgets.repaint_rate`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from gmo_tui.i18n import _
from gmo_tui.widgets.repaint_rate import Coalesced

Cell = str | Text
SYMBOL_AT = 1
"""Where the symbol column goes by default (after the first column) when every symbol is
listed."""
SYMBOL_WIDTH = 8
Places = Callable[[str], tuple[int, int]]
"""A symbol's (price decimals, size decimals)."""


class KeyedTable(DataTable):
    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str] | tuple[str, str, int]],
        *,
        symbol_at: int = SYMBOL_AT,
        repaint_s: float | None = None,
        **kwargs,
    ):
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.symbol_at = symbol_at
        """Where the symbol column goes when every symbol is listed."""
        self._column_keys = [column[0] for column in columns]
        # (key, label, width or None): a fixed width keeps columns from jumping as values
        # change and from depending on when a row was first measured.
        self._labels = [(c[0], c[1], c[2] if len(c) > 2 else None) for c in columns]
        self._base_labels = list(self._labels)
        self.with_symbol = False
        """A symbol column after the first one (the all-symbols view)."""
        self._values: dict[str, tuple[Cell, ...]] = {}
        self.cell_updates = 0
        self._pending: list[tuple[str, Sequence[Cell]]] | None = None
        self._latest_rows: list[tuple[str, Sequence[Cell]]] | None = None
        self._sync_latest = None if repaint_s is None else Coalesced(self, repaint_s, self._synced)

    def on_mount(self) -> None:
        for key, label, width in self._labels:
            self.add_column(label, key=key, width=width)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.sync(pending)

    def sync(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        """Make the table show exactly ``rows`` (key, cells), in that order for new rows (with
        ``repaint_s``: at once after a quiet spell, else the latest at the end of the interval).

        Before the columns exist (the table is not mounted yet) the rows are kept and shown on
        mount: rows added without their columns would never size them."""
        if self._sync_latest is None:
            self._sync_now(rows)
        else:
            self._latest_rows = list(rows)
            self._sync_latest()

    def _synced(self) -> None:
        rows, self._latest_rows = self._latest_rows, None
        if rows is not None:
            self._sync_now(rows)

    def _sync_now(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> None:
        if not self.columns:
            self._pending = list(rows)
            return
        seen: set[str] = set()
        # a fixed-width column never needs re-measuring (DataTable measures the whole column
        # on idle when a cell of an auto-width column shrinks)
        measure = [width is None for _key, _label, width in self._labels]
        for key, cells in rows:
            seen.add(key)
            cells = tuple(cells)
            old = self._values.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            elif old != cells:
                for column, auto, a, b in zip(self._column_keys, measure, old, cells, strict=True):
                    if a != b:
                        try:
                            self.update_cell(key, column, b, update_width=auto)
                        except (CellDoesNotExist, RowDoesNotExist):
                            continue
                        self.cell_updates += 1
            self._values[key] = cells
        for key in [k for k in self._values if k not in seen]:
            del self._values[key]
            try:
                self.remove_row(key)
            except RowDoesNotExist:
                pass

    def set_with_symbol(self, on: bool) -> None:
        """Add or remove the symbol column; the rows come back with the next :meth:`sync`."""
        if on == self.with_symbol:
            return
        self.with_symbol = on
        self._latest_rows = None  # rows of the old columns
        labels = list(self._base_labels)
        if on:
            labels.insert(self.symbol_at, ("symbol", _("Symbol"), SYMBOL_WIDTH))
        self._labels = labels
        self._column_keys = [key for key, _label, _width in labels]
        if self.columns:
            self.clear(columns=True)
            self._values.clear()
            for key, label, width in labels:
                self.add_column(label, key=key, width=width)

    def cells(self, symbol: str, cells: Sequence[Cell]) -> tuple[Cell, ...]:
        """``cells`` with ``symbol`` in the symbol column when it is shown."""
        if not self.with_symbol:
            return tuple(cells)
        at = self.symbol_at
        return (*cells[:at], symbol, *cells[at:])

    @property
    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            row_key, _column = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:
            return None
        return row_key.value

    @property
    def selected_symbol(self) -> str | None:
        """The symbol of the row under the cursor when every symbol is listed (``None``
        otherwise, or with no row)."""
        key = self.selected_key
        if not self.with_symbol or key is None or key not in self._values:
            return None
        symbol = self._values[key][self.symbol_at]
        return symbol.plain if isinstance(symbol, Text) else symbol

    def keys(self) -> list[str]:
        return list(self._values)

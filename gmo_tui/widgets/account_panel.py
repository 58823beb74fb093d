"""The account tabs: Positions, Orders, Executions, Assets, Margin, Account (volume tier, fees,
transfer) and History (deposits/withdrawals over a range). Without credentials every tab says
how to add an API key."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static, TabbedContent, TabPane

from gmo_tui.exchange.enums import SettleType, Side, TransferType
from gmo_tui.exchange.models import Margin, SymbolRule, TradingVolume
from gmo_tui.i18n import N_, _
from gmo_tui.market.account import Account, TransferEntry, TransferKind
from gmo_tui.market.fills import Fill
from gmo_tui.market.formatting import JST, fmt, fmt_fine, fmt_grouped, jst_time
from gmo_tui.market.rules import parse_number
from gmo_tui.messages import HistoryRequested, TransferRequested
from gmo_tui.widgets.cycler import Cycler
from gmo_tui.widgets.keyed_table import KeyedTable, Places
from gmo_tui.widgets.ordered_input import OrderedInput
from gmo_tui.widgets.orders_table import OrdersTable
from gmo_tui.widgets.positions_table import PositionsTable
from gmo_tui.widgets.repaint_rate import SIDE_PANE_PAINT_S

TABS = ("positions", "orders", "executions", "assets", "margin", "account", "history")


HISTORY_LABELS = {
    TransferKind.FIAT_DEPOSIT: N_("JPY deposit"),
    TransferKind.FIAT_WITHDRAWAL: N_("JPY withdrawal"),
    TransferKind.DEPOSIT: N_("deposit"),
    TransferKind.WITHDRAWAL: N_("withdrawal"),
}


class AccountPanel(Vertical):
    DEFAULT_CSS = """
    AccountPanel { height: 1fr; }
    AccountPanel .no-key { color: $warning; padding: 0 1; }
    AccountPanel .-hidden { display: none; }
    AccountPanel Horizontal { height: 1; }
    AccountPanel Input { width: 22; background: $boost; }
    AccountPanel Button { height: 1; border: none; min-width: 10; }
    AccountPanel .form-label { width: auto; padding: 0 1; }
    AccountPanel #volume-info, AccountPanel #history-status { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("escape", "leave", "Back to the book", show=False, id="account.leave"),
    ]
    TransferRequested = TransferRequested
    HistoryRequested = HistoryRequested

    def __init__(self, market_now: Callable[[], datetime] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.market_now: Callable[[], datetime] = market_now or (lambda: datetime.now(UTC))
        """The exchange's "now" for the default history range."""
        self.has_key = True
        self.no_key_text = ""

    @property
    def executions_table(self) -> KeyedTable:
        return self.query_one("#executions-table", KeyedTable)

    @property
    def active(self) -> str:
        return self.query_one(TabbedContent).active

    @active.setter
    def active(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def step_tab(self, delta: int) -> str:
        """Activate the tab ``delta`` places on (wrapping); its key."""
        tab = TABS[(TABS.index(self.active) + delta) % len(TABS)]
        self.active = tab
        return tab

    def focus_tab(self, tab: str) -> None:
        """Focus the tab's table (not its inputs: typing there would swallow the keys)."""
        table = self.query_one(TabbedContent).get_pane(tab).query(KeyedTable).first()
        if table.display and not table.has_class("-hidden"):
            table.focus()

    def compose(self) -> ComposeResult:
        with TabbedContent(initial="positions", id="account-tabs"):
            yield from self._panes()

    def _panes(self) -> ComposeResult:
        with TabPane(_("Positions"), id="positions"):
            yield Static("", classes="no-key -hidden")
            yield PositionsTable(id="positions-table", repaint_s=SIDE_PANE_PAINT_S)
        with TabPane(_("Orders"), id="orders"):
            yield Static("", classes="no-key -hidden")
            yield OrdersTable(id="orders-table", repaint_s=SIDE_PANE_PAINT_S)
        with TabPane(_("Executions"), id="executions"):
            yield Static("", classes="no-key -hidden")
            yield KeyedTable(
                [
                    # narrow panes (80 columns) keep the price and P&L in view first
                    ("time", _("Time")),
                    ("side", _("Side")),
                    ("price", _("Price")),
                    ("pnl", _("P&L")),
                    ("size", _("Size")),
                    ("fee", _("Fee")),
                    ("settle", _("Settle")),
                    ("id", _("Execution")),
                    ("order", _("Order")),
                ],
                id="executions-table",
                repaint_s=SIDE_PANE_PAINT_S,
            )
        with TabPane(_("Assets"), id="assets"):
            yield Static("", classes="no-key -hidden")
            yield KeyedTable(
                [
                    ("symbol", _("Asset")),
                    ("amount", _("Amount")),
                    ("available", _("Available")),
                    ("jpy", _("JPY value")),
                ],
                id="assets-table",
                repaint_s=SIDE_PANE_PAINT_S,
            )
        with TabPane(_("Margin"), id="margin"):
            yield Static("", classes="no-key -hidden")
            yield KeyedTable([("item", _("Margin")), ("value", _("Value"))], id="margin-table")
        with TabPane(_("Account"), id="account"):
            yield Static("", classes="no-key -hidden")
            with Vertical(id="account-body"):
                yield Static("", id="volume-info")
                yield KeyedTable(
                    [
                        ("symbol", _("Symbol")),
                        ("taker", _("Taker")),
                        ("maker", _("Maker")),
                        ("limit", _("Today's limit")),
                    ],
                    id="fees-table",
                )
                with Horizontal():
                    yield Label(_("Transfer JPY"), classes="form-label")
                    yield OrderedInput(
                        id="transfer-amount",
                        placeholder=_("amount"),
                        restrict=r"[0-9.]*",
                        compact=True,
                    )
                    yield Cycler(["DEPOSIT", "WITHDRAWAL"], id="transfer-type")
                    yield Button(_("Send"), id="transfer-send", compact=True)
                yield Static(
                    _(
                        "DEPOSIT: FX account -> crypto account; WITHDRAWAL: the reverse. 1 per 3 min."
                    ),
                    classes="form-label",
                )
        with TabPane(_("History"), id="history"):
            yield Static("", classes="no-key -hidden")
            with Vertical(id="history-body"):
                with Horizontal():
                    yield Label(_("From"), classes="form-label")
                    yield OrderedInput(
                        id="history-from", placeholder=_("YYYY-MM-DD HH:MM"), compact=True
                    )
                    yield Label(_("To"), classes="form-label")
                    yield OrderedInput(
                        id="history-to", placeholder=_("YYYY-MM-DD HH:MM"), compact=True
                    )
                    yield Button(_("Fetch"), id="history-fetch", compact=True)
                yield Static(_("Times in JST; fetched in 30-minute windows."), id="history-status")
                yield KeyedTable(
                    [
                        ("time", _("Time")),
                        ("kind", _("Kind")),
                        ("symbol", _("Asset")),
                        ("amount", _("Amount")),
                        ("fee", _("Fee")),
                        ("status", _("Status")),
                    ],
                    id="history-table",
                )

    def on_mount(self) -> None:
        now = self.market_now().astimezone(JST).replace(second=0, microsecond=0)
        self.query_one("#history-from", Input).value = (now - timedelta(hours=2)).strftime(
            "%Y-%m-%d %H:%M"
        )
        self.query_one("#history-to", Input).value = now.strftime("%Y-%m-%d %H:%M")

    def set_has_key(self, has_key: bool, how_to: str) -> None:
        self.has_key, self.no_key_text = has_key, how_to
        for note in self.query(".no-key"):
            note.set_class(has_key, "-hidden")
            if isinstance(note, Static):
                note.update(how_to)
        for table in self.query(KeyedTable):
            table.set_class(not has_key, "-hidden")
        for name in ("#account-body", "#history-body"):
            self.query_one(name).set_class(not has_key, "-hidden")

    # ------------------------------------------------------------------ data
    def show_executions(
        self,
        fills: Iterable[Fill],
        places: Places,
        colours: dict[str, str],
    ) -> None:
        """The service's fill ledger (no copy kept), newest first."""
        table = self.query_one("#executions-table", KeyedTable)
        rows = []
        for e in sorted(fills, key=lambda e: e.execution_id, reverse=True):
            side = Text(e.side.value, style=colours.get("bid" if e.side is Side.BUY else "ask", ""))
            # a close realises a P&L, zero included ("0", not "-"); an opening fill none
            closing = e.settle_type is not SettleType.OPEN
            pnl = Text(
                (fmt(e.loss_gain, 0, sign=bool(e.loss_gain)) if closing else "-"),
                justify="right",
                style=colours.get("pnl-up" if e.loss_gain >= 0 else "pnl-down", "")
                if e.loss_gain
                else "",
            )
            tick_places, size_places = places(e.symbol)
            rows.append(
                (
                    str(e.execution_id),
                    table.cells(
                        e.symbol,
                        (
                            jst_time(e.timestamp, "%m-%d %H:%M:%S"),
                            side,
                            Text(fmt(e.price, tick_places), justify="right"),
                            pnl,
                            Text(fmt(e.size, size_places), justify="right"),
                            Text(fmt(e.fee, 0), justify="right"),
                            e.settle_type.value,
                            str(e.execution_id),
                            str(e.order_id),
                        ),
                    ),
                )
            )
        table.sync(rows)

    def show_assets(self, account: Account) -> None:
        """The assets of the app's account model: JPY first, then by JPY value."""
        rows = []
        for a in account.assets:
            value = account.jpy_value(a)
            rows.append(
                (
                    a.symbol,
                    (
                        a.symbol,
                        Text(f"{a.amount:,f}", justify="right"),
                        Text(f"{a.available:,f}", justify="right"),
                        Text(fmt(value, 0), justify="right"),
                    ),
                )
            )
        total = Text(fmt(account.total_jpy, 0), justify="right", style="bold")
        rows.append(("__total__", (_("Total"), Text(""), Text(""), total)))
        self.query_one("#assets-table", KeyedTable).sync(rows)

    def show_margin(self, margin: Margin) -> None:
        items = [
            (N_("Available"), fmt(margin.available_amount, 0) + " JPY"),
            (N_("Margin in use"), fmt(margin.margin, 0) + " JPY"),
            (N_("Margin ratio"), f"{fmt_fine(margin.margin_ratio, 0)}%"),
            (N_("Margin call"), _(margin.margin_call_status.value)),
            (N_("Unrealised P&L"), fmt(margin.profit_loss, 0, sign=True) + " JPY"),
            # GMO's actualProfitLoss is "the summary of the current evaluated amount": the
            # account's value (cash and margin plus unrealised P&L), not a profit figure
            (N_("Account value"), fmt(margin.actual_profit_loss, 0) + " JPY"),
            (N_("Transferable"), fmt(margin.transferable_amount, 0) + " JPY"),
        ]
        self.query_one("#margin-table", KeyedTable).sync((k, (_(k), v)) for k, v in items)

    def show_volume(self, volume: TradingVolume, rules: Sequence[SymbolRule] = ()) -> None:
        """The tier and 30-day volume; fees of every symbol: the account's from
        ``tradingVolume`` where it lists the symbol, else the symbol's own (``rules``), with
        today's limit in the symbol's base unit."""
        self.query_one("#volume-info", Static).update(
            _("Tier {tier} · 30-day volume {volume} JPY").format(
                tier=volume.tier_level, volume=fmt(volume.jpy_volume, 0)
            )
        )
        # tradingVolume names margin symbols "BTC/JPY"; the rest of the API "BTC_JPY"
        listed = {v.symbol.replace("/", "_"): v for v in volume.limit}
        fees = [(symbol, v.taker_fee, v.maker_fee) for symbol, v in listed.items()]
        fees += [(r.symbol, r.taker_fee, r.maker_fee) for r in rules if r.symbol not in listed]
        rows = []
        for symbol, taker, maker in fees:
            entry = listed.get(symbol)
            limit = (
                None if entry is None else entry.today_limit_open_size or entry.today_limit_buy_size
            )
            unit = symbol.removesuffix("_JPY")
            rows.append(
                (
                    symbol,
                    (
                        symbol,
                        f"{fmt_grouped(taker * 100)}%",
                        f"{fmt_grouped(maker * 100)}%",
                        "-" if limit is None else f"{fmt_grouped(limit)} {unit}",
                    ),
                )
            )
        self.query_one("#fees-table", KeyedTable).sync(rows)

    def show_history(self, entries: Iterable[TransferEntry], status: str) -> None:
        """Transfers of the app's account model, newest first."""
        out = []
        for index, e in enumerate(entries):
            kind = _(HISTORY_LABELS.get(e.kind, str(e.kind)))
            out.append(
                (
                    f"{kind}-{index}",
                    (
                        jst_time(e.timestamp, "%Y-%m-%d %H:%M:%S"),
                        kind,
                        e.symbol,
                        Text(f"{e.amount:f}", justify="right"),
                        "-" if e.fee is None else f"{e.fee:f}",
                        e.status,
                    ),
                )
            )
        self.query_one("#history-table", KeyedTable).sync(out)
        self.show_history_status(status)

    def show_history_status(self, status: str) -> None:
        self.query_one("#history-status", Static).update(status)

    # ------------------------------------------------------------------ forms
    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "transfer-send":
            amount, err = parse_number(self.query_one("#transfer-amount", Input).value, "amount")
            if amount is None or amount <= 0:
                self.notify(err or _("amount must be positive"), severity="error")
                return
            kind = TransferType(self.query_one("#transfer-type", Cycler).value)
            self.post_message(TransferRequested(amount, kind))
        elif event.button.id == "history-fetch":
            try:
                start = _parse_jst(self.query_one("#history-from", Input).value)
                end = _parse_jst(self.query_one("#history-to", Input).value)
            except ValueError as exc:
                self.query_one("#history-status", Static).update(str(exc))
                return
            if end <= start:
                self.query_one("#history-status", Static).update(_("'To' must be after 'From'"))
                return
            self.post_message(HistoryRequested(start, end))

    def on_cycler_changed(self, event: Cycler.Changed) -> None:
        event.stop()

    def action_leave(self) -> None:
        self.screen.set_focus(self.screen.query_one("#book"))


def _parse_jst(text: str) -> datetime:
    try:
        value = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValueError(
            _("not a time: {text} (use YYYY-MM-DD HH:MM, JST)").format(text=repr(text))
        ) from None
    return value.replace(tzinfo=JST).astimezone(UTC)

"""The app-wide trading keys of the desk: size presets ``1`` ... ``5`` and the market hotkeys
``B`` / ``S`` (MARKET of the active size), ``F`` (flatten) and ``R`` (reverse). Their actions
are the main screen's; each has its own binding id (``[keymap]`` remaps it)."""

from __future__ import annotations

from textual.binding import Binding

__all__ = ["TRADE_BINDINGS"]


def _key(key: str, action: str, title: str, tooltip: str, *, id: str) -> Binding:
    # out of the footer (it keeps ? and q at 80 columns); the help screen and palette list them
    return Binding(key, f"screen.{action}", title, show=False, id=id, tooltip=tooltip)


TRADE_BINDINGS = [
    _key("1", "size_preset(1)", "Size 1", "Active size: preset 1", id="size.one"),
    _key("2", "size_preset(2)", "Size 2", "Active size: preset 2", id="size.two"),
    _key("3", "size_preset(3)", "Size 3", "Active size: preset 3", id="size.three"),
    _key("4", "size_preset(4)", "Size 4", "Active size: preset 4", id="size.four"),
    _key("5", "size_preset(5)", "Size 5", "Active size: preset 5", id="size.five"),
    _key("B", "market('BUY')", "Market buy", "MARKET BUY of the active size", id="market.buy"),
    _key("S", "market('SELL')", "Market sell", "MARKET SELL of the active size", id="market.sell"),
    _key(
        "F", "flatten", "Flatten", "Cancel every order, close every position", id="market.flatten"
    ),
    _key(
        "R",
        "reverse",
        "Reverse",
        "Close the margin position, open the other side",
        id="market.reverse",
    ),
]
"""Added to :attr:`gmo_tui.app.GmoTuiApp.BINDINGS`."""

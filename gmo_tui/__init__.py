"""gmo-tui: a keyboard-driven terminal trading app for GMO Coin, with a built-in exchange."""

__version__ = "0.1.0"

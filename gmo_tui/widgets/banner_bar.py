"""Permanent banners: why the app cannot do its job (maintenance, an unreachable endpoint, a
rejected key, a config error), each with its reason, shown until resolved. Hidden when none."""

from __future__ import annotations

from textual.widgets import Static

from gmo_tui.session.listener import Banner


class BannerBar(Static):
    DEFAULT_CSS = """
    BannerBar { height: auto; background: $error 60%; color: $text; text-style: bold; padding: 0 1; }
    BannerBar.-empty { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="-empty")
        self.reasons: dict[Banner, str] = {}

    def set_banner(self, banner: Banner, reason: str | None) -> None:
        if reason is None:
            self.reasons.pop(banner, None)
        else:
            self.reasons[banner] = reason
        self.update("\n".join(f"⚠ {text}" for text in self.reasons.values()))
        self.set_class(not self.reasons, "-empty")

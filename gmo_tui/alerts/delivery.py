"""Every delivery of a fired alert but the screen (which the app draws): the bell and the
desktop notification through the terminal, then the command hook, as ``[alerts]`` says."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from gmo_tui.alerts.hook import HookResult, run_hook
from gmo_tui.alerts.model import Fired
from gmo_tui.alerts.settings import AlertSettings
from gmo_tui.alerts.terminal import TerminalNotifier

__all__ = ["Delivery"]


class Delivery:
    def __init__(
        self,
        settings: AlertSettings,
        write: Callable[[bytes], None],
        *,
        secrets: Iterable[str] = (),
    ) -> None:
        """``write`` sends bytes to the terminal; ``secrets`` (the API key and secret, the
        WS token) keep any variable holding them out of the hook's environment."""
        self.settings = settings
        self.terminal = TerminalNotifier(
            write, bell=settings.bell, osc=settings.osc, tmux=settings.tmux
        )
        self._secrets = tuple(s for s in secrets if s)

    async def deliver(self, fired: Fired) -> HookResult | None:
        """Bell and notification now; the hook's result when there is a hook."""
        self.terminal.notify(fired)
        if not self.settings.command:
            return None
        return await run_hook(
            self.settings.command,
            fired,
            timeout=self.settings.command_timeout,
            secrets=self._secrets,
        )

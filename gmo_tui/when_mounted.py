"""``when_mounted``: the app's pane updates skip quietly when their pane is not mounted yet."""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from textual.css.query import NoMatches

log = logging.getLogger("gmo_tui.app")


def when_mounted(method: Any) -> Any:
    """A pane update that arrives before the pane is mounted (tabs compose lazily) is skipped:
    the next update brings the same state."""

    @wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except NoMatches:
            log.debug("%s before its pane was mounted", method.__name__)
            return None

    return wrapper

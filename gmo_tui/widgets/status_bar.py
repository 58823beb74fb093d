"""The status bar: every stream's state, feed latency p50, server clock offset, REST budget,
the count of malformed frames dropped and the frames skipped for a slow terminal link (each
shown only when there are any). Too narrow for every stream by name, the LIVE ones are one
entry (``streams:LIVE``, or ``others:LIVE`` beside the ones that are not); narrower still, the
latency, clock and REST figures give way to the order size and the message."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from gmo_tui.i18n import N_, _
from gmo_tui.widgets.render_memo import RenderMemo

STATE_VARIABLE = {
    N_("LIVE"): "success",
    N_("CONNECTING"): "warning",
    N_("STALE"): "warning",
    N_("RECONNECTING"): "warning",
    N_("DOWN"): "error",
    N_("OFF"): "text-muted",
    N_("CROSSED"): "error",
}


class StatusBar(RenderMemo, Widget):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text-muted; }
    """

    streams: reactive[dict[str, str]] = reactive(dict, always_update=True)
    latency_ms: reactive[float | None] = reactive(None)
    clock_offset_ms: reactive[float | None] = reactive(None)
    rest_usage: reactive[float | None] = reactive(None)
    bad_frames: reactive[int] = reactive(0)
    message: reactive[str] = reactive("")
    link_held_frames: reactive[int] = reactive(0)
    """Frame periods held back in the last second because the terminal was behind."""
    size_text: reactive[str] = reactive("")
    """The active order size (keys 1-5), e.g. ``size 0.01 [1]``."""
    record_text: reactive[str] = reactive("")
    """``REC`` and the file while the record toggle is on."""
    replay_text: reactive[str] = reactive("")
    """The replay's state, speed and position; shown in place of the feed latency."""

    def set_stream(self, name: str, state: str) -> None:
        if self.streams.get(name) != state:
            streams = dict(self.streams)
            streams[name] = state
            self.streams = streams

    def drop_stream(self, name: str) -> None:
        if name in self.streams:
            streams = dict(self.streams)
            del streams[name]
            self.streams = streams

    def render(self) -> Text:
        # narrow terminal (80 columns): first the LIVE streams as one entry (the others by
        # name), then the feed latency and clock offset go, then the REST budget; the streams,
        # the order size and the message stay (a message longer than the line ends in "…")
        text = self._line(compact=False)
        for level in (1, 2, 3):
            if not self.size.width or text.cell_len <= self.size.width:
                break
            text = self._line(compact=True, drop=level - 1)
        return text

    def _streams(self, compact: bool) -> list[tuple[str, str]]:
        if not compact:
            return list(self.streams.items())
        live = [n for n, state in self.streams.items() if state == "LIVE"]
        if len(live) < 2:
            return list(self.streams.items())
        others = [(n, state) for n, state in self.streams.items() if state != "LIVE"]
        return [*others, (N_("others") if others else N_("streams"), "LIVE")]

    def _line(self, *, compact: bool, drop: int = 0) -> Text:
        """The line; ``drop`` 1 leaves out the feed latency and clock offset, 2 the REST
        budget too."""
        variables = self.app.theme_variables if self.is_attached else {}
        text = Text(no_wrap=True, overflow="ellipsis")
        for name, state in self._streams(compact):
            colour = variables.get(STATE_VARIABLE.get(state, "warning"), "")
            text.append(f" {_(name)}:")
            text.append(_(state), style=f"bold {colour}".strip())
        if self.record_text:
            text.append(f"  {self.record_text}", style=f"bold {variables.get('error', '')}".strip())
        if self.replay_text:  # recorded timestamps are old: no feed latency
            text.append(
                f"  {self.replay_text}", style=f"bold {variables.get('warning', '')}".strip()
            )
        lat = "-" if self.latency_ms is None else f"{self.latency_ms:.0f}ms"
        off = "-" if self.clock_offset_ms is None else f"{self.clock_offset_ms:+.0f}ms"
        rest = "-" if self.rest_usage is None else f"{self.rest_usage * 100:.0f}%"
        if drop >= 2:
            pass
        elif drop == 1:
            text.append(_("  REST {rest}").format(rest=rest))
        elif self.replay_text:
            text.append(_("  clock {off}  REST {rest}").format(off=off, rest=rest))
        else:
            text.append(
                _("  feed p50 {lat}  clock {off}  REST {rest}").format(lat=lat, off=off, rest=rest)
            )
        if self.bad_frames:
            colour = variables.get("warning", "")
            text.append(
                _("  bad frames {count}").format(count=self.bad_frames),
                style=f"bold {colour}".strip(),
            )
        if self.link_held_frames:
            colour = variables.get("warning", "")
            text.append(
                _("  link slow: {count} frames skipped").format(count=self.link_held_frames),
                style=f"bold {colour}".strip(),
            )
        if self.size_text:
            text.append(f"  {self.size_text}", style="bold")
        if self.message:
            text.append(f"  {self.message}", style="italic")
        return text

"""The tape sends only the cells its rows use: after the first full paint a print repaints
each row from the pane's left edge to the end of the widest row, not the blank rest of a wide
pane, and the terminal ends up showing exactly what the pane draws."""

from __future__ import annotations

import re

from gmo_tui.market.tape import Tape
from gmo_tui.widgets.trades_tape import TradesTape
from tests.app.test_output_pacing import SIZE, PacedPanes
from tests.market.factories import trade

SGR = re.compile(r"\x1b\[[0-9;]*m")
MOVE = re.compile(r"\x1b\[(\d+);(\d+)H")


class RecordingPanes(PacedPanes):
    def __init__(self) -> None:
        super().__init__(pacing=False)
        self.writes: list[str] = []

    def _display(self, screen, renderable):  # type: ignore[no-untyped-def]
        before = self.terminal.frames
        super()._display(screen, renderable)
        if self.terminal.frames != before:
            self.writes.append(self.terminal.last)


async def test_tape_rows_are_sent_only_as_wide_as_they_are() -> None:
    app = RecordingPanes()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TradesTape)
        tape = Tape("BTC")
        pane.set_tape(tape)
        for k in range(12):
            tape.append(trade(str(1000 + k), f"0.0{k % 9 + 1}"))
            pane.update()
            await pilot.pause(0.03)
        await pilot.pause(0.1)
        x0 = pane.region.x
        widest = 0
        for data in app.writes[-5:]:
            plain = SGR.sub("", data)
            moves = list(MOVE.finditer(plain))
            for move, after in zip(moves, [*moves[1:], None], strict=True):
                if int(move.group(2)) - 1 == x0 and int(move.group(1)) - 1 > pane.region.y + 1:
                    end = after.start() if after else len(plain)
                    widest = max(widest, len(plain[move.end() : end].rstrip("\r\n")))
        used = max(len(pane.render_line(y).text.rstrip()) for y in range(1, 13))
        assert 0 < widest <= 1 + used < pane.outer_size.width - 10, (widest, used)
        # what the terminal shows is what the pane draws
        lines = pane.render_lines(pane.region.reset_offset)
        rows = app.terminal.text()
        for y, strip in enumerate(lines):
            row = rows[pane.region.y + y][pane.region.x : pane.region.right]
            assert row == strip.text, y

"""`gmo-tui replay` with bad input: one clear message, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmo_tui.cli import main


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"not a recording", [], "not a gmo-tui recording"),
        (b"", [], "not a gmo-tui recording"),
        (None, [], "No such file"),
        (b"GMOREC1\n", ["--speed", "0"], "speed must be"),
    ],
)
def test_replay_refuses_bad_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "x.gmorec"
    if content is not None:
        path.write_bytes(content)
    assert main(["replay", str(path), "--port", "0", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gmo-tui replay: ") and message in err

"""``reviewdesk stale-after``: print and set the workspace's stale threshold, through the real CLI."""

from __future__ import annotations

from pathlib import Path

from reviewdesk.cli.main import main
from reviewdesk.services import standing
from reviewdesk.services.workspace import open_workspace


def test_prints_sets_and_refuses_the_threshold(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = str(tmp_path / "ws.reviewdesk")
    assert main(["stale-after", "--workspace", path]) == 0
    assert capsys.readouterr().out == "stale after 365 days\n"
    assert main(["stale-after", "180", "--workspace", path]) == 0
    assert capsys.readouterr().out == "stale after 180 days\n"
    ws = open_workspace(Path(path))
    try:
        assert standing.stale_after_days(ws) == 180
    finally:
        ws.close()
    assert main(["stale-after", "0", "--workspace", path]) != 0
    assert "stale threshold not changed: 0 days; give 1 to 36,500 days" in capsys.readouterr().err

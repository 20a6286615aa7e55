"""Nothing lost: kill -9 right after a label change is shown, and the workspace still has it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk.services import review
from reviewdesk.services.workspace import open_workspace
from tests.conftest import REPO


@pytest.mark.slow  # a kill -9 test: runs in the slow stage with the other kill and fuzz tests
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_kill_right_after_label_change_loses_nothing(demo_workspace: Path, tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "REVIEWDESK_CONFIG_DIR": str(tmp_path / "config")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.gui.kill_child", str(demo_workspace)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("SHOWN "), f"child did not label: {line!r} {child.stderr.read() if child.stderr else ''}"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    _, rowid, rc = line.split()
    ws = open_workspace(demo_workspace)
    try:
        detail = review.load_detail(ws, int(rowid))
    finally:
        ws.close()
    label = detail.case.labels
    assert label is not None
    assert label.verdict == "fail"
    assert label.root_causes == [rc]
    assert label.comment == "killed right after"
    assert len(detail.history) == 3

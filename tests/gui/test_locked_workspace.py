"""Another process holds the workspace's write lock: the window stays responsive and never lies.

A real second process takes SQLite's write lock (``BEGIN IMMEDIATE``, as an import's batch, a
purge's VACUUM or an upgrade does) and says who it is, the way reviewdesk's own writers do.
Pressing F then must not freeze the window for the busy timeout nor show the "unexpected error"
dialog: the window says "waiting for the workspace (locked by …)", keeps the stored label on
screen (nothing claims the change is saved), keeps handling events, and retries; once the other
process lets go, the label is saved exactly once and shown.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from tests.conftest import REPO
from tests.gui.conftest import wait_idle

_HOLDER = """
import sqlite3, sys
from pathlib import Path
from reviewdesk.storage.engine import holding_writes
path = Path(sys.argv[1])
conn = sqlite3.connect(path, isolation_level=None)
with holding_writes(path, "reviewdesk import"):
    conn.execute("BEGIN IMMEDIATE")
    print("LOCKED", flush=True)
    sys.stdin.readline()  # hold the lock until the test says so
    conn.execute("ROLLBACK")
"""


def _events(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM label_events").fetchone()[0])
    finally:
        conn.close()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process handling")
def test_a_label_waits_for_the_lock_without_freezing_or_claiming(
    qtbot, make_main_window, demo_workspace: Path, messages: list[dict[str, str]], tmp_path: Path
) -> None:
    window = make_main_window(demo_workspace)
    wait_idle(qtbot, window)
    assert window.label_panel.label is None
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(demo_workspace)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])},
    )
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert holder.stdout.readline().strip() == "LOCKED"
        before = _events(demo_workspace)

        started = time.monotonic()
        window.set_verdict("fail")
        blocked = time.monotonic() - started
        assert blocked < 2.0, f"the window's thread waited {blocked:.1f} s for the lock"

        # The window keeps handling events while the write waits.
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(50)
        qtbot.waitUntil(window.waiting_label.isVisible, timeout=5000)
        qtbot.wait(1500)
        timer.stop()
        assert len(ticks) >= 15, "the event loop was blocked"
        text = window.waiting_label.text()
        assert "waiting for the workspace (locked by reviewdesk import (pid " in text, text
        assert f"pid {holder.pid})" in text
        assert window.label_panel.label is None  # nothing claims a save that did not happen
        assert _events(demo_workspace) == before
        assert messages == []  # no "unexpected error" dialog
        window.grab().save(str(tmp_path / "waiting-for-lock.png"))

        # A second change while the first waits is refused, not queued on a stale label.
        window.set_verdict("pass")
        assert "still waiting for the workspace" in window.statusBar().currentMessage()

        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
        qtbot.waitUntil(lambda: window.label_panel.label is not None, timeout=10000)
        wait_idle(qtbot, window)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    saved = window.label_panel.label
    assert saved is not None and saved.verdict == "fail"
    assert not window.waiting_label.isVisible()
    assert _events(demo_workspace) == before + 1  # saved exactly once
    assert messages == []

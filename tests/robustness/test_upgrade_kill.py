"""An upgrade killed at any point leaves a workspace that the next open upgrades and opens.

A 10,000-case workspace at revision 0001 (made by downgrading a freshly imported one, so its
cases are real imports) is upgraded by a real ``python`` process, killed with SIGKILL at points
spread over the upgrade's measured duration: before the search table exists, while migration
0002 fills it, between revisions and after the last one. Each result must then open (upgrading
the rest), hold every case, find cases by text, and pass the consistency checks.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic import command

from reviewdesk.domain.queries import CaseFilter
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from tests.conftest import REPO
from tests.otlp_builder import span, write_jsonl
from tests.robustness.helpers import consistency_problems

CASES = 10_000
KILL_POINTS = (0.0, 0.1, 0.25, 0.4, 0.55, 0.7, 0.85, 1.0)

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")]

_UPGRADER = """
import sys, time
from pathlib import Path
from reviewdesk.services.workspace import open_workspace
print("START", time.monotonic(), flush=True)
open_workspace(Path(sys.argv[1])).close()
print("DONE", time.monotonic(), flush=True)
"""


def _word(number: int) -> str:
    """A word only this case holds: its number spelled in letters (``4321`` → ``kwedcb``)."""
    return "kw" + "".join(chr(ord("a") + int(digit)) for digit in str(number))


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "REVIEWDESK_DATA_DIR": str(tmp / "data"),
        "REVIEWDESK_CONFIG_DIR": str(tmp / "config"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }


@pytest.fixture(scope="module")
def old_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("upgrade-kill")
    lines = [
        [
            span(
                "chat",
                trace_id=f"{t + 1:032x}",
                span_id=f"{t + 1:016x}",
                attributes={"input.value": f"question {t} about {_word(t)}", "output.value": f"answer {t}"},
            )
            for t in range(start, start + 100)
        ]
        for start in range(0, CASES, 100)
    ]
    bundle = write_jsonl(tmp / "traces.jsonl", lines)
    path = tmp / "rev-0001.reviewdesk"
    workspace = open_workspace(path)
    try:
        assert imports.import_files(workspace, [bundle]).files[0].cases_created == CASES
        command.downgrade(storage_engine.alembic_config(workspace.engine), "0001")
    finally:
        workspace.close()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (CASES,)
    finally:
        conn.close()
    return path


def _run_upgrade(base: Path, target: Path, env: dict[str, str], kill_after: float | None) -> tuple[bool, float]:
    """Upgrade a copy of ``base``; kill it ``kill_after`` seconds after it starts upgrading."""
    for suffix in ("", "-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(base, target)
    proc = subprocess.Popen([sys.executable, "-c", _UPGRADER, str(target)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("START"), first
    started = time.monotonic()
    if kill_after is None:
        out, _ = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "DONE" in out
        return False, time.monotonic() - started
    deadline = started + kill_after
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    return killed, time.monotonic() - started


def test_upgrades_killed_at_spread_points_open_afterwards(old_workspace: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    target = tmp_path / "upgrading.reviewdesk"
    _, duration = _run_upgrade(old_workspace, target, env, None)
    kills = 0
    for fraction in KILL_POINTS:
        killed, _ = _run_upgrade(old_workspace, target, env, duration * fraction)
        kills += killed
        probe = storage_engine.create_workspace_engine(target)
        problems_before = storage_engine.current_revision(probe)  # the revision the kill left
        probe.dispose()
        workspace = open_workspace(target)  # must open, upgrading whatever the kill left
        try:
            assert storage_engine.current_revision(workspace.engine) == storage_engine.head_revision()
            assert cases.count_cases(workspace) == CASES, (fraction, problems_before)
            found = cases.list_cases(workspace, CaseFilter(text=_word(4321)))
            assert [c.trace_id for c in found] == [f"{4321 + 1:032x}"]
        finally:
            workspace.close()
        assert consistency_problems(target) == [], (fraction, problems_before)
    print(f"upgrade of {CASES} cases: {duration:.2f} s; {kills} of {len(KILL_POINTS)} kills landed mid-upgrade")
    assert kills >= len(KILL_POINTS) - 2, "most kill points must land while the upgrade runs"

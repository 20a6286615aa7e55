"""While ``reviewdesk import`` runs, the workspace says who holds its write lock; afterwards nobody.

A waiting window names the holder from the note our long writers leave beside the workspace
(``storage.engine.holding_writes``); a note left by a killed writer names nobody.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage.engine import lock_holder
from tests.robustness.test_crash import _env, _trace_file


@pytest.mark.slow  # a subprocess (or large data): kept out of the fast loop
def test_a_running_import_is_named_and_a_dead_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "w.reviewdesk"
    open_workspace(path).close()
    assert lock_holder(path) == "another process"
    bundle = _trace_file(tmp_path / "traces.jsonl")
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewdesk", "--workspace", str(path), "import", str(bundle)],
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen = set()
    while proc.poll() is None:
        seen.add(lock_holder(path))
        time.sleep(0.02)
    assert proc.returncode == 0
    assert f"reviewdesk import (pid {proc.pid})" in seen
    assert lock_holder(path) == "another process"  # the note went with the import
    assert not path.with_name(path.name + "-writer").exists()
    # The note of a writer that was killed (its pid is gone) names nobody.
    path.with_name(path.name + "-writer").write_text(json.dumps({"pid": proc.pid, "what": "reviewdesk import"}))
    assert lock_holder(path) == "another process"
    path.with_name(path.name + "-writer").write_text(json.dumps({"pid": os.getpid(), "what": "reviewdesk purge"}))
    assert lock_holder(path) == f"reviewdesk purge (pid {os.getpid()})"

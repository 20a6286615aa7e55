"""Two imports at once, of files holding halves of the same traces, give what one after the other gives.

The Collector's rotating file exporter splits a trace over files. Two ``reviewdesk import``
processes, started together on two such halves, must leave every case built from all its spans
and every distinct value under its own placeholder (the same value under the same one). A purge
forgets the files it removed, so importing a purged file again restores it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reviewdesk.services import cases, imports, purge
from reviewdesk.services.workspace import open_workspace
from tests.conftest import REPO
from tests.otlp_builder import span, write_jsonl
from tests.robustness.helpers import consistency_problems

TRACES = 1500
ROUNDS = 3

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")]


def _half(path: Path, half: int) -> Path:
    """Spans 0-1 (``half=0``) or 2-3 (``half=1``) of every trace; each half has its own address."""
    lines = []
    for start in range(0, TRACES, 50):
        batch = []
        for t in range(start, start + 50):
            for k in (2 * half, 2 * half + 1):
                who = "alice" if half == 0 else "bob"
                batch.append(
                    span(
                        "chat" if k == 0 else f"step {k}",
                        trace_id=f"{t + 1:032x}",
                        span_id=f"{t + 1:08x}{k:08x}",
                        parent=None if k == 0 else f"{t + 1:08x}{0:08x}",
                        start_ms=k,
                        attributes={
                            "input.value": f"mail {who}.{t}@example.org about shared.{t}@example.org",
                            "output.value": f"answer {t}.{k}",
                        },
                    )
                )
        lines.append(batch)
    return write_jsonl(path, lines)


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "REVIEWDESK_DATA_DIR": str(tmp / "data"),
        "REVIEWDESK_CONFIG_DIR": str(tmp / "config"),
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }


def _placeholders(path: Path) -> dict[str, dict[int, list[str]]]:
    """Per trace, the placeholder words of each span's input (span index → words)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found: dict[str, dict[int, list[str]]] = {}
        rows = conn.execute("SELECT t.trace_id, s.span_id, s.attributes FROM spans s JOIN traces t USING (trace_rowid)")
        for trace_id, span_id, attributes in rows:
            text = json.loads(attributes)["input.value"]
            found.setdefault(trace_id, {})[int(span_id[8:], 16)] = [w for w in text.split() if w.startswith("[")]
        return found
    finally:
        conn.close()


def test_two_imports_started_together_build_whole_cases(tmp_path: Path) -> None:
    first, second = _half(tmp_path / "part-0.jsonl", 0), _half(tmp_path / "part-1.jsonl", 1)
    env = _env(tmp_path)
    for round_ in range(ROUNDS):
        path = tmp_path / f"round-{round_}.reviewdesk"
        open_workspace(path).close()  # created and migrated before the race: the race is the imports
        command = [sys.executable, "-m", "reviewdesk", "--workspace", str(path), "import"]
        files = (first, second) if round_ % 2 == 0 else (second, first)
        procs = [
            subprocess.Popen([*command, str(f)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for f in files
        ]
        for proc in procs:
            _out, err = proc.communicate(timeout=300)
            assert proc.returncode == 0, err.decode()
        assert consistency_problems(path) == [], round_
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            counts = dict(conn.execute("SELECT json_extract(data, '$.span_count'), count(*) FROM cases GROUP BY 1"))
        finally:
            conn.close()
        assert counts == {4: TRACES}, f"round {round_}: cases by span count {counts}"
        for trace_id, spans in _placeholders(path).items():
            alice, shared_a = spans[0][0], spans[0][1]
            bob, shared_b = spans[2][0], spans[2][1]
            assert alice.startswith("[EMAIL_") and bob.startswith("[EMAIL_")
            assert alice != bob, f"round {round_}, trace {trace_id}: two addresses under {alice}"
            assert shared_a == shared_b and shared_a not in (alice, bob), (trace_id, spans)
            assert spans[1] == spans[0] and spans[3] == spans[2]


def test_a_purged_file_imported_again_is_restored(tmp_path: Path) -> None:
    bundle = _half(tmp_path / "part-0.jsonl", 0)
    workspace = open_workspace(tmp_path / "w.reviewdesk")
    try:
        assert imports.import_files(workspace, [bundle]).files[0].cases_created == TRACES
        # The traces are dated 2023-11; purging everything older than a day "now" takes them all.
        removed = purge.purge(workspace, older_than=timedelta(days=1), now=datetime.now(UTC))
        assert removed.cases == TRACES and cases.count_cases(workspace) == 0
        again = imports.import_files(workspace, [bundle]).files[0]
        assert not again.already_imported
        assert again.cases_created == TRACES and cases.count_cases(workspace) == TRACES
        assert imports.import_files(workspace, [bundle]).files[0].already_imported  # whole again: a no-op
    finally:
        workspace.close()

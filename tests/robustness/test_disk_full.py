"""A full disk: "disk full", exit 1, and the workspace (and any earlier output file) as it was.

The workspace, or the export's target, sits on a real 1 MB tmpfs (mounting needs root; the test
is skipped otherwise). Import, label and export each run out of space there: no traceback, a
message that says "disk full", nothing of the operation kept, and the workspace still opens.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import DiskFullError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, imports, labels
from reviewdesk.services.workspace import open_workspace
from tests.otlp_builder import span, write_jsonl
from tests.robustness.helpers import consistency_problems

# Subprocesses on a tiny file system: the slow stage, not the fast loop.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.platform != "linux" or os.geteuid() != 0, reason="mounting a small tmpfs needs root on Linux"
    ),
]
TRACE = "ab" * 16


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> Path:
    """Take every free byte of ``disk``."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def _counts(path: Path) -> tuple[int, ...]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return tuple(
            int(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in ("traces", "spans", "cases", "label_events")
        )
    finally:
        conn.close()


def _small_workspace(path: Path, tmp: Path) -> None:
    bundle = write_jsonl(tmp / "small.jsonl", [[span("chat", trace_id=TRACE, span_id="cd" * 8)]])
    workspace = open_workspace(path)
    try:
        assert imports.import_files(workspace, [bundle]).files[0].cases_created == 1
    finally:
        workspace.close()


def _big_file(path: Path) -> Path:
    text = "lorem ipsum dolor sit amet " * 80
    lines = [
        [
            span("chat", trace_id=f"{t + 1:032x}", span_id=f"{t + 1:016x}", attributes={"input.value": f"{text}{t}"})
            for t in range(start, start + 100)
        ]
        for start in range(0, 2000, 100)
    ]
    return write_jsonl(path, lines)


def test_import_and_label_on_a_full_disk(small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = small_disk / "w.reviewdesk"
    _small_workspace(path, tmp_path)
    before = _counts(path)

    # Import: 2,000 traces of 2 kB do not fit in what is left of 1 MB.
    assert main(["--workspace", str(path), "import", str(_big_file(tmp_path / "big.jsonl"))]) == 1
    captured = capsys.readouterr()
    assert "disk full" in captured.err + captured.out and "Traceback" not in captured.err
    assert _counts(path) == before
    assert consistency_problems(path) == []

    # Label, in-process and through the CLI, once not a byte is free.
    workspace = open_workspace(path)
    filler = _fill(small_disk)
    try:
        with pytest.raises(DiskFullError, match="disk full"):
            labels.record_label(workspace, TRACE, LabelChange(verdict="fail", comment="x" * 20000))
    finally:
        workspace.close()
    assert main(["--workspace", str(path), "label", TRACE, "--verdict", "fail"]) == 1
    err = capsys.readouterr().err
    assert "disk full" in err and "Traceback" not in err and "not a reviewdesk workspace" not in err
    # Reading still works on the full disk.
    assert main(["--workspace", str(path), "cases"]) == 0
    capsys.readouterr()
    filler.unlink()
    assert _counts(path) == before
    assert consistency_problems(path) == []
    workspace = open_workspace(path)  # and once there is room again, it takes writes
    try:
        labels.record_label(workspace, TRACE, LabelChange(verdict="pass"))
        assert cases.get_case(workspace, TRACE).labels is not None
    finally:
        workspace.close()


@pytest.mark.parametrize(
    "command",
    [
        ["export", "--format", "csv"],
        ["export", "--format", "reviewdesk-jsonl"],
        ["findings", "--format", "csv"],
        ["audit", "--csv"],
    ],
)
def test_exports_to_a_full_disk(
    small_disk: Path, tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "w.reviewdesk"
    _small_workspace(path, tmp_path)
    workspace = open_workspace(path)
    labels.record_label(workspace, TRACE, LabelChange(verdict="fail", root_causes=["tool_error"]))
    workspace.close()
    out = small_disk / "out.file"
    out.write_text("the previous export\n")
    filler = _fill(small_disk)
    try:
        code = main(["--workspace", str(path), *command, "-o", str(out)])
        err = capsys.readouterr().err
        assert code == 1 and "disk full" in err and "Traceback" not in err, err
        assert out.read_text() == "the previous export\n"
        assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "out.file"]  # no temporary left
    finally:
        filler.unlink()

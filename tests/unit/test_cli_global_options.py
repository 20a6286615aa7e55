"""Global options after the subcommand, and a closed pipe ending the output quietly (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from tests.conftest import REPO


def test_workspace_after_the_subcommand(tmp_path: Path, capsys) -> None:
    ws = tmp_path / "after.reviewdesk"
    assert main(["demo", "--no-gui", "--workspace", str(ws)]) == 0
    assert ws.exists()
    capsys.readouterr()
    assert main(["cases", "--workspace", str(ws)]) == 0
    after = capsys.readouterr().out
    assert main(["--workspace", str(ws), "cases"]) == 0
    assert capsys.readouterr().out == after and after.strip()


@pytest.mark.slow  # a subprocess (or large data): kept out of the fast loop
def test_cases_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    ws = tmp_path / "pipe.reviewdesk"
    assert main(["demo", "--no-gui", "--workspace", str(ws)]) == 0
    # The reader is gone before the first line (as `| head -0`): every write meets a closed pipe,
    # however small the output, so the test does not depend on the pipe's buffer size.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "reviewdesk.cli.main", "cases", "--workspace", str(ws)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            cwd=REPO,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert b"Traceback" not in proc.stderr and b"BrokenPipeError" not in proc.stderr, proc.stderr.decode()
    assert proc.returncode == 141

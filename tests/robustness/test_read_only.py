"""A workspace that cannot be written opens read-only: reads work, writes fail naming the file.

Three real ways a file becomes read-only are exercised: ``open_workspace(read_only=True)`` (a risk
owner's view), a read-only file in a read-only folder (as an unprivileged user: root may write
anything), and a read-only medium (a tmpfs remounted read-only; needs root, skipped otherwise).
In each, the file's bytes must not change.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command

from reviewdesk.cli.main import main
from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, imports, labels, purge, redaction
from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import engine as storage_engine
from tests.conftest import REPO
from tests.otlp_builder import span, write_jsonl

PYTHON = sys.executable


def _traces(path: Path, numbers: tuple[int, ...]) -> Path:
    return write_jsonl(
        path,
        [
            [span("chat", trace_id=f"{n:032x}", span_id=f"{n:016x}", attributes={"input.value": f"q{n}"})]
            for n in numbers
        ],
    )


def _make_workspace(folder: Path) -> tuple[Path, Path]:
    """A workspace of two cases, one labeled, and a file of new traces that importing would add."""
    path = folder / "shared.reviewdesk"
    ws = open_workspace(path)
    try:
        imports.import_files(ws, [_traces(folder / "t.jsonl", (1, 2))])
        labels.record_label(ws, f"{1:032x}", LabelChange(verdict="pass"))
    finally:
        ws.close()
    return path, _traces(folder / "new.jsonl", (3,))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_mode_reads_and_refuses_every_write(tmp_path: Path) -> None:
    path, traces = _make_workspace(tmp_path)
    before = _digest(path)
    ws = open_workspace(path, read_only=True)
    try:
        assert ws.read_only and ws.read_only_reason == "opened read-only"
        assert cases.count_cases(ws) == 2
        assert cases.get_case(ws, f"{1:032x}").labels is not None
        writes = [
            lambda: labels.record_label(ws, f"{2:032x}", LabelChange(verdict="fail")),
            lambda: purge.purge(ws, older_than=timedelta(days=1)),
            lambda: redaction.update_settings(ws, lambda s: {"enabled": False}),
        ]
        for write in writes:
            with pytest.raises(WorkspaceError, match=rf"{path.name} is read-only \(opened read-only\)"):
                write()
        summary = imports.import_files(ws, [traces]).files[0]
        assert summary.failed is not None and "is read-only" in summary.failed
    finally:
        ws.close()
    assert _digest(path) == before


def test_insisting_on_writing_a_read_only_file_fails(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="no workspace at"):
        open_workspace(tmp_path / "missing.reviewdesk", read_only=True)


def test_read_only_workspace_of_an_older_schema_is_explained(tmp_path: Path) -> None:
    path, _ = _make_workspace(tmp_path)
    ws = open_workspace(path)
    command.downgrade(storage_engine.alembic_config(ws.engine), "0002")
    ws.close()
    with pytest.raises(WorkspaceError, match=r"older reviewdesk .*open it once where it can be written"):
        open_workspace(path, read_only=True)


def _cli(*args: str, user: int, env_dir: Path) -> subprocess.CompletedProcess[str]:
    """The CLI as another user, in its own process."""
    env = {
        **os.environ,
        "REVIEWDESK_DATA_DIR": str(env_dir / "data"),
        "REVIEWDESK_CONFIG_DIR": str(env_dir / "config"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", PYTHON, "-m", "reviewdesk", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


WRITES = (
    ["label", f"{2:032x}", "--verdict", "fail"],
    ["purge", "--older-than", "1d"],
    ["redaction", "disable"],
    ["retention", "--set", "30d"],
)


def _check_cli(path: Path, traces: Path, out_dir: Path, reason: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Read commands work with a note; every write command fails naming the file and the reason."""
    ws_args = ["--workspace", str(path)]
    assert main([*ws_args, "cases"]) == 0
    out, err = capsys.readouterr()
    assert f"reviewdesk: note: {path} opened read-only ({reason})" in err
    assert "2 case(s)" in out
    assert main([*ws_args, "show", f"{1:032x}"]) == 0
    assert "Label: pass" in capsys.readouterr().out
    assert main([*ws_args, "export", "--format", "csv", "-o", str(out_dir / "x.csv")]) == 0
    assert main([*ws_args, "audit"]) == 0
    capsys.readouterr()
    for write in [*WRITES, ["import", str(traces)]]:
        assert main([*ws_args, *write]) == 1, write
        err = capsys.readouterr().err
        assert f"{path} is read-only ({reason})" in err, (write, err)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to drop to another user")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv")
def test_read_only_file_for_another_user() -> None:
    # root can write any file, so the unprivileged case runs as "nobody" on a root-owned 0644
    # file in a 0755 folder: readable, not writable, and no -shm can be created beside it.
    probe = subprocess.run(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", PYTHON, "-c", "import reviewdesk.cli.main"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("the unprivileged user cannot read this checkout or its virtualenv")
    base = Path(tempfile.mkdtemp(prefix="rd-ro-"))
    try:
        os.chmod(base, 0o755)
        path, traces = _make_workspace(base)
        os.chmod(path, 0o644)
        os.chmod(traces, 0o644)
        out_dir = base / "out"
        out_dir.mkdir(mode=0o777)
        os.chmod(out_dir, 0o777)
        before = _digest(path)
        ws_args = ["--workspace", str(path)]
        listed = _cli(*ws_args, "cases", user=65534, env_dir=out_dir)
        assert listed.returncode == 0, listed.stderr
        assert f"{path} opened read-only (the file is read-only)" in listed.stderr and "2 case(s)" in listed.stdout
        for write in (WRITES[0], ["import", str(traces)]):
            result = _cli(*ws_args, *write, user=65534, env_dir=out_dir)
            assert result.returncode == 1, (write, result.stdout, result.stderr)
            assert f"{path} is read-only (the file is read-only)" in result.stderr, result.stderr
            assert "Traceback" not in result.stderr
        assert _digest(path) == before
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def read_only_medium() -> Iterator[Path]:
    """A tmpfs we can remount read-only, as a USB stick or a read-only network share would be."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root and mount")
    mountpoint = Path(tempfile.mkdtemp(prefix="rd-medium-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mountpoint)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        mountpoint.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", str(mountpoint)], capture_output=True, check=False)
        mountpoint.rmdir()


def test_read_only_medium(read_only_medium: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, traces = _make_workspace(read_only_medium)
    assert not path.with_name(path.name + "-wal").exists()  # closed cleanly: mode=ro cannot open it
    subprocess.run(["mount", "-o", "remount,ro", str(read_only_medium)], check=True)
    before = _digest(path)
    ws = open_workspace(path)
    try:
        assert ws.read_only and ws.read_only_reason == "it is on a read-only medium"
        assert cases.count_cases(ws) == 2
    finally:
        ws.close()
    with pytest.raises(WorkspaceError, match=r"cannot open .* for writing: it is on a read-only medium"):
        open_workspace(path, read_only=False)
    _check_cli(path, traces, tmp_path, "it is on a read-only medium", capsys)
    assert _digest(path) == before

"""A folder of small files prepared ahead by two workers that stay up for the whole import (``import_pool``).

Real worker processes, so marked slow. ``WORKER_MIN_BYTES`` is set between one file's size and the
folder's, so each file is "small" and the folder is worth the workers, as a folder of a few hundred
MB of rotated exporter files is.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.services import cases, import_pool, import_worker, imports
from reviewdesk.services.workspace import Workspace, open_workspace
from tests.otlp_builder import write_jsonl
from tests.unit.services.test_import_worker import _CancelAfter, _stored, _trace_span

pytestmark = pytest.mark.slow


def _folder(root: Path, files: int = 6, traces: int = 8, spans: int = 4) -> Path:
    """``files`` JSON-lines files of ``traces`` whole traces each (a trace a line), numbered across files."""
    root.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = [[_trace_span(f * traces + n, k) for k in range(spans)] for n in range(1, traces + 1)]
        write_jsonl(root / f"part-{f:02d}.jsonl", lines)
    return root


@pytest.fixture
def read_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files read on the importing thread (none is, but those the workers could not take)."""
    names: list[str] = []
    real = imports._read_here

    def remember(writer: Any, importer: Any, context: Any, progress: Any, done_bytes: int) -> int:
        names.append(context.name)
        return real(writer, importer, context, progress, done_bytes)

    monkeypatch.setattr(imports, "_read_here", remember)
    return names


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[import_worker.Worker]:
    """Every worker process started, in order; the pool's engage when each file is below the limit."""
    monkeypatch.setattr(import_worker, "available", lambda: True)  # also when the tests run on one core
    workers: list[import_worker.Worker] = []
    real, real_submit = import_worker.Worker.__init__, import_worker.Worker.submit

    def remember(self: import_worker.Worker, job: import_worker.Job, on_baton: Any = None) -> None:
        self._jobs = []  # type: ignore[attr-defined]  # the names of the files it was given
        real(self, job, on_baton)
        workers.append(self)

    def submit(self: import_worker.Worker, job: import_worker.Job) -> None:
        self._jobs.append(job.name)  # type: ignore[attr-defined]
        real_submit(self, job)

    monkeypatch.setattr(import_worker.Worker, "__init__", remember)
    monkeypatch.setattr(import_worker.Worker, "submit", submit)
    return workers


def _jobs(worker: import_worker.Worker) -> list[str]:
    """The names of the files ``worker`` was given, in order (recorded by ``started``)."""
    names: list[str] = vars(worker)["_jobs"]
    return names


def _small_files(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    largest = max(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    monkeypatch.setattr(import_worker, "WORKER_MIN_BYTES", largest + 1)


def _one_thread(tmp_path: Path, given: list[Path], name: str) -> dict[str, Any]:
    """The same paths imported with no worker at all: the reference."""
    reference = open_workspace(tmp_path / f"{name}.reviewdesk")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(import_worker, "available", lambda: False)
            result = imports.import_files(reference, given)
        assert all(s.failed is None for s in result.files)
        return _stored(reference)
    finally:
        reference.close()


def test_a_folder_of_small_files_is_prepared_by_two_workers_and_stores_what_one_thread_does(
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[import_worker.Worker],
    read_here: list[str],
) -> None:
    folder = _folder(tmp_path / "runs")
    _small_files(monkeypatch, folder)
    monkeypatch.setattr(imports, "BATCH_SPANS", 10)  # several batches a file
    result = imports.import_files(workspace, [folder])
    assert [(s.name, s.failed, s.cases_created, s.spans) for s in result.files] == [
        (f"runs/part-{f:02d}.jsonl", None, 8, 32) for f in range(6)
    ]
    assert len(started) == import_worker.WORKERS == 2  # started once for the six files, which they took in turns
    assert [_jobs(w) for w in started] == [[f"runs/part-{f:02d}.jsonl" for f in range(s, 6, 2)] for s in (0, 1)]
    assert read_here == []
    assert all(w._process.poll() is not None for w in started)  # and stopped at the end
    assert _stored(workspace) == _one_thread(tmp_path, [folder], "reference")
    assert result.files[0].redactions == {"EMAIL": 8}


def test_a_bad_file_in_the_folder_fails_alone_and_the_workers_go_on(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[import_worker.Worker]
) -> None:
    folder = _folder(tmp_path / "runs")
    (folder / "part-02.jsonl").write_text('{"resourceSpans": [{"scopeSpans": [{"spans": [ {"traceId": 1} ')
    _small_files(monkeypatch, folder)
    result = imports.import_files(workspace, [folder])
    outcome = {s.name: (s.failed, s.cases_created) for s in result.files}
    assert outcome.pop("runs/part-02.jsonl")[0].startswith("runs/part-02.jsonl: line 1: not valid JSON")
    assert set(outcome.values()) == {(None, 8)} and len(outcome) == 5
    assert len(started) == 2
    assert cases.count_cases(workspace) == 40


def test_reimporting_the_folder_after_a_new_file_came_prepares_only_the_new_one(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[import_worker.Worker]
) -> None:
    folder = _folder(tmp_path / "runs")
    _small_files(monkeypatch, folder)
    imports.import_files(workspace, [folder])
    before = _stored(workspace)
    assert len(started) == 2
    write_jsonl(folder / "part-06.jsonl", [[_trace_span(100, k) for k in range(4)]])  # a new file came
    again = imports.import_files(workspace, [folder])
    assert [s.already_imported for s in again.files] == [True] * 6 + [False]
    assert again.files[-1].cases_created == 1
    # Only the new file was handed to a worker: the others were not prepared again for nothing.
    assert [_jobs(w) for w in started[2:]] == [["runs/part-06.jsonl"]]
    assert _stored(workspace)["spans"] == before["spans"] + 4


def test_a_trace_continued_in_the_next_file_is_extended_on_the_importing_thread(
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[import_worker.Worker],
    read_here: list[str],
) -> None:
    # Rotated files cut a trace: its first spans in one file, the rest in the next. The worker
    # preparing the second file takes the trace for new; the write lock says it is stored.
    folder = tmp_path / "rotated"
    folder.mkdir()
    flat = [_trace_span(n, k) for n in range(1, 25) for k in range(4)]
    for f in range(4):
        write_jsonl(folder / f"part-{f}.jsonl", [[s] for s in flat[f * 24 + 2 : (f + 1) * 24 + 2]])
    write_jsonl(folder / "part-0-first.jsonl", [[s] for s in flat[:2]])  # sorted before part-0: the start
    _small_files(monkeypatch, folder)
    result = imports.import_files(workspace, [folder])
    assert all(s.failed is None for s in result.files)
    assert sum(s.spans for s in result.files) == 96
    assert len(started) == 2
    # Each file after the first continues a trace the one before stored: read again here, the
    # worker's batches of it dropped, and the next file still the worker's next.
    assert read_here == [f"rotated/part-{f}.jsonl" for f in range(4)]
    assert _stored(workspace) == _one_thread(tmp_path, [folder], "reference")


def test_archive_members_in_the_folder_are_read_on_the_importing_thread(
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[import_worker.Worker],
    read_here: list[str],
) -> None:
    # A member is a scratch copy deleted when the expansion moves on: never read ahead.
    folder = _folder(tmp_path / "runs", files=4)
    with zipfile.ZipFile(folder / "more.zip", "w") as archive:
        for f in range(2):
            extra = write_jsonl(tmp_path / f"extra-{f}.jsonl", [[_trace_span(1000 + f, 0)]])
            archive.write(extra, f"extra-{f}.jsonl")
    _small_files(monkeypatch, folder)
    result = imports.import_files(workspace, [folder])
    assert [(s.name, s.cases_created) for s in result.files] == [
        *((f"runs/more.zip/extra-{f}.jsonl", 1) for f in range(2)),
        *((f"runs/part-{f:02d}.jsonl", 8) for f in range(4)),
    ]
    assert read_here == ["runs/more.zip/extra-0.jsonl", "runs/more.zip/extra-1.jsonl"]
    assert len(started) == 2
    assert _stored(workspace) == _one_thread(tmp_path, [folder], "reference")


def test_cancel_in_the_middle_of_a_folder_stops_the_workers_and_resumes(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[import_worker.Worker]
) -> None:
    folder = _folder(tmp_path / "runs", files=8)
    _small_files(monkeypatch, folder)
    total = sum(p.stat().st_size for p in folder.iterdir())
    result = imports.import_files(workspace, [folder], progress=_CancelAfter(total // 3))
    done = sum(s.cases_created for s in result.files)
    assert 0 < done < 64
    assert cases.count_cases(workspace) == done
    assert all(w._process.poll() is not None for w in started)
    resumed = imports.import_files(workspace, [folder])
    assert cases.count_cases(workspace) == 64
    assert sum(s.cases_created for s in resumed.files) == 64 - done


def test_a_few_small_files_start_no_worker(
    workspace: Workspace, tmp_path: Path, started: list[import_worker.Worker]
) -> None:
    folder = _folder(tmp_path / "runs", files=3)
    result = imports.import_files(workspace, [folder])  # 3 small files in all: below WORKER_MIN_BYTES
    assert sum(s.cases_created for s in result.files) == 24
    assert started == []


def test_the_pool_does_not_read_past_a_scratch_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ahead`` never asks the expansion for the next file while it holds an archive member."""
    from reviewdesk.importers import bundles

    folder = _folder(tmp_path / "runs", files=2)
    archive_path = folder / "a.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.write(folder / "part-00.jsonl", "inner.jsonl")
    shutil.copy(folder / "part-01.jsonl", folder / "z-last.jsonl")
    handed: list[str] = []
    pool = import_pool.FilePool.__new__(import_pool.FilePool)
    pool.wanted = True
    pool._handed = {}
    monkeypatch.setattr(import_pool.FilePool, "_hand", lambda self, item: handed.append(item.name))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    expansion = bundles.Expansion()
    for item in pool.ahead(bundles.expand([folder], scratch, expansion, lambda _: None), item_of=lambda item: item):
        assert item.file.exists(), item.name  # what is yielded is still there to be read
    assert "runs/a.zip/inner.jsonl" in handed


def test_files_given_one_by_one_are_read_ahead_across_them_in_order(
    workspace: Workspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[import_worker.Worker],
    read_here: list[str],
) -> None:
    """``reviewdesk import runs/*.jsonl`` (or a drop of files): the pool looks across the given paths;
    a path that is missing still fails in its place."""
    folder = _folder(tmp_path / "runs")
    _small_files(monkeypatch, folder)
    given = sorted(folder.iterdir())
    given.insert(3, tmp_path / "gone.jsonl")
    result = imports.import_files(workspace, given)
    assert [(s.name or s.path.name, s.failed, s.cases_created) for s in result.files] == [
        *((f"part-{f:02d}.jsonl", None, 8) for f in range(3)),
        ("gone.jsonl", f"{tmp_path / 'gone.jsonl'}: no such file", 0),
        *((f"part-{f:02d}.jsonl", None, 8) for f in range(3, 6)),
    ]
    assert len(started) == 2 and read_here == []

"""Imports prepared in a worker process (ADR 0013): the same workspace as one thread, errors and cancel as before.

Every test here starts real worker processes (a new interpreter each), so they are marked slow.
``WORKER_MIN_BYTES`` is set to 0 so that small files take the worker path too.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from reviewdesk.domain.errors import RecordError
from reviewdesk.importers import registry
from reviewdesk.importers.base import ReadContext
from reviewdesk.privacy import RedactionSettings
from reviewdesk.services import cases, import_batches, import_plan, import_worker, imports
from reviewdesk.services.import_batches import CaseSource
from reviewdesk.services.redaction import RedactionRules
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage.tables import ImportRecord, SpanRow
from tests.otlp_builder import span, write_jsonl

pytestmark = pytest.mark.slow


@pytest.fixture
def in_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_worker, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(import_worker, "available", lambda: True)  # also when the tests run on one core


def _trace_span(n: int, k: int, text: str = "") -> dict[str, Any]:
    parent = None if k == 0 else f"{n:08x}{0:08x}"
    attributes = {"input.value": f"question {n} from ana@x.example"} if k == 0 else {"output.value": f"step {k} {text}"}
    return span(
        f"op{k}",
        trace_id=f"{n:032x}",
        span_id=f"{n:08x}{k:08x}",
        parent=parent,
        start_ms=k,
        end_ms=k + 1,
        attributes=attributes,
    )


def _file(tmp_path: Path, name: str, traces: int = 40, spans: int = 4, per_line: int = 3) -> Path:
    """``traces`` traces of ``spans`` spans, written ``per_line`` spans a line: traces cross lines."""
    flat = [_trace_span(n, k) for n in range(1, traces + 1) for k in range(spans)]
    return write_jsonl(tmp_path / name, [flat[i : i + per_line] for i in range(0, len(flat), per_line)])


def _stored(workspace: Workspace) -> dict[str, Any]:
    """Every case as stored (JSON without labels), by case id, and the span count."""
    with workspace.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT case_id, data FROM cases").all()
        spans = conn.execute(select(func.count()).select_from(SpanRow)).scalar_one()
    decoded = {case_id: data if isinstance(data, dict) else json.loads(data) for case_id, data in rows}
    return {"spans": spans, "cases": decoded}


def _import_alone(tmp_path: Path, path: Path) -> dict[str, Any]:
    """``path`` imported on one thread, in one batch: the reference."""
    reference = open_workspace(tmp_path / f"alone-{path.stem}.reviewdesk")
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(import_worker, "WORKER_MIN_BYTES", 10**12)
            mp.setattr(imports, "BATCH_SPANS", 10**9)
            assert imports.import_files(reference, [path]).files[0].failed is None
        return _stored(reference)
    finally:
        reference.close()


def test_worker_import_stores_the_same_cases_as_one_thread(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_worker: None
) -> None:
    path = _file(tmp_path, "spread.jsonl")
    monkeypatch.setattr(imports, "BATCH_SPANS", 10)  # 16 batches, traces across their edges
    summary = imports.import_files(workspace, [path]).files[0]
    assert (summary.failed, summary.spans, summary.cases_created, summary.cases_updated) == (None, 160, 40, 0)
    assert summary.redactions == {"EMAIL": 40}
    assert _stored(workspace) == _import_alone(tmp_path, path)
    with workspace.engine.connect() as conn:
        assert conn.execute(select(ImportRecord.status)).scalar_one() == "done"


def test_bad_records_read_in_the_worker_are_reported_with_file_and_line(
    workspace: Workspace, tmp_path: Path, in_worker: None
) -> None:
    path = _file(tmp_path, "bad.jsonl", traces=4)
    lines = path.read_text().splitlines()
    lines.insert(2, '{"resourceSpans": 5}')
    lines.insert(4, "{not json")
    path.write_text("\n".join(lines) + "\n")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.failed is None and summary.cases_created == 4
    assert summary.skipped == 2
    assert summary.errors == [
        "bad.jsonl: line 3: no 'resourceSpans' list: not an OTLP traces record",
        "bad.jsonl: line 5: not valid JSON (unexpected character, expected a string key: line 1 column 2 (char 1))",
    ]


def test_a_file_that_cannot_be_read_fails_naming_it_and_writes_nothing(
    workspace: Workspace, tmp_path: Path, in_worker: None
) -> None:
    path = tmp_path / "cut.json"
    path.write_text('{"resourceSpans": [{"scopeSpans": [{"spans": [ {"traceId": 1} ')  # cut short
    summary = imports.import_files(workspace, [path], format_name="otlp-json").files[0]
    assert summary.failed == "cut.json: line 1: not valid JSON (unexpected end of data: line 1 column 63 (char 62))"
    assert cases.count_cases(workspace) == 0
    with workspace.engine.connect() as conn:
        assert conn.execute(select(ImportRecord.status)).scalar_one() == "failed"


class _CancelAfter:
    """A Progress that asks to stop once ``limit`` bytes were reported."""

    def __init__(self, limit: int) -> None:
        self.limit, self.done = limit, 0

    def set_total(self, total: int | None) -> None: ...
    def set_status(self, text: str) -> None: ...
    def advance(self, amount: int) -> None:
        self.done += amount

    def cancel_requested(self) -> bool:
        return self.done >= self.limit


def test_cancel_stops_the_worker_and_keeps_whole_batches(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_worker: None
) -> None:
    path = write_jsonl(
        tmp_path / "big.jsonl", [[span(f"op{n}", trace_id=f"{n:032x}", span_id=f"{n:016x}")] for n in range(1, 201)]
    )
    monkeypatch.setattr(imports, "BATCH_SPANS", 10)
    started: list[import_worker.Worker] = []
    real = import_worker.Worker.__init__

    def remember(self: import_worker.Worker, job: import_worker.Job, on_baton: Any = None) -> None:
        real(self, job, on_baton)
        started.append(self)

    monkeypatch.setattr(import_worker.Worker, "__init__", remember)
    summary = imports.import_files(workspace, [path], progress=_CancelAfter(path.stat().st_size // 4)).files[0]
    assert summary.cancelled
    assert summary.cases_created % 10 == 0 and 0 < summary.cases_created < 200
    assert cases.count_cases(workspace) == summary.cases_created
    assert started and started[0]._process.poll() is not None  # the worker is gone
    resumed = imports.import_files(workspace, [path]).files[0]
    assert resumed.cases_created == 200 - summary.cases_created
    assert cases.count_cases(workspace) == 200


def test_traces_stored_before_are_extended_on_the_importing_thread(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_worker: None
) -> None:
    # The first half of every trace, then the whole file: the worker's first batch holds stored
    # traces, so the file is read again on this thread, where they are extended and rebuilt.
    whole = _file(tmp_path, "whole.jsonl", traces=12)
    half = write_jsonl(tmp_path / "half.jsonl", [[_trace_span(n, k) for k in range(2)] for n in range(1, 13)])
    monkeypatch.setattr(imports, "BATCH_SPANS", 10)
    imports.import_files(workspace, [half])
    progress = _CancelAfter(10**12)
    summary = imports.import_files(workspace, [whole], progress=progress).files[0]
    assert (summary.failed, summary.spans, summary.cases_created, summary.cases_updated) == (None, 24, 0, 12)
    assert progress.done == whole.stat().st_size  # read twice, reported once
    assert _stored(workspace) == _import_alone(tmp_path, whole)


def _job(path: Path, scratch: Path, batch_spans: int) -> import_worker.Job:
    return import_worker.Job(
        path=path,
        name=path.name,
        file_hash="0" * 64,
        importer="otlp-jsonl",
        rules=RedactionRules(RedactionSettings(enabled=False)),
        source=CaseSource("otlp-jsonl", path.name),
        batch_spans=batch_spans,
        scratch=scratch,
    )


def test_the_worker_waits_when_its_batches_are_not_taken(tmp_path: Path) -> None:
    # Memory is bounded: however far behind the importing process is, no more than
    # QUEUE_BATCHES prepared batches wait for it.
    path = write_jsonl(
        tmp_path / "big.jsonl", [[span(f"op{n}", trace_id=f"{n:032x}", span_id=f"{n:016x}")] for n in range(1, 61)]
    )
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    worker = import_worker.Worker(_job(path, scratch, batch_spans=5))
    try:
        deadline = time.monotonic() + 60
        while len(list(scratch.iterdir())) < import_worker.QUEUE_BATCHES and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)  # time enough to prepare several more batches, if it did not wait
        assert len(list(scratch.iterdir())) == import_worker.QUEUE_BATCHES
        taken = list(worker.batches(lambda: False))
    finally:
        worker.close()
    assert [p.new.trace_ids[0] for p in taken if p.new] == [f"{n:032x}" for n in range(1, 61, 5)]
    assert sum(len(p.new.trace_ids) for p in taken if p.new) == 60
    assert list(scratch.iterdir()) == []  # each batch's file read once and deleted


def test_an_error_in_the_worker_comes_back_as_it_was_raised(tmp_path: Path) -> None:
    path = tmp_path / "gone.jsonl"  # the worker cannot open it
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    worker = import_worker.Worker(_job(path, scratch, batch_spans=5))
    try:
        with pytest.raises(import_worker.WorkerError, match="FileNotFoundError"):
            list(worker.batches(lambda: False))
    finally:
        worker.close()


def test_record_errors_survive_the_trip_between_processes() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(RecordError("a.jsonl", "line 7", "no spanId")))
    assert (str(error), error.file, error.where, error.reason) == (
        "a.jsonl: line 7: no spanId",
        "a.jsonl",
        "line 7",
        "no spanId",
    )


@pytest.mark.parametrize(("hold", "where"), [(import_batches.HOLD_SPANS, "here"), (7, "here"), (7, "worker")])
def test_a_long_trace_is_built_once_and_stored_as_when_read_whole(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hold: int, where: str
) -> None:
    # One trace of 120 spans over 40 lines, batches of 10 spans: carried until the file ends and
    # built once; with a small carry limit it is written as read and rebuilt from its stored
    # spans (the old way). Both store what one batch of the whole file stores.
    flat = [_trace_span(1000, k, "lorem ipsum") for k in range(1, 120)] + [_trace_span(1000, 0)]
    path = write_jsonl(tmp_path / "long.jsonl", [flat[i : i + 3] for i in range(0, len(flat), 3)])
    monkeypatch.setattr(imports, "BATCH_SPANS", 10)
    monkeypatch.setattr(import_batches, "HOLD_SPANS", hold)
    if where == "worker":  # the worker's own HOLD_SPANS is the default: carried whole there
        monkeypatch.setattr(import_worker, "WORKER_MIN_BYTES", 0)
        monkeypatch.setattr(import_worker, "available", lambda: True)
    built: list[int] = []
    real_build = import_batches.build_case  # type: ignore[attr-defined]

    def counting(spans: list[Any], **kwargs: Any) -> Any:
        built.append(len(spans))
        return real_build(spans, **kwargs)

    monkeypatch.setattr(import_batches, "build_case", counting)
    summary = imports.import_files(workspace, [path]).files[0]
    assert (summary.failed, summary.spans, summary.cases_created) == (None, 120, 1)
    if hold == import_batches.HOLD_SPANS and where == "here":
        assert built == [120]  # once, with all its spans
    assert _stored(workspace) == _import_alone(tmp_path, path)


class _LocalRelay:
    """Batons between workers run as threads of this process (``import_worker.Relay``)."""

    def __init__(self) -> None:
        self._batons: dict[int, import_plan.Baton] = {}
        self._ready = threading.Condition()

    def pass_on(self, baton: import_plan.Baton) -> None:
        with self._ready:
            self._batons[baton.number] = pickle.loads(pickle.dumps(baton))  # as through a file
            self._ready.notify_all()

    def wait(self, number: int) -> import_plan.Baton:
        with self._ready:
            assert self._ready.wait_for(lambda: number in self._batons, timeout=60)
            return self._batons.pop(number)


def _shares(path: Path, tmp_path: Path, shares: int, batch_spans: int = 10) -> list[list[list[str]]]:
    """Each worker's batches (their trace ids) when ``shares`` workers read ``path`` in turns."""
    relay = _LocalRelay()
    out: list[list[import_worker.Prepared]] = [[] for _ in range(shares)]
    errors: list[BaseException] = []

    def run(share: int) -> None:
        try:
            job = replace(_job(path, tmp_path, batch_spans=batch_spans), share=share, shares=shares)
            import_worker.prepare_file(job, out[share].append, relay if shares > 1 else None)
        except BaseException as exc:  # pragma: no cover - shown by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(share,)) for share in range(shares)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and not any(thread.is_alive() for thread in threads)
    return [[p.new.trace_ids if p.new else [] for p in batches] for batches in out]


def test_workers_prepare_alternate_batches_that_together_are_one_workers(tmp_path: Path) -> None:
    # The workers read the file in turns and each prepares its share: taken in turn, they are
    # the batches one worker prepares, traces whole and in file order.
    path = _file(tmp_path, "shared.jsonl", traces=30)
    (alone,) = _shares(path, tmp_path, 1)
    first, second = _shares(path, tmp_path, 2)
    assert len(alone) > 4 and first == alone[0::2] and second == alone[1::2]
    a, b, c = _shares(path, tmp_path, 3)
    assert a == alone[0::3] and b == alone[1::3] and c == alone[2::3]


def test_a_worker_preparing_a_file_loads_no_database_or_gui_library(tmp_path: Path) -> None:
    # A worker never opens the workspace: SQLAlchemy was about a second of each worker's start-up,
    # and Alembic (with Mako) and the settings and GUI libraries are for the importing process only.
    # Checked after a real batch with redaction on, so modules imported on first use count too.
    import subprocess
    import sys

    path = _file(tmp_path, "closure.jsonl", traces=3)
    job = replace(
        _job(path, tmp_path, batch_spans=5), rules=RedactionRules(RedactionSettings(enabled=True), key=b"k" * 32)
    )
    (tmp_path / "job.pickle").write_bytes(pickle.dumps(job))
    code = (
        "import pickle, sys; from reviewdesk.services import import_worker;"
        " job = pickle.loads(open(sys.argv[1], 'rb').read()); emitted = [];"
        " import_worker.prepare_file(job, lambda p: emitted.append(pickle.dumps(p)));"
        " heavy = {'sqlalchemy', 'alembic', 'mako', 'pydantic_settings', 'PySide6'};"
        " print(len(emitted), sorted({m.split('.')[0] for m in sys.modules} & heavy))"
    )
    command = [sys.executable, "-c", code, str(tmp_path / "job.pickle")]
    run = subprocess.run(command, check=False, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    batches, loaded = run.stdout.split(maxsplit=1)
    assert int(batches) >= 2 and loaded.strip() == "[]"  # batches prepared, nothing heavy loaded


def test_each_line_is_decoded_once_and_the_batches_are_one_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The workers read in turns (services.import_plan): every line is parsed and decoded by one
    # worker only (and a held trace's line again by the worker that cuts it), and the batches
    # are the ones one thread's TraceBuffer cuts.
    path = _file(tmp_path, "scan.jsonl", traces=30)
    lines = sum(1 for _ in path.open())
    importer = registry.get_importer("otlp-jsonl")
    decoded: list[str] = []
    original = type(importer).decode_record

    def counted(self: Any, value: Any, context: Any, where: str) -> Any:
        decoded.append(where)
        return original(self, value, context, where)

    monkeypatch.setattr(type(importer), "decode_record", counted)
    shares = _shares(path, tmp_path, 2)
    assert len(set(decoded)) == lines and len(decoded) < lines * 1.3  # each once, a few held lines twice
    buffer = import_batches.TraceBuffer(lambda s: s)
    cuts: list[list[str]] = []
    context = ReadContext(path=path, file_hash="0" * 64, report=lambda _e: None)
    for chunk in importer.read(context):
        buffer.add(chunk.spans)
        if buffer.ready >= 10:
            cuts.append(list(buffer.take(everything=False)))
    cuts.append(list(buffer.take(everything=True)))
    assert shares[0] == cuts[0::2] and shares[1] == cuts[1::2]

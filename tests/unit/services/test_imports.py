"""Import behaviour: idempotent, traces completed across lines and files, batches atomic, labels kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from reviewdesk.domain.labels import LabelChange
from reviewdesk.services import cases, imports, labels
from reviewdesk.services.workspace import Workspace, open_workspace
from reviewdesk.storage.tables import ImportRecord, SpanRow
from tests.otlp_builder import request, span, write_jsonl

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def _llm(span_id: str, parent: str, start: int, text: str, tokens: int) -> dict[str, object]:
    return span(
        "chat gpt-4o",
        trace_id=TRACE,
        span_id=span_id,
        parent=parent,
        start_ms=start,
        end_ms=start + 50,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.request.model": "gpt-4o",
            "gen_ai.input.messages": json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": "Where is my parcel?"}]}]
            ),
            "gen_ai.output.messages": json.dumps(
                [{"role": "assistant", "parts": [{"type": "text", "content": text}], "finish_reason": "stop"}]
            ),
            "gen_ai.usage.input_tokens": tokens,
            "gen_ai.usage.output_tokens": 5,
        },
    )


def _root() -> dict[str, object]:
    return span(
        "support_chat",
        trace_id=TRACE,
        span_id="a000000000000001",
        start_ms=0,
        end_ms=400,
        attributes={"gen_ai.operation.name": "invoke_workflow", "gen_ai.workflow.name": "order_status"},
    )


def test_same_file_twice_adds_nothing(workspace: Workspace, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "t.jsonl", [[_root(), _llm("a000000000000002", "a000000000000001", 10, "Tomorrow.", 20)]]
    )
    first = imports.import_files(workspace, [path]).files[0]
    assert (first.cases_created, first.spans) == (1, 2)
    second = imports.import_files(workspace, [path]).files[0]
    assert second.already_imported
    assert (second.cases_created, second.spans) == (0, 0)
    with workspace.session() as session:
        assert session.execute(select(func.count()).select_from(SpanRow)).scalar_one() == 2
        statuses = session.execute(select(ImportRecord.status)).scalars().all()
    assert statuses == ["done"]


def test_trace_split_over_lines_is_one_case(workspace: Workspace, tmp_path: Path) -> None:
    # Exporters batch spans: children on line 1, the root and a second call on line 3.
    path = write_jsonl(
        tmp_path / "split.jsonl",
        [
            [_llm("a000000000000002", "a000000000000001", 10, "Let me check.", 20)],
            [span("other", trace_id="f" * 32, span_id="b000000000000001")],
            [_root(), _llm("a000000000000003", "a000000000000001", 100, "It arrives tomorrow.", 30)],
        ],
    )
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.cases_created == 2
    case = cases.get_case(workspace, TRACE)
    assert case.span_count == 3
    assert case.workflow == "order_status"
    assert case.generation.output == "It arrives tomorrow."
    assert case.usage.input_tokens == 50
    assert case.latency_ms == 400.0


def test_trace_completed_by_a_second_file_keeps_its_labels(workspace: Workspace, tmp_path: Path) -> None:
    part1 = write_jsonl(
        tmp_path / "part1.jsonl", [[_root(), _llm("a000000000000002", "a000000000000001", 10, "Let me check.", 20)]]
    )
    imports.import_files(workspace, [part1])
    before = cases.get_case(workspace, TRACE)
    labels.record_label(
        workspace, before.case_id, LabelChange(verdict="fail", root_causes=["missing_context"]), reviewer="ana"
    )

    part2 = write_jsonl(
        tmp_path / "part2.jsonl", [[_llm("a000000000000003", "a000000000000001", 100, "It arrives tomorrow.", 30)]]
    )
    summary = imports.import_files(workspace, [part2]).files[0]
    assert (summary.cases_created, summary.cases_updated, summary.spans) == (0, 1, 1)
    after = cases.get_case(workspace, TRACE)
    assert after.case_id == before.case_id
    assert after.span_count == 3
    assert after.generation.output == "It arrives tomorrow."
    assert after.labels is not None and after.labels.verdict == "fail"
    assert after.labels.root_causes == ["missing_context"]
    assert after.source.file == "part2.jsonl"


def test_span_order_in_the_file_does_not_change_the_case(workspace: Workspace, tmp_path: Path) -> None:
    spans = [
        _root(),
        _llm("a000000000000002", "a000000000000001", 10, "Let me check.", 20),
        _llm("a000000000000003", "a000000000000001", 100, "It arrives tomorrow.", 30),
    ]
    imports.import_files(workspace, [write_jsonl(tmp_path / "a.jsonl", [spans])])
    forward = cases.get_case(workspace, TRACE).model_dump(exclude={"source"})
    from reviewdesk.services.workspace import open_workspace

    other = open_workspace(tmp_path / "other.reviewdesk")
    imports.import_files(other, [write_jsonl(tmp_path / "b.jsonl", [[s] for s in reversed(spans)])])
    backward = cases.get_case(other, TRACE).model_dump(exclude={"source"})
    other.close()
    assert forward == backward


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


def test_cancelled_import_keeps_whole_batches_and_resumes_without_duplicates(
    workspace: Workspace, tmp_path: Path, monkeypatch: object
) -> None:
    import pytest

    mp = pytest.MonkeyPatch()
    mp.setattr(imports, "BATCH_SPANS", 10)
    try:
        batches = [[span(f"op{n}", trace_id=f"{n:032x}", span_id=f"{n:016x}")] for n in range(1, 101)]
        path = write_jsonl(tmp_path / "big.jsonl", batches)
        summary = imports.import_files(workspace, [path], progress=_CancelAfter(path.stat().st_size // 3)).files[0]
        assert summary.cancelled
        # Whole batches only: a multiple of the batch size was written.
        assert summary.cases_created % 10 == 0 and 0 < summary.cases_created < 100
        assert cases.count_cases(workspace) == summary.cases_created
        with workspace.session() as session:
            assert session.execute(select(ImportRecord.status)).scalar_one() == "cancelled"
        resumed = imports.import_files(workspace, [path]).files[0]
        assert not resumed.already_imported
        assert resumed.cases_created == 100 - summary.cases_created
        assert cases.count_cases(workspace) == 100
        with workspace.session() as session:
            assert session.execute(select(func.count()).select_from(SpanRow)).scalar_one() == 100
    finally:
        mp.undo()


def test_import_counts_are_recorded(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(request([_root()]), indent=2))
    imports.import_files(workspace, [path])
    with workspace.session() as session:
        record = session.execute(select(ImportRecord)).scalar_one()
    assert (record.format, record.file_name, record.traces, record.spans, record.cases, record.skipped) == (
        "otlp-json",
        "one.json",
        1,
        1,
        1,
        0,
    )
    assert len(record.content_sha256) == 64
    assert record.finished_at is not None


def test_other_file_with_the_same_spans_changes_nothing(workspace: Workspace, tmp_path: Path) -> None:
    spans = [_root(), _llm("a000000000000002", "a000000000000001", 10, "Tomorrow.", 20)]
    imports.import_files(workspace, [write_jsonl(tmp_path / "first.jsonl", [spans])])
    before = cases.get_case(workspace, TRACE)
    pretty = tmp_path / "again.json"
    pretty.write_text(json.dumps(request(spans), indent=2))  # other bytes, same spans
    summary = imports.import_files(workspace, [pretty]).files[0]
    assert not summary.already_imported
    assert (summary.spans, summary.traces, summary.cases_created, summary.cases_updated) == (0, 0, 0, 0)
    assert cases.get_case(workspace, TRACE) == before


def _spread_traces(tmp_path: Path, name: str) -> Path:
    """Ten traces of six spans; each pair of traces spread over two consecutive lines of six spans."""

    def trace_span(n: int, k: int) -> dict[str, object]:
        parent = None if k == 0 else f"{n:08x}{0:08x}"
        return span(f"op{k}", trace_id=f"{n:032x}", span_id=f"{n:08x}{k:08x}", parent=parent, start_ms=k, end_ms=k + 1)

    lines = []
    for n in range(1, 11, 2):
        lines.append([trace_span(m, k) for m in (n, n + 1) for k in range(3)])
        lines.append([trace_span(m, k) for m in (n, n + 1) for k in range(3, 6)])
    return write_jsonl(tmp_path / name, lines)


def test_traces_spread_over_batches_in_flight_end_up_whole(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small batches: the second batch holds traces of the first while it is still being written
    # on the writer thread, so the import must wait for it and extend those traces.
    path = _spread_traces(tmp_path, "spread.jsonl")
    in_one_batch = open_workspace(tmp_path / "one-batch.reviewdesk")
    try:
        imports.import_files(in_one_batch, [path])
        monkeypatch.setattr(imports, "BATCH_SPANS", 5)
        summary = imports.import_files(workspace, [path]).files[0]
        assert (summary.spans, summary.cases_created, summary.failed) == (60, 10, None)
        with workspace.session() as session:
            assert session.execute(select(func.count()).select_from(SpanRow)).scalar_one() == 60
        for n in range(1, 11):
            case = cases.get_case(workspace, f"{n:032x}")
            assert case.span_count == 6
            assert case == cases.get_case(in_one_batch, f"{n:032x}")
    finally:
        in_one_batch.close()


@pytest.mark.parametrize("failing", ["rows", "search index"])
def test_a_failed_write_fails_the_import_and_keeps_whole_batches(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    # Rows are written on the importing thread, the search index and the commit on the
    # indexing thread (ADR 0006): a failure in either loses the batch whole, never part of it.
    import sqlite3

    from reviewdesk.storage import search, writes

    monkeypatch.setattr(imports, "BATCH_SPANS", 10)
    batches = [[span(f"op{n}", trace_id=f"{n:032x}", span_id=f"{n:016x}")] for n in range(1, 51)]
    path = write_jsonl(tmp_path / "big.jsonl", batches)
    module, name = (writes, "upsert_cases") if failing == "rows" else (search, "index_cases")
    real = getattr(module, name)
    calls = 0

    def fails_the_third_time(conn: object, rows: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise sqlite3.OperationalError("disk I/O error")
        real(conn, rows)

    monkeypatch.setattr(module, name, fails_the_third_time)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        imports.import_files(workspace, [path])
    with workspace.session() as session:
        # Not "done": a re-import must not skip the file as imported in full.
        assert session.execute(select(ImportRecord.status)).scalar_one() == "failed"
        stored = session.execute(select(func.count()).select_from(SpanRow)).scalar_one()
    assert stored == 20  # the two batches before the failure, nothing of the third
    assert cases.count_cases(workspace) == 20
    with workspace.engine.connect() as conn:
        indexed = conn.exec_driver_sql("SELECT count(*) FROM case_search").scalar_one()
    assert indexed == 20  # search agrees with the cases
    monkeypatch.setattr(module, name, real)
    resumed = imports.import_files(workspace, [path]).files[0]
    assert (resumed.cases_created, resumed.failed) == (30, None)
    assert cases.count_cases(workspace) == 50


def test_an_import_gives_the_search_index_its_pending_size_and_search_still_finds_the_case(
    workspace: Workspace, tmp_path: Path
) -> None:
    from reviewdesk.storage import search

    path = write_jsonl(
        tmp_path / "t.jsonl", [[_root(), _llm("a000000000000002", "a000000000000001", 10, "Tomorrow.", 20)]]
    )
    imports.import_files(workspace, [path])
    with workspace.session() as session:
        found = session.execute(search.matching_rowids("tomorrow")).scalars().all()
        if workspace.engine.dialect.name == "sqlite":  # FTS5's own setting; PostgreSQL has none
            setting = session.execute(text("SELECT v FROM case_search_config WHERE k = 'hashsize'")).scalar()
            assert setting == search.PENDING_BYTES
    assert len(found) == 1

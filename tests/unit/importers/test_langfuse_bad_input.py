"""Bad Langfuse and LangSmith input: each rejection names the file and the record or line; the rest
of the file still imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.services import cases, imports
from reviewdesk.services.import_records import MAX_MESSAGE
from reviewdesk.services.workspace import Workspace

TRACE = "0123456789abcdef0123456789abcdef"


def _observation(oid: str, **fields: object) -> dict[str, object]:
    return {"id": oid, "traceId": TRACE, "type": "SPAN", "name": oid, "startTime": "2025-01-01T00:00:00Z", **fields}


def test_langfuse_bad_lines_and_records(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "observations.jsonl"
    lines = [
        json.dumps(_observation("good1")),
        "{not json",
        json.dumps(_observation("bad-time", startTime="yesterday")),
        json.dumps({"trace": {"id": TRACE}, "observations": "oops"}),
        json.dumps(
            {"trace": {"id": TRACE}, "observations": [_observation("good2"), 42, _observation("bad-id", id=["x"])]}
        ),
        json.dumps({"hello": "world"}),
        json.dumps({"id": "s", "traceId": TRACE, "name": "score", "value": 1, "dataType": "NUMERIC", "source": "API"}),
    ]
    path.write_text("\n".join(lines) + "\n")
    summary = imports.import_files(workspace, [path], format_name="langfuse").files[0]
    assert summary.failed is None
    errors = "\n".join(summary.errors)
    assert "observations.jsonl: line 2: not valid JSON" in errors
    assert "observations.jsonl: line 3: 'startTime' is not a timestamp" in errors
    assert "observations.jsonl: line 4: 'observations' must be a list" in errors
    assert "observations.jsonl: line 5, observations[1]: expected an observation object" in errors
    assert "observations.jsonl: line 5, observations[2]: 'id' must be a string id" in errors
    assert "observations.jsonl: line 6: not a Langfuse" in errors
    assert "observations.jsonl: line 7: a score on its own" in errors
    assert summary.skipped == 7
    case = cases.get_case(workspace, TRACE)
    assert case.span_count == 2  # good1, and good2 (which carries the trace record of line 5)


def test_langfuse_array_names_the_record(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "array.json"
    path.write_text(json.dumps([_observation("a"), _observation("b"), _observation("c", endTime=True)], indent=2))
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.format == "langfuse"
    assert summary.errors == ["array.json: record 3: 'endTime' must be a timestamp, got a boolean"]
    assert cases.get_case(workspace, TRACE).span_count == 2


def test_langsmith_bad_runs(workspace: Workspace, tmp_path: Path) -> None:
    run = {
        "id": "r1",
        "trace_id": "r1",
        "name": "app",
        "run_type": "chain",
        "start_time": "2025-01-01T00:00:00Z",
        "inputs": {"q": "hi"},
    }
    path = tmp_path / "runs.json"
    path.write_text(
        json.dumps(
            [
                run,
                {**run, "id": "r2", "parent_run_id": "r1", "start_time": "not a time"},
                {**run, "id": "r3", "parent_run_id": "r1", "name": 7},
                {
                    **run,
                    "id": "r4",
                    "parent_run_id": "r1",
                    "child_runs": [{"id": "r5", "run_type": "tool", "start_time": []}],
                },
                "a string",
            ]
        )
    )
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.format == "langsmith"
    assert summary.errors == [
        "runs.json: record 2: 'start_time' is not a timestamp: 'not a time'",
        "runs.json: record 3: 'name' must be a string, got int",
        "runs.json: record 4, child_runs[0]: 'start_time' must be a timestamp, got list",
        "runs.json: record 5: expected a LangSmith run object, got str",
    ]
    assert cases.get_case(workspace, "r1").span_count == 2  # r1 and r4


def test_truncated_last_line(workspace: Workspace, tmp_path: Path) -> None:
    good = {"id": "r1", "trace_id": "r1", "name": "app", "run_type": "chain", "start_time": "2025-01-01T00:00:00Z"}
    path = tmp_path / "runs.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "r2"}) + "\n" + '{"id": "r3", "run_ty')
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.errors == ["runs.jsonl: line 3: truncated last line (no newline at the end and not valid JSON)"]


def test_langfuse_trace_with_a_non_string_id_is_a_named_record_error(workspace: Workspace, tmp_path: Path) -> None:
    # Found by the fuzzer (seed 311009): the trace id was checked outside the record guard, so a
    # dict id escaped as an internal exception instead of a skipped record.
    path = tmp_path / "bundle.jsonl"
    lines = [
        json.dumps({"trace": {"id": {"nested": 1}}, "observations": [_observation("x")]}),
        json.dumps(_observation("good")),
    ]
    path.write_text("\n".join(lines) + "\n")
    summary = imports.import_files(workspace, [path], format_name="langfuse").files[0]
    assert summary.failed is None
    assert summary.errors == ["bundle.jsonl: line 1: 'trace.id' must be a string id, got dict"]
    assert cases.get_case(workspace, TRACE).span_count == 1


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100 + "]" * 100, "'input' holds JSON nested deeper than 64 levels"),
        ("[" * 1100 + "]" * 1100, "'input' holds JSON nested deeper than 64 levels"),  # past the recursion limit
        ("[99999999999999999999999]", "'input' holds a value that cannot be stored (Integer exceeds 64-bit range)"),
        ("{'ids': {1, 2}}", "'input' holds a value that cannot be stored (Type is not JSON serializable: set)"),
        ('"\\ud800"', "'input' holds a value that cannot be stored (str is not valid UTF-8: surrogates not allowed)"),
    ],
)
def test_langfuse_payload_text_that_decodes_to_something_unstorable(
    workspace: Workspace, tmp_path: Path, text: str, reason: str
) -> None:
    # Found by a targeted probe during a fuzz campaign: JSON or Python reprs inside a string field
    # were decoded without the checks the record itself had passed (depth, 64-bit integers, JSON
    # types), so the span crashed the write later, or decoding raised RecursionError.
    path = tmp_path / "payloads.jsonl"
    path.write_text(json.dumps(_observation("bad", input=text)) + "\n" + json.dumps(_observation("good")) + "\n")
    summary = imports.import_files(workspace, [path], format_name="langfuse").files[0]
    assert summary.failed is None
    assert summary.errors == [f"payloads.jsonl: line 1: {reason}"]
    assert cases.get_case(workspace, TRACE).span_count == 1


def test_langsmith_payload_text_that_decodes_to_something_unstorable(workspace: Workspace, tmp_path: Path) -> None:
    run = {"id": "r1", "trace_id": "r1", "name": "app", "run_type": "chain", "start_time": "2025-01-01T00:00:00Z"}
    path = tmp_path / "runs.json"
    path.write_text(
        json.dumps(
            [
                run,
                {**run, "id": "r2", "parent_run_id": "r1", "outputs": "{'n': 99999999999999999999999}"},
                {**run, "id": "r3", "parent_run_id": "r1", "extra": {"metadata": "[" * 70 + "]" * 70}},
            ]
        )
    )
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.errors == [
        "runs.json: record 2: 'outputs' holds a value that cannot be stored (Integer exceeds 64-bit range)",
        "runs.json: record 3: 'extra.metadata' holds JSON nested deeper than 64 levels",
    ]
    assert cases.get_case(workspace, "r1").span_count == 1


def test_vendor_times_past_64_bits_are_named_record_errors(workspace: Workspace, tmp_path: Path) -> None:
    # Found by a targeted probe during a fuzz campaign: a 5000-digit time string hit int()'s digit
    # limit (ValueError), a 400-digit one with a fraction became an infinite float (OverflowError),
    # a trace's latency of 1e300 s overflowed, and a LangSmith dotted order in the year 9999 gave
    # a start time SQLite cannot store.
    lines = [
        json.dumps(_observation("long-digits", startTime="9" * 5000)),
        json.dumps(_observation("long-float", endTime="9" * 400 + ".5")),
        json.dumps({"trace": {"id": "t2", "timestamp": "2025-01-01T00:00:00Z", "latency": 1e300}, "observations": []}),
        json.dumps(_observation("good")),
    ]
    path = tmp_path / "times.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = imports.import_files(workspace, [path], format_name="langfuse").files[0]
    # Quoted whole, then cut to the kept length after scrubbing (so no value is cut before it is scrubbed).
    cut = MAX_MESSAGE - 1
    assert summary.errors == [
        f"times.jsonl: line 1: 'startTime' is out of range: '{'9' * 5000}"[:cut] + "…",
        f"times.jsonl: line 2: 'endTime' is out of range: '{'9' * 400}.5'"[:cut] + "…",
        "times.jsonl: line 3: 'trace.latency' is out of range: 1e+300",
    ]
    assert cases.get_case(workspace, TRACE).span_count == 1

    run = {"id": "r1", "trace_id": "r1", "name": "app", "run_type": "chain"}
    path = tmp_path / "runs.jsonl"
    path.write_text(
        json.dumps({**run, "start_time": "2025-01-01T00:00:00Z"})
        + "\n"
        + json.dumps({**run, "id": "r2", "dotted_order": "20250101T000000000000Zr1.99991231T235959000000Zr2"})
        + "\n"
    )
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.errors == [
        "runs.jsonl: line 2: 'dotted_order' is out of range: '20250101T000000000000Zr1.99991231T235959000000Zr2'"
    ]

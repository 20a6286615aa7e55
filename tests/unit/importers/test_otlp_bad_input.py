"""Bad OTLP input: every rejection names the file and the line or record; good records still import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.domain.errors import FormatError
from reviewdesk.importers import registry
from reviewdesk.services import cases, imports
from reviewdesk.services.workspace import Workspace
from tests.otlp_builder import request, span


def _good(n: int) -> str:
    return json.dumps(request([span(f"op{n}", trace_id=f"{n:032x}", span_id=f"{n:016x}")]))


def test_not_json_at_all_is_rejected_with_the_file_name(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello, this is not a trace\n")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.failed is not None
    assert "notes.txt" in summary.failed and "Supported formats" in summary.failed
    assert cases.count_cases(workspace) == 0


def test_empty_file(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.failed == "empty.jsonl: the file is empty"


def test_json_that_is_not_otlp(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(FormatError, match=r"other\.json: not a trace file"):
        registry.detect(path)


def test_bad_lines_are_skipped_and_named(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    lines = [
        _good(1),
        "{this is not json",
        json.dumps({"resourceMetrics": []}),
        json.dumps({"resourceSpans": "oops"}),
        _good(5),
        json.dumps([1, 2, 3]),
    ]
    path.write_text("\n".join(lines) + "\n" + _good(7)[:40])  # last line truncated, no newline
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.cases_created == 2
    assert summary.skipped == 5
    assert not summary.ok
    messages = "\n".join(summary.errors)
    assert "mixed.jsonl: line 2: not valid JSON" in messages
    assert "mixed.jsonl: line 3: this is OTLP metrics or logs, not traces" in messages
    assert "mixed.jsonl: line 4: no 'resourceSpans' list" in messages
    assert "mixed.jsonl: line 6: expected a JSON object" in messages
    assert "mixed.jsonl: line 7: truncated last line" in messages
    assert {row.workflow for row in cases.list_cases(workspace)} == {"op1", "op5"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("startTimeUnixNano", "yesterday", "'startTimeUnixNano' must be an integer or a decimal string"),
        ("name", 42, "'name' must be a string"),
        ("traceId", 12345, "'traceId' must be a hex string"),
        ("attributes", {"key": "x"}, "'attributes' must be a list"),
        ("status", "ERROR", "'status' must be an object"),
        ("events", [{"name": "e", "timeUnixNano": "soon"}], "'events[0].timeUnixNano' must be an integer"),
    ],
)
def test_wrong_value_types_reject_only_that_span(
    workspace: Workspace, tmp_path: Path, field: str, value: object, reason: str
) -> None:
    bad = span("bad", span_id="00000000000000bb", parent="00000000000000aa")
    bad[field] = value
    good = span("root", span_id="00000000000000aa")
    path = tmp_path / "types.json"
    path.write_text(json.dumps(request([good, bad]), indent=1))
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.skipped == 1
    assert summary.spans == 1
    assert len(summary.errors) == 1
    assert summary.errors[0].startswith("types.json: document, resourceSpans[0].scopeSpans[0].spans[1]: ")
    assert reason in summary.errors[0]


def test_bad_attribute_value_names_the_span(workspace: Workspace, tmp_path: Path) -> None:
    doc = request([span("root", span_id="00000000000000aa")])
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"] = [{"key": "n", "value": {"intValue": "many"}}]
    path = tmp_path / "attr.jsonl"
    path.write_text(json.dumps(doc) + "\n")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.errors == [
        "attr.jsonl: line 1, resourceSpans[0].scopeSpans[0].spans[0]: intValue 'many' is not an integer"
    ]
    assert summary.failed == "attr.jsonl: no valid spans found (1 records skipped)"


def test_truncated_document(workspace: Workspace, tmp_path: Path) -> None:
    text = json.dumps(request([span("root", span_id="00000000000000aa")]), indent=2)
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2])
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.failed is not None
    assert summary.failed.startswith("cut.json: line ")
    assert "not valid JSON" in summary.failed
    assert cases.count_cases(workspace) == 0


def test_invalid_utf8_line(workspace: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(_good(1).encode() + b"\n" + b'{"resourceSpans": [\xff\xfe]}\n' + _good(3).encode() + b"\n")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.cases_created == 2
    assert summary.errors and summary.errors[0].startswith("bytes.jsonl: line 2: not valid JSON")


def test_deeply_nested_attribute_is_rejected(workspace: Workspace, tmp_path: Path) -> None:
    value: dict[str, object] = {"stringValue": "leaf"}
    for _ in range(200):
        value = {"arrayValue": {"values": [value]}}
    doc = request([span("root", span_id="00000000000000aa")])
    doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"] = [{"key": "deep", "value": value}]
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(doc) + "\n" + _good(2) + "\n")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.cases_created == 1
    assert "nested deeper than" in summary.errors[0]


def test_base64_ids_from_protobuf_json_mapping_become_hex(workspace: Workspace, tmp_path: Path) -> None:
    doc = request([span("root", trace_id="CvdlGRbNQ92ESOshHIAxnA==", span_id="t61rcWkgMzE=")])
    path = tmp_path / "b64.json"
    path.write_text(json.dumps(doc, indent=1))
    imports.import_files(workspace, [path])
    case = cases.get_case(workspace, "0af7651916cd43dd8448eb211c80319c")
    assert cases.get_spans(workspace, case.case_id)[0].span_id == "b7ad6b7169203331"


def test_missing_file_is_reported(workspace: Workspace, tmp_path: Path) -> None:
    summary = imports.import_files(workspace, [tmp_path / "nope.json"]).files[0]
    assert summary.failed is not None and "no such file" in summary.failed


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        # str.isdigit() accepts these; int() refuses them (a superscript) or 4300+ digits at all.
        ("startTimeUnixNano", "\u00b2", "'startTimeUnixNano' must be an integer or a decimal string, got '\u00b2'"),
        ("endTimeUnixNano", "9" * 5000, f"'endTimeUnixNano' {'9' * 40} is out of the 64-bit range"),
        ("events", [{"name": "e", "timeUnixNano": "9" * 5000}], f"'events[0].timeUnixNano' {'9' * 40} is out of"),
    ],
)
def test_digit_strings_int_refuses_reject_only_that_span(
    workspace: Workspace, tmp_path: Path, field: str, value: object, reason: str
) -> None:
    # Found by a targeted probe during a fuzz campaign: these escaped as ValueError from int().
    bad = span("bad", span_id="00000000000000bb", parent="00000000000000aa")
    bad[field] = value
    path = tmp_path / "digits.json"
    path.write_text(json.dumps(request([span("root", span_id="00000000000000aa"), bad]), indent=1))
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.spans == 1
    assert len(summary.errors) == 1
    assert summary.errors[0].startswith(f"digits.json: document, resourceSpans[0].scopeSpans[0].spans[1]: {reason}")


def test_kind_and_status_code_digit_strings_int_refuses_are_unspecified(workspace: Workspace, tmp_path: Path) -> None:
    spans = [
        {**span("superscript", span_id="00000000000000aa"), "kind": "\u00b2", "status": {"code": "\u00b2"}},
        {**span("long", span_id="00000000000000bb"), "kind": "9" * 5000, "status": {"code": "9" * 5000}},
    ]
    path = tmp_path / "enums.jsonl"
    path.write_text(json.dumps(request(spans)) + "\n")
    summary = imports.import_files(workspace, [path]).files[0]
    assert summary.errors == []
    assert summary.spans == 2

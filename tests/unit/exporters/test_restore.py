"""reviewdesk JSONL is lossless: export, import into a new workspace, and get cases and labels back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.labels import LabelChange
from reviewdesk.importers import registry
from reviewdesk.services import cases, exports, imports, labels
from reviewdesk.services.workspace import open_workspace
from tests.consumers.labeled import DATA, FILES, LabeledWorkspace, build
from tests.unit.exporters.helpers import export


def test_round_trip_restores_cases_and_labels_byte_for_byte(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    exported = export(labeled, "reviewdesk-jsonl", tmp_path).path
    target = tmp_path / "restored.reviewdesk"
    assert main(["--workspace", str(target), "import", str(exported)]) == 0

    ws = open_workspace(target)
    try:
        again = exports.export_cases(ws, "reviewdesk-jsonl", tmp_path / "again.jsonl")
        assert again.path.read_bytes() == exported.read_bytes()
        # Each restored label comes with its whole label log, event for event (oi:A has two).
        source = labeled.open()
        try:
            for case_id in labeled.case_ids.values():
                restored, original = labels.label_history(ws, case_id), labels.label_history(source, case_id)
                assert [(e.reviewer, e.created_at, e.change) for e in restored] == [
                    (e.reviewer, e.created_at, e.change) for e in original
                ]
            assert len(labels.label_history(ws, labeled.case_ids["oi:A"])) == 2
        finally:
            source.close()
        # Filters that read the label tables work on restored cases too.
        assert cases.count_cases(ws, exports.ExportSelection().flt) == 8
        from reviewdesk.domain.queries import CaseFilter

        assert {s.case_id for s in cases.list_cases(ws, CaseFilter(root_cause="tool_error"))} == {
            labeled.case_ids["oi:B"],
            labeled.case_ids["genai:B"],
        }
        # Full-text search sees the restored cases.
        assert len(cases.list_cases(ws, CaseFilter(text="8812"))) == 4
    finally:
        ws.close()


def test_restoring_twice_changes_nothing(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    exported = export(labeled, "reviewdesk-jsonl", tmp_path).path
    ws = open_workspace(tmp_path / "r.reviewdesk")
    try:
        first = imports.import_files(ws, [exported]).files[0]
        assert isinstance(first, imports.RestoreSummary)
        assert (first.cases_created, first.labels_restored, first.skipped) == (8, 8, 0)
        second = imports.import_files(ws, [exported]).files[0]
        assert second.already_imported
    finally:
        ws.close()


def test_importing_the_traces_afterwards_adds_spans_and_keeps_labels(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    exported = export(labeled, "reviewdesk-jsonl", tmp_path).path
    ws = open_workspace(tmp_path / "r.reviewdesk")
    try:
        imports.import_files(ws, [exported])
        case_id = labeled.case_ids["oi:A"]
        assert cases.get_spans(ws, case_id) == []
        result = imports.import_files(ws, [DATA / FILES["oi"]])
        assert result.files[0].cases_updated == 2 and result.files[0].cases_created == 0
        assert len(cases.get_spans(ws, case_id)) == 5
        label = cases.get_case(ws, case_id).labels
        assert label is not None and label.verdict == "pass" and label.scores == {"correctness": 5, "groundedness": 4}
    finally:
        ws.close()


def test_an_existing_label_merges_with_the_restored_ones(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    exported = export(labeled, "reviewdesk-jsonl", tmp_path).path
    other = build(tmp_path / "other.reviewdesk", label=False)
    ws = other.open()
    try:
        change = LabelChange(verdict="fail", root_causes=["hallucination"])
        labels.record_label(ws, other.case_ids["oi:A"], change, reviewer="zoe")
        summary = imports.import_files(ws, [exported]).files[0]
        assert isinstance(summary, imports.RestoreSummary)
        assert summary.cases_created == 0  # the cases exist already (built from spans): content kept
        # Format-3 events carry their ids: they join zoe's event instead of being refused.
        assert (summary.labels_restored, summary.labels_kept) == (8, 0)
        both = labels.case_labels(ws, other.case_ids["oi:A"])
        assert sorted(both.by_reviewer) == ["alice", "bob", "zoe"]
        assert both.by_reviewer["zoe"].verdict == "fail"
        assert both.resolution == "disputed"  # zoe says fail, alice and bob pass
        assert cases.get_case(ws, other.case_ids["genai:A"]).labels.root_causes == ["hallucination", "stale_source"]  # type: ignore[union-attr]
    finally:
        ws.close()


def test_an_existing_label_is_kept_against_events_without_ids(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in export(labeled, "reviewdesk-jsonl", tmp_path).path.read_text().splitlines()]
    for line in lines:  # as a format-2 file wrote them: no event ids, no owners
        line["format_version"] = 2
        line.pop("reviewer_labels", None)
        line.pop("resolution", None)
        for event in line["label_history"]:
            event.pop("id")
            event.pop("label_of")
            event.pop("kind")
    old = tmp_path / "v2.jsonl"
    old.write_text("".join(json.dumps(line) + "\n" for line in lines))
    other = build(tmp_path / "other.reviewdesk", label=False)
    ws = other.open()
    try:
        labels.record_label(ws, other.case_ids["oi:A"], LabelChange(verdict="fail", root_causes=["hallucination"]))
        summary = imports.import_files(ws, [old]).files[0]
        assert isinstance(summary, imports.RestoreSummary)
        assert (summary.labels_restored, summary.labels_kept) == (7, 1)
        assert cases.get_case(ws, other.case_ids["oi:A"]).labels.verdict == "fail"  # type: ignore[union-attr]
    finally:
        ws.close()


def test_bad_lines_are_reported_by_line_and_the_rest_restores(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    lines = export(labeled, "reviewdesk-jsonl", tmp_path).path.read_text().splitlines()
    newer = json.loads(lines[1])
    newer["format_version"] = 99
    unknown_cause = json.loads(lines[2])
    assert unknown_cause["labels"] is not None
    unknown_cause["labels"]["root_causes"] = ["no_such_cause"]
    unknown_cause["label_history"][-1]["change"]["root_causes"] = ["no_such_cause"]
    broken = [
        lines[0],
        json.dumps(newer),
        json.dumps(unknown_cause),
        '{"format_version": 1, "case_id": "x"}',
        "{not json",
        *lines[3:],
    ]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(broken) + "\n")
    ws = open_workspace(tmp_path / "r.reviewdesk")
    try:
        summary = imports.import_files(ws, [path]).files[0]
    finally:
        ws.close()
    assert summary.skipped == 4
    assert summary.cases_created == 6  # lines 1 and 6-8
    joined = "\n".join(summary.errors)
    assert "broken.jsonl: line 2: case format version 99 was written by a newer reviewdesk" in joined
    assert "line 3: case " in joined
    assert "label_history event 1: unknown root cause(s) no_such_cause; valid: weak_prompt" in joined
    assert "line 4: not a reviewdesk case" in joined
    assert "line 5: not valid JSON" in joined


def test_import_routes_exports_by_content(
    labeled: LabeledWorkspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exported = export(labeled, "reviewdesk-jsonl", tmp_path).path
    renamed = tmp_path / "cases.json"  # the name does not matter, the content does
    renamed.write_bytes(exported.read_bytes())
    target = tmp_path / "mixed.reviewdesk"
    assert main(["--workspace", str(target), "import", str(renamed), str(DATA / FILES["new"])]) == 0
    out = capsys.readouterr().out
    assert "cases.json (reviewdesk-jsonl): 8 new case(s)" in out
    assert "labels: 8 restored, 0 kept" in out
    assert "traceloop_new.json (otlp-json): 0 new case(s), 2 updated" in out
    assert registry.detect(DATA / FILES["new"]).name != "reviewdesk-jsonl"
    assert registry.detect(DATA / FILES["genai"]).name != "reviewdesk-jsonl"

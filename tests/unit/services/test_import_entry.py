"""One import entry point: every file goes through ``imports.import_files``, which routes by content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewdesk.cli.main import main
from reviewdesk.importers import registry
from reviewdesk.services import audit, cases, imports
from reviewdesk.services.import_records import describe_file
from reviewdesk.services.workspace import open_workspace
from tests.conftest import DATA

EXPORT_V1 = DATA / "exports" / "reviewdesk_v1.jsonl"
TRACE = DATA / "instrumented" / "openinference_openai.json"


def test_the_registry_detects_an_export_among_the_trace_formats() -> None:
    assert registry.detect(EXPORT_V1).name == "reviewdesk-jsonl"
    assert "reviewdesk-jsonl" in registry.importer_names()
    assert registry.detect(TRACE).name != "reviewdesk-jsonl"


def test_one_call_imports_traces_and_restores_an_export(tmp_path: Path) -> None:
    ws = open_workspace(tmp_path / "w.reviewdesk")
    try:
        result = imports.import_files(ws, [EXPORT_V1, TRACE])
        restored, traced = result.files
        assert isinstance(restored, imports.RestoreSummary) and restored.labels_restored == 2
        assert not isinstance(traced, imports.RestoreSummary) and traced.spans == 9
        assert result.changes.labels and result.changes.cases
        # The export holds one of the trace file's two traces (oi:B): its spans complete that case.
        assert (traced.cases_created, traced.cases_updated) == (1, 1)
        assert len(cases.list_cases(ws)) == 4
        # Restores are audited like trace imports now that both take the same path.
        logged = [e for e in audit.entries(ws, labels=False) if e.action == "import"]
        assert [(e.details["format"], e.details["outcome"]) for e in logged] == [
            ("reviewdesk-jsonl", "done"),
            ("otlp-json", "done"),
        ]
        again = imports.import_files(ws, [EXPORT_V1]).files[0]
        assert again.already_imported and describe_file(again) == "reviewdesk_v1.jsonl: already imported, nothing added"
    finally:
        ws.close()


def test_forcing_the_export_format_on_a_trace_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--workspace", str(tmp_path / "w.reviewdesk"), "import", "--format", "reviewdesk-jsonl", str(TRACE)])
    assert code == 1
    err = capsys.readouterr().err
    assert "openinference_openai.json: not a reviewdesk JSONL export" in err


def test_a_second_case_for_one_trace_is_skipped_by_line(tmp_path: Path) -> None:
    """Two lines with one trace id and two case ids (a hand-edited file): the first wins, the second is named."""
    first, second, *_ = EXPORT_V1.read_text(encoding="utf-8").splitlines()
    other = json.loads(second)
    other["trace_id"] = json.loads(first)["trace_id"]
    path = tmp_path / "edited.jsonl"
    path.write_text("\n".join([first, json.dumps(other)]) + "\n", encoding="utf-8")
    ws = open_workspace(tmp_path / "w.reviewdesk")
    try:
        summary = imports.import_files(ws, [path]).files[0]
        assert summary.cases_created == 1 and summary.skipped == 1
        assert summary.errors[0].startswith("edited.jsonl: line 2: case ")
        assert "its trace already has another case" in summary.errors[0]
        assert [c.case_id for c in cases.list_cases(ws)] == [json.loads(first)["case_id"]]
    finally:
        ws.close()


def test_demo_takes_the_import_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--workspace", str(tmp_path / "demo.reviewdesk"), "demo", "--no-gui"])
    assert code == 0
    out = capsys.readouterr().out
    assert "new case(s)" in out and "span(s) added" in out

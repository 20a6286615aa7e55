"""Traces produced by the real instrumentation packages (see tests/data/instrumented/README.md),
imported through the real importer into a real workspace, checked field by field against what
the generating script actually sent and received."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reviewdesk.domain.case import Case
from reviewdesk.services import cases, imports
from tests.conftest import DATA

INSTRUMENTED = DATA / "instrumented"
EXPECTED: dict[str, Any] = json.loads((INSTRUMENTED / "expected.json").read_text())
SCENARIOS = [
    (file_name, key)
    for file_name, scenarios in EXPECTED.items()
    if not file_name.startswith("_")
    for key in scenarios
    if not key.startswith("_")
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    from reviewdesk.services.workspace import open_workspace

    ws = open_workspace(tmp_path_factory.mktemp("ws") / "instrumented.reviewdesk")
    files = [INSTRUMENTED / name for name in EXPECTED if not name.startswith("_")]
    result = imports.import_files(ws, files)
    assert all(summary.ok for summary in result.files), [s.errors or s.failed for s in result.files]
    loaded = {}
    for file_name, key in SCENARIOS:
        loaded[f"{file_name}:{key}"] = cases.get_case(ws, EXPECTED[file_name][key]["trace_id"])
    ws.close()
    return loaded


@pytest.mark.parametrize(("file_name", "key"), SCENARIOS)
def test_case_fields_match_what_was_sent(imported: dict[str, Case], file_name: str, key: str) -> None:
    expected = EXPECTED[file_name][key]
    case = imported[f"{file_name}:{key}"]

    assert case.trace_id == expected["trace_id"]
    assert case.input.user_request == expected["user_request"]
    assert case.input.system_instructions == expected["system_instructions"]
    assert case.generation.output == expected["final_output"]
    assert case.generation.model == expected["response_model"]
    assert case.generation.request_model == expected["request_model"]
    assert case.generation.provider == expected["provider"]
    assert case.usage.input_tokens == expected["input_tokens"]
    assert case.usage.output_tokens == expected["output_tokens"]
    assert case.usage.total_tokens == expected["input_tokens"] + expected["output_tokens"]
    assert case.usage.llm_calls == expected["llm_calls"]
    assert case.status == expected["status"]
    assert case.span_count == expected["span_count"]
    assert case.session_id == expected["session_id"]
    assert case.user_id == expected["user_id"]
    assert case.release == "2026.11.0"
    assert case.source.file == file_name


@pytest.mark.parametrize(("file_name", "key"), SCENARIOS)
def test_tool_calls_in_start_order(imported: dict[str, Case], file_name: str, key: str) -> None:
    expected = EXPECTED[file_name][key]["tool_calls"]
    calls = imported[f"{file_name}:{key}"].tool_calls
    assert [c.name for c in calls] == [e["name"] for e in expected]
    for call, want in zip(calls, expected, strict=True):
        assert call.arguments == want["arguments"]
        assert call.result == want["result"]
        if want["error"] is None:
            assert call.error is None
        else:
            assert call.error is not None and want["error"] in call.error
        assert call.span_id
        assert call.call_id == want["call_id"]


@pytest.mark.parametrize(("file_name", "key"), SCENARIOS)
def test_retrieved_documents_in_rank_order(imported: dict[str, Case], file_name: str, key: str) -> None:
    expected = EXPECTED[file_name][key]["retrieval"]
    retrieval = imported[f"{file_name}:{key}"].retrieval
    if expected is None:
        assert retrieval.documents == []
        return
    assert retrieval.query == expected["query"]
    assert [d.id for d in retrieval.documents] == [e["id"] for e in expected["documents"]]
    assert [d.content for d in retrieval.documents] == [e["content"] for e in expected["documents"]]
    assert [d.score for d in retrieval.documents] == pytest.approx([e["score"] for e in expected["documents"]])
    assert [d.rank for d in retrieval.documents] == [1, 2, 3]
    for document, want in zip(retrieval.documents, expected["documents"], strict=True):
        if want.get("metadata"):
            assert document.source == want["metadata"]["source"]


@pytest.mark.parametrize(("file_name", "key"), SCENARIOS)
def test_errors_are_reported(imported: dict[str, Case], file_name: str, key: str) -> None:
    expected = EXPECTED[file_name][key]
    case = imported[f"{file_name}:{key}"]
    if expected["status"] == "ok":
        assert case.error is None
    else:
        assert case.error is not None
        assert case.error.message or case.error.type

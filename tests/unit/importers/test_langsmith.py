"""LangSmith runs: the real SDK sample, and runs produced by ``langchain-core`` and ``langsmith``
(``LangChainTracer``, ``@traceable``) through a local fake endpoint, in every export form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.domain.case import Case
from tests.conftest import SAMPLES
from tests.unit.importers.test_langfuse import import_cases, same_case


def test_real_wrap_openai_ingest_payload(tmp_path: Path) -> None:
    """The JS SDK's {post, patch}: epoch-ms times, the patch has no id (it is in dotted_order)."""
    (case,) = import_cases(
        tmp_path, [SAMPLES / "langsmith_run_wrap_openai.json"], ["dc34609e-3eeb-459d-bc2a-6fedb01d2e6e"]
    )
    assert case.source.format == "langsmith"
    assert case.workflow == "ChatOpenAI"
    assert case.input.user_request == "howdy"
    assert case.generation.output == "Howdy! How can I assist you today?"
    assert case.generation.model == "gpt-4o-mini-2024-07-18"
    assert case.generation.request_model == "gpt-4o-mini"
    assert case.generation.provider == "openai"
    assert case.generation.finish_reason == "stop"
    assert (case.usage.input_tokens, case.usage.output_tokens, case.usage.total_tokens, case.usage.llm_calls) == (
        9,
        9,
        18,
        1,
    )
    assert case.tool_calls == []
    assert case.span_count == 1
    assert case.started_at is not None and case.started_at.isoformat() == "2024-10-13T07:05:37.170001+00:00"
    assert case.latency_ms == pytest.approx(1115.0, abs=0.01)


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("langsmith")
    pytest.importorskip("langchain_core")
    from tests.producers import langsmith_runs as producer
    from tests.producers.fake_endpoint import FakeEndpoint

    out = tmp_path_factory.mktemp("langsmith")
    result: dict[str, Any] = {"dir": out}
    for name, run in (("langchain", producer.run_langchain), ("traceable", producer.run_traceable)):
        endpoint = FakeEndpoint()
        try:
            with producer.langsmith_client(endpoint.url) as client:
                result[f"{name}_trace"] = run(client)
            payloads = [request.json() for request in endpoint.posted("/runs/batch")]
        finally:
            endpoint.close()
        assert payloads, f"the {name} run sent nothing"
        result[name] = payloads
        path = out / f"{name}.ingest.jsonl"  # one batch payload per line, as captured
        path.write_text("".join(json.dumps(p) + "\n" for p in payloads))
        result[f"{name}_path"] = path
    return result


def _roots(payloads: list[dict[str, Any]]) -> dict[str, str]:
    from tests.producers.langsmith_runs import merged_runs

    return {run["name"]: str(run["trace_id"]) for run in merged_runs(payloads) if not run.get("parent_run_id")}


def _check(case: Case, want: dict[str, Any]) -> None:
    for field, value in (
        ("workflow", case.workflow),
        ("user_request", case.input.user_request),
        ("system_instructions", case.input.system_instructions),
        ("output", case.generation.output),
        ("model", case.generation.model),
        ("request_model", case.generation.request_model),
        ("provider", case.generation.provider),
        ("input_tokens", case.usage.input_tokens),
        ("output_tokens", case.usage.output_tokens),
        ("total_tokens", case.usage.total_tokens),
        ("llm_calls", case.usage.llm_calls),
        ("status", case.status),
        ("span_count", case.span_count),
        ("session_id", case.session_id),
        ("user_id", case.user_id),
        ("release", case.release),
        ("retrieval_query", case.retrieval.query),
    ):
        if field in want:
            assert value == want[field], field
    if "documents" in want:
        assert [d.id for d in case.retrieval.documents] == want["documents"]
        assert all(d.content for d in case.retrieval.documents)
    calls = [
        {"name": t.name, "arguments": t.arguments, "result": t.result, "call_id": t.call_id, "error": t.error}
        for t in case.tool_calls
    ]
    assert [c["name"] for c in calls] == [w["name"] for w in want["tool_calls"]]
    for call, expected in zip(calls, want["tool_calls"], strict=True):
        assert (
            call["arguments"] == expected["arguments"]
            and call["result"] == expected["result"]
            and call["call_id"] == expected["call_id"]
        )
        assert (call["error"] is None) == (expected["error"] is None)
        if expected["error"]:
            assert expected["error"] in call["error"]


def test_langchain_runs(tmp_path: Path, produced: dict[str, Any]) -> None:
    from tests.producers.langsmith_runs import EXPECTED

    roots = _roots(produced["langchain"])
    refund, failure = import_cases(
        tmp_path, [produced["langchain_path"]], [roots["refund_question"], roots["cancel_subscription_request"]]
    )
    _check(refund, EXPECTED["refund"])
    _check(failure, EXPECTED["failure"])
    assert failure.error is not None
    assert (failure.error.type, failure.error.message) == (
        EXPECTED["failure"]["error_type"],
        EXPECTED["failure"]["error_message"],
    )


def test_traceable_runs_in_every_export_form(tmp_path: Path, produced: dict[str, Any]) -> None:
    from tests.producers import langsmith_runs as producer

    trace_id = produced["traceable_trace"]
    (reference,) = import_cases(tmp_path, [produced["traceable_path"]], [trace_id])
    _check(
        reference,
        {k: v for k, v in producer.EXPECTED["refund"].items() if k != "workflow"} | {"workflow": "refund_question"},
    )
    runs = producer.merged_runs(produced["traceable"])
    exported = producer.exported_runs(runs)
    forms = {
        "array.json": json.dumps(exported, indent=2),
        "runs.jsonl": "".join(json.dumps(r) + "\n" for r in reversed(exported)),  # any order
        "query.json": json.dumps({"runs": exported, "cursors": {}}),
        "nested.json": json.dumps(producer.nested(exported)[0]),
    }
    for name, text in forms.items():
        path = tmp_path / name
        path.write_text(text)
        (case,) = import_cases(tmp_path, [path], [trace_id])
        same_case(case, reference)


def test_feedback_stats_become_feedback(tmp_path: Path, produced: dict[str, Any]) -> None:
    from tests.producers import langsmith_runs as producer

    stats = {"correctness": {"n": 2, "avg": 0.5, "comments": ["half right"], "sources": [{"type": "api"}]}}
    exported = producer.exported_runs(producer.merged_runs(produced["traceable"]), stats)
    path = tmp_path / "with-feedback.json"
    path.write_text(json.dumps(exported))
    (case,) = import_cases(tmp_path, [path], [produced["traceable_trace"]])
    assert [(f.name, f.score, f.comment, f.source) for f in case.outcome.feedback] == [
        ("correctness", 0.5, "half right", "api")
    ]

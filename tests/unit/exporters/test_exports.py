"""Every export format on a labeled workspace: names, bytes, provenance, and what goes where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from reviewdesk.cli.main import main
from reviewdesk.domain.queries import CaseFilter
from reviewdesk.exporters import registry
from reviewdesk.services import cases, exports
from reviewdesk.services.exports import ExportCancelledError, ExportSelection
from reviewdesk.services.sampling import SampleSpec
from tests.consumers.labeled import CANCEL_FIX, REFUND_FIX, LabeledWorkspace, trace_id
from tests.unit.exporters.helpers import export, records

FORMATS = [
    "reviewdesk-jsonl",
    "inspect",
    "promptfoo-yaml",
    "promptfoo-jsonl",
    "openai-evals",
    "openai-evals-graded",
    "openai-finetune",
    "langfuse-dataset",
    "langsmith-examples",
    "phoenix-dataset",
    "braintrust-dataset",
    "deepeval",
    "deepeval-conversational",
    "ragas",
    "ragas-multi-turn",
    "csv",
    "parquet",
]
EVAL_FORMATS = [f for f in FORMATS if f not in ("reviewdesk-jsonl", "csv", "parquet", "openai-finetune")]
PROVENANCE_KEYS = {
    "case_id",
    "source_trace_id",
    "source_span_id",
    "source_root_span_id",
    "source_format",
    "source_file",
    "workflow",
    "release",
    "verdict",
    "root_causes",
    "scores",
    "reviewers",
    "label_schema_version",
    "labeled_at",
}


def provenance_of(fmt: str, record: dict[str, Any]) -> dict[str, Any]:
    if fmt in (
        "inspect",
        "promptfoo-yaml",
        "promptfoo-jsonl",
        "openai-evals",
        "openai-evals-graded",
        "langfuse-dataset",
        "langsmith-examples",
        "phoenix-dataset",
        "braintrust-dataset",
    ):
        return dict(record["metadata"])
    if fmt in ("ragas", "ragas-multi-turn"):
        return dict(record["metadata"])
    if fmt in ("deepeval", "deepeval-conversational"):
        return dict(record["additional_metadata"])
    if fmt == "csv":
        return dict(record)
    raise AssertionError(fmt)


def by_case(fmt: str, path: Path) -> dict[str, dict[str, Any]]:
    found = {}
    for record in records(path):
        case_id = record["case_id"] if fmt in ("reviewdesk-jsonl", "csv") else provenance_of(fmt, record)["case_id"]
        found[case_id] = record
    return found


def test_the_registry_has_exactly_the_promised_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert registry.exporter_names() == FORMATS
    assert main(["export", "--list-formats"]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed == FORMATS


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_workspace_and_options_give_identical_bytes(labeled: LabeledWorkspace, tmp_path: Path, fmt: str) -> None:
    first = export(labeled, fmt, tmp_path / "a")
    second = export(labeled, fmt, tmp_path / "b")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.path.stat().st_size > 0
    # And with a filter and a sample: still the same bytes.
    selection = ExportSelection(flt=CaseFilter(review="labeled"), sample=SampleSpec(per_stratum=1, seed=7))
    third = export(labeled, fmt, tmp_path / "c", selection)
    fourth = export(labeled, fmt, tmp_path / "d", selection)
    assert third.path.read_bytes() == fourth.path.read_bytes()


@pytest.mark.parametrize(
    ("fmt", "written", "skipped"),
    [
        ("reviewdesk-jsonl", 8, {}),
        ("csv", 8, {}),
        ("parquet", 8, {}),
        *[
            (f, 7, {"no expected output and not failing: nothing to test against": 1})
            for f in EVAL_FORMATS
            if f != "openai-evals"
        ],
        (
            "openai-evals",
            5,
            {
                "no expected output and not failing: nothing to test against": 1,
                "no expected output: Match needs an ideal answer (openai-evals-graded takes these cases)": 2,
            },
        ),
        (
            "openai-finetune",
            4,
            {
                "no expected output and not failing: nothing to test against": 1,
                "no expected output (a training example needs a good answer)": 2,
                "tool calls labeled wrong (wrong_tool / excessive_agency): no corrected trajectory to train on": 1,
            },
        ),
    ],
)
def test_each_format_takes_the_cases_it_can_hold(
    labeled: LabeledWorkspace, out_dir: Path, fmt: str, written: int, skipped: dict[str, int]
) -> None:
    result = export(labeled, fmt, out_dir)
    assert result.cases == written
    assert result.skipped == skipped
    ws = labeled.open()
    try:
        plan = exports.plan_export(ws, fmt)
    finally:
        ws.close()
    assert plan.accepted == written  # the dialog's preview count agrees with the file
    assert plan.skipped == skipped


@pytest.mark.parametrize("fmt", [*EVAL_FORMATS, "csv"])
def test_every_record_with_room_carries_provenance(labeled: LabeledWorkspace, out_dir: Path, fmt: str) -> None:
    path = export(labeled, fmt, out_dir).path
    found = by_case(fmt, path)
    prov = provenance_of(fmt, found[labeled.case_ids["genai:A"]])
    if fmt == "csv":
        assert {k for k in PROVENANCE_KEYS if k not in ("scores",)} <= set(prov)
        assert prov["verdict"] == "fail"
        assert prov["root_causes"] == "hallucination; stale_source"
        assert prov["score_correctness"] == "2"
        assert prov["reviewers"] == "carol"
        return
    if fmt in ("promptfoo-yaml", "promptfoo-jsonl"):
        # promptfoo metadata drops null values; this case has all of these set.
        assert {"case_id", "source_trace_id", "source_span_id", "source_file", "verdict", "labeled_at"} <= set(prov)
    else:
        assert set(prov) >= PROVENANCE_KEYS, PROVENANCE_KEYS - set(prov)
    assert prov["source_trace_id"] == trace_id("genai:A")
    assert prov["source_format"] == "otlp-jsonl"
    assert prov["source_file"] == "otel_genai_v2.jsonl"
    assert prov["verdict"] == "fail"
    assert prov["root_causes"] == ["hallucination", "stale_source"]
    assert prov["reviewers"] == ["carol"]
    assert prov["label_schema_version"] == 1
    assert prov["labeled_at"].endswith("Z")
    assert prov["source_span_id"] and prov["source_root_span_id"]
    assert provenance_of(fmt, found[labeled.case_ids["oi:A"]])["reviewers"] == ["alice", "bob"]
    assert provenance_of(fmt, found[labeled.case_ids["oi:A"]])["scores"] == {"correctness": 5, "groundedness": 4}


def test_source_span_id_is_the_answering_llm_span(labeled: LabeledWorkspace, out_dir: Path) -> None:
    from reviewdesk.normalize import SpanKind, view_span
    from reviewdesk.services import cases

    found = by_case("langfuse-dataset", export(labeled, "langfuse-dataset", out_dir).path)
    ws = labeled.open()
    try:
        spans = cases.get_spans(ws, labeled.case_ids["oi:A"])
    finally:
        ws.close()
    item = found[labeled.case_ids["oi:A"]]
    llm_spans = [s.span_id for s in spans if view_span(s).kind is SpanKind.LLM]
    assert item["sourceObservationId"] == llm_spans[-1]  # the second chat call wrote the answer
    assert item["metadata"]["source_root_span_id"] == next(s.span_id for s in spans if not s.parent_span_id)


def test_expected_output_rules(labeled: LabeledWorkspace, out_dir: Path) -> None:
    found = by_case("inspect", export(labeled, "inspect", out_dir).path)
    ids = labeled.case_ids
    ws = labeled.open()
    try:
        from reviewdesk.services import cases

        original = cases.get_case(ws, ids["oi:A"]).generation.output
        rejected = cases.get_case(ws, ids["legacy:A"]).generation.output
    finally:
        ws.close()
    # pass without correction → the original output; a correction always wins.
    assert found[ids["oi:A"]]["target"] == original
    assert found[ids["oi:A"]]["metadata"]["expected_from"] == "original_output"
    assert found[ids["new:A"]]["target"] == REFUND_FIX
    assert found[ids["genai:A"]]["target"] == REFUND_FIX
    assert found[ids["genai:B"]]["target"] == CANCEL_FIX
    assert found[ids["genai:A"]]["metadata"]["expected_from"] == "corrected_output"
    # fail without correction → a regression case graded by its rubric, with the rejected answer kept.
    regression = found[ids["legacy:A"]]
    assert regression["metadata"]["target_kind"] == "rubric"
    assert "Hallucination: A claim not supported by context or tools." in regression["target"]
    assert "Invented a label fee." in regression["target"]
    assert regression["metadata"]["rejected_output"] == rejected
    assert ids["legacy:B"] not in found  # unsure, nothing to test against


def test_input_is_the_conversation_up_to_the_user_request(labeled: LabeledWorkspace, out_dir: Path) -> None:
    found = by_case("inspect", export(labeled, "inspect", out_dir).path)
    for key in ("oi:A", "genai:A", "legacy:A", "new:A"):
        messages = found[labeled.case_ids[key]]["input"]
        assert [m["role"] for m in messages] == ["system", "user"], key
        assert messages[-1]["content"] == "Can I still return order 8812? It arrived 20 days ago."
        assert messages[0]["content"].startswith("You are Support Copilot")


def test_promptfoo_regression_and_reference_assertions(labeled: LabeledWorkspace, out_dir: Path) -> None:
    yaml_tests = by_case("promptfoo-yaml", export(labeled, "promptfoo-yaml", out_dir).path)
    jsonl_tests = by_case("promptfoo-jsonl", export(labeled, "promptfoo-jsonl", out_dir).path)
    assert yaml_tests == jsonl_tests  # one mapping, two encodings
    ids = labeled.case_ids
    regression = yaml_tests[ids["legacy:A"]]
    types = [a["type"] for a in regression["assert"]]
    assert types == ["not-equals", "llm-rubric"]
    assert regression["assert"][0]["value"].startswith("Yes")  # the rejected answer itself
    no_output = yaml_tests[ids["oi:B"]]
    assert [a["type"] for a in no_output["assert"]] == ["llm-rubric"]  # nothing to negate
    assert "Tool error: The tool failed or returned an error." in no_output["assert"][0]["value"]
    corrected_failure = yaml_tests[ids["genai:A"]]
    assert [a["type"] for a in corrected_failure["assert"]] == ["factuality", "not-equals", "llm-rubric"]
    passing = yaml_tests[ids["oi:A"]]
    assert [a["type"] for a in passing["assert"]] == ["factuality"]
    # Retrieved documents go to vars.context, which promptfoo's context-* assertions read.
    assert "Refunds and returns (v3)" in passing["vars"]["context"]
    assert passing["vars"]["messages"][-1] == {
        "role": "user",
        "content": "Can I still return order 8812? It arrived 20 days ago.",
    }
    # GenAI retrieval spans carry ids only: no text, so no context var.
    assert "context" not in corrected_failure["vars"]


def test_rag_formats_carry_retrieved_documents(labeled: LabeledWorkspace, out_dir: Path) -> None:
    ids = labeled.case_ids
    goldens = by_case("deepeval", export(labeled, "deepeval", out_dir).path)
    samples = by_case("ragas", export(labeled, "ragas", out_dir).path)
    golden = goldens[ids["oi:A"]]
    assert len(golden["retrieval_context"]) == 3
    assert golden["retrieval_context"][0].startswith("Refunds and returns (v3)")
    assert golden["expected_tools"][0]["name"] == "lookup_order"
    sample = samples[ids["oi:A"]]
    assert sample["retrieved_context_ids"] == ["policy-refunds-v3", "policy-shipping-v1", "faq-returns"]
    assert sample["user_input"] == "Can I still return order 8812? It arrived 20 days ago."
    assert sample["reference"] == sample["response"]  # a pass keeps the original answer as reference
    regression = goldens[ids["legacy:A"]]
    assert regression["expected_output"] is None
    assert regression["expectations"]["must_not"][0] == "Hallucination: A claim not supported by context or tools."
    assert "rubrics" in samples[ids["legacy:A"]]


def test_multi_turn_formats_carry_the_whole_recorded_exchange(labeled: LabeledWorkspace, out_dir: Path) -> None:
    ids = labeled.case_ids
    goldens = by_case("deepeval-conversational", export(labeled, "deepeval-conversational", out_dir).path)
    samples = by_case("ragas-multi-turn", export(labeled, "ragas-multi-turn", out_dir).path)
    request = "Can I still return order 8812? It arrived 20 days ago."
    golden = goldens[ids["oi:A"]]
    assert golden["scenario"] == request
    user, call, answer = golden["turns"]
    assert user == {"role": "user", "content": request}
    assert call["tools_called"][0]["name"] == "lookup_order"
    assert call["tools_called"][0]["input_parameters"] == {"order_id": "8812"}
    assert '"status"' in call["tools_called"][0]["output"]  # the tool's result travels with its call
    assert answer["content"] == golden["expected_outcome"]  # a pass: the recorded answer is the expected one
    assert answer["retrieval_context"][0].startswith("Refunds and returns (v3)")
    assert "messages" not in golden["additional_metadata"]  # the turns hold the conversation
    assert goldens[ids["legacy:A"]]["expected_outcome"] is None
    assert goldens[ids["legacy:A"]]["expectations"]["must_not"][-1].startswith("Give the rejected answer again: ")
    sample = samples[ids["oi:A"]]
    assert [m["type"] for m in sample["user_input"]] == ["human", "ai", "tool", "ai"]
    assert sample["user_input"][1]["tool_calls"] == [{"name": "lookup_order", "args": {"order_id": "8812"}}]
    assert sample["reference"] == sample["user_input"][-1]["content"]
    assert sample["reference_tool_calls"] == [{"name": "lookup_order", "args": {"order_id": "8812"}}]
    assert "reference_tool_calls" not in samples[ids["new:B"]]  # wrong_tool: its calls are no reference
    assert samples[ids["oi:B"]]["user_input"][-1] == {"type": "ai", "content": ""}  # no answer recorded
    assert "score1_description" in samples[ids["legacy:A"]]["rubrics"]


def test_finetune_lines_carry_the_tool_trajectory(labeled: LabeledWorkspace, out_dir: Path) -> None:
    lines = records(export(labeled, "openai-finetune", out_dir).path)
    refund = next(line for line in lines if line["messages"][-1]["content"] == REFUND_FIX)
    roles = [m["role"] for m in refund["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "assistant"]
    call = refund["messages"][2]["tool_calls"][0]
    assert call["type"] == "function"
    assert call["function"]["name"] == "lookup_order"
    assert json.loads(call["function"]["arguments"]) == {"order_id": "8812"}
    assert refund["messages"][3]["tool_call_id"] == call["id"]
    assert refund["tools"][0]["function"]["name"] == "lookup_order"
    cancel = next(line for line in lines if line["messages"][-1]["content"] == CANCEL_FIX)
    assert [m["role"] for m in cancel["messages"]] == ["system", "user", "assistant", "tool", "assistant"]
    assert "CRM timeout after 30s" in json.loads(cancel["messages"][3]["content"])["error"]


def test_langfuse_and_langsmith_ids_are_stable_upsert_keys(labeled: LabeledWorkspace, out_dir: Path) -> None:
    ids = labeled.case_ids
    items = by_case("langfuse-dataset", export(labeled, "langfuse-dataset", out_dir).path)
    item = items[ids["genai:A"]]
    assert item["id"] == f"reviewdesk-{ids['genai:A']}"
    assert item["datasetName"] == "set"  # the output file's stem
    assert item["expectedOutput"] == REFUND_FIX
    examples = by_case("langsmith-examples", export(labeled, "langsmith-examples", out_dir).path)
    assert examples[ids["genai:A"]]["reference_outputs"] == {"answer": REFUND_FIX}
    assert examples[ids["legacy:A"]]["split"] == "regression"
    assert "reference_outputs" not in examples[ids["legacy:A"]]
    assert "source_run_id" not in examples[ids["genai:A"]]  # OTel trace ids are not LangSmith runs


def test_a_failed_or_cancelled_export_leaves_the_target_alone(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    target = tmp_path / "set.jsonl"
    target.write_text("previous export\n")

    class Cancelled:
        def set_total(self, total: int | None) -> None: ...
        def advance(self, amount: int) -> None: ...
        def set_status(self, text: str) -> None: ...
        def cancel_requested(self) -> bool:
            return True

    ws = labeled.open()
    try:
        with pytest.raises(ExportCancelledError):
            exports.export_cases(ws, "inspect", target, progress=Cancelled())
    finally:
        ws.close()
    assert target.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set.jsonl"]  # no temp file left behind


def test_promptfoo_yaml_quotes_what_yaml_1_2_would_not_read_as_text() -> None:
    import yaml

    from reviewdesk.exporters.promptfoo import _Dumper

    values = ["1234e5678901", "123", "0x1f", ".inf", "null", "9411c3c83e3f", "2026.11.0", "two\nlines"]
    text = yaml.dump(values, Dumper=_Dumper)
    # promptfoo reads YAML 1.2 (js-yaml): a hex id like 1234e5678901 would be a float there.
    assert "- '1234e5678901'\n- '123'\n- '0x1f'\n- '.inf'\n- 'null'\n- 9411c3c83e3f\n" in text
    assert yaml.safe_load(text) == values


def test_a_fixed_list_exports_exactly_its_cases_in_its_order(labeled: LabeledWorkspace, tmp_path: Path) -> None:
    # A list opened from the insights (the queue is not a filter): its cases, in its order.
    ws = labeled.open()
    try:
        wanted = [labeled.case_ids["oi:B"], labeled.case_ids["genai:A"], labeled.case_ids["oi:A"]]
        ordered = tuple(cases.resolve_case(ws, case_id) for case_id in wanted)
        selection = ExportSelection(case_rowids=(*ordered, ordered[0], 10**9))  # a repeat, a case gone
        out = tmp_path / "list.jsonl"
        result = exports.export_cases(ws, "reviewdesk-jsonl", out, selection=selection)
        assert result.cases == 3
        assert [r["case_id"] for r in records(out)] == wanted
        assert exports.plan_export(ws, "reviewdesk-jsonl", selection).rowids == list(ordered)
    finally:
        ws.close()

"""The Ragas exports (single- and multi-turn samples) load in the real ``EvaluationDataset.from_jsonl``
and ``ragas.evaluate`` runs them (own venv, see envs.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.consumers import hostile
from tests.consumers.envs import run_checker
from tests.consumers.hostile import HostileWorkspace
from tests.consumers.labeled import REFUND_FIX, LabeledWorkspace
from tests.consumers.replay import expected_outcomes, recorded_answers

pytestmark = pytest.mark.slow


def test_single_turn_samples_load(labeled_export: tuple[LabeledWorkspace, dict[str, Path]], work_dir: Path) -> None:
    labeled, files = labeled_export
    loaded = run_checker("ragas", str(files["ragas"]), cwd=work_dir)
    assert loaded["version"] == "0.4.3"
    assert loaded["sample_types"] == ["SingleTurnSample"]
    assert {"user_input", "retrieved_contexts", "response", "reference"} <= set(loaded["features"])
    samples = loaded["samples"]
    assert len(samples) == 7
    request = "Can I still return order 8812? It arrived 20 days ago."
    rag = next(
        s
        for s in samples
        if s["retrieved_context_ids"] == ["policy-refunds-v3", "policy-shipping-v1", "faq-returns"]
        and s["reference"] == s["response"]
    )
    assert rag["user_input"] == request
    assert rag["retrieved_contexts"][0].startswith("Refunds and returns (v3)")
    assert any(s["reference"] == REFUND_FIX for s in samples)
    # Ragas keeps samples in file order: join them back to the provenance written on each line.
    written = [json.loads(line)["metadata"]["case_id"] for line in files["ragas"].read_text().splitlines()]
    by_case = dict(zip(written, samples, strict=True))
    regressions = sorted(case_id for case_id, s in by_case.items() if s["reference"] is None)
    assert regressions == sorted([labeled.case_ids["oi:B"], labeled.case_ids["legacy:A"]])
    assert all("score1_description" in (by_case[c]["rubrics"] or {}) for c in regressions)
    assert "metadata" not in samples[0]  # Ragas keeps no provenance: it stays in the file only


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_evaluate_with_non_llm_metrics_fails_rejected_and_passes_approved(
    request: pytest.FixtureRequest, work_dir: Path, fixture: str
) -> None:
    _, files = request.getfixturevalue(fixture)
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker("ragas", str(files["ragas"]), str(replay), cwd=work_dir, script="run_ragas")
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    judged = {c: s["score"] == 1.0 for c, s in ran["scores"].items() if c in outcomes}
    assert judged == {c: must for c, must in outcomes.items() if c in ran["scores"]}
    assert True in judged.values() and False in judged.values()
    assert {s["metric"] for s in ran["scores"].values()} == {"exact_match", "not_the_rejected_answer"}


def test_hostile_samples_keep_text_and_the_reviewers_evidence(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]], work_dir: Path
) -> None:
    built, files = hostile_export
    samples = run_checker("ragas", str(files["ragas"]), cwd=work_dir)["samples"]
    written = [
        json.loads(line)["metadata"]["case_id"] for line in files["ragas"].read_bytes().decode().split("\n") if line
    ]
    by_case = dict(zip(written, samples, strict=True))
    fixed = by_case[built.case_ids["fixed"]]
    assert fixed["user_input"] == hostile.REQUEST["fixed"] and fixed["reference"] == hostile.CORRECTION
    assert fixed["reference_contexts"] == [hostile.DOCUMENT]
    assert fixed["retrieved_contexts"][1] == f"FAQ {hostile.EMOJI} {hostile.CRLF}"
    assert by_case[built.case_ids["good"]]["response"] == hostile.OUTPUT["good"]


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_multi_turn_samples_run_and_fail_rejected_and_pass_approved(
    request: pytest.FixtureRequest, work_dir: Path, fixture: str
) -> None:
    _, files = request.getfixturevalue(fixture)
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker("ragas", str(files["ragas-multi-turn"]), str(replay), cwd=work_dir, script="run_ragas_multi_turn")
    assert ran["sample_types"] == ["MultiTurnSample"]
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    # A case passes when every metric run on it scores 1.
    judged = {c: all(v == 1.0 for v in s.values()) for c, s in ran["scores"].items() if c in outcomes}
    assert judged == {c: must for c, must in outcomes.items() if c in ran["scores"]}
    assert True in judged.values() and False in judged.values()
    assert all(ran["scores"].values())  # every sample got at least one score
    metrics = {m for s in ran["scores"].values() for m in s}
    assert metrics == {"tool_call_accuracy", "last_answer_is_the_reference", "not_the_rejected_answer"}
    # An approved conversation with tool calls is its own reference for them: ToolCallAccuracy ran on it.
    approved = [c for c, must in outcomes.items() if must and c in ran["scores"]]
    assert any(ran["scores"][c].get("tool_call_accuracy") == 1.0 for c in approved)


def test_multi_turn_samples_keep_every_message_and_tool_call(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]], work_dir: Path
) -> None:
    built, files = hostile_export
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker("ragas", str(files["ragas-multi-turn"]), str(replay), cwd=work_dir, script="run_ragas_multi_turn")
    written = [
        json.loads(line)["metadata"] for line in files["ragas-multi-turn"].read_bytes().decode().split("\n") if line
    ]
    by_case = {m["case_id"]: s for m, s in zip(written, ran["samples"], strict=True)}
    good = by_case[built.case_ids["good"]]
    messages = good["user_input"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai", "human", "ai", "tool", "ai", "tool", "ai"]
    assert messages[1]["tool_calls"] == [{"name": "lookup_order", "args": {"order_id": "8812", "q": hostile.FORMULA}}]
    assert messages[2]["content"] == f"delivered {hostile.TEMPLATE}"
    assert messages[4]["content"] == hostile.REQUEST["good"]
    assert messages[-1]["content"] == hostile.OUTPUT["good"]  # the recorded answer, verbatim
    assert good["reference"] == hostile.OUTPUT["good"]
    assert [c["name"] for c in good["reference_tool_calls"]] == ["lookup_order", "lookup_order", "issue_refund"]
    fixed = by_case[built.case_ids["fixed"]]
    assert fixed["reference"] == hostile.CORRECTION
    assert fixed["reference_tool_calls"] is None  # a rejected conversation is no reference for tool calls
    assert "score1_description" in fixed["rubrics"]
    assert written[0]["system_instructions"] == hostile.SYSTEM  # Ragas has no field for it: the metadata keeps it

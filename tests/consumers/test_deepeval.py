"""The DeepEval exports load in the real ``EvaluationDataset`` as goldens and conversational goldens,
and ``deepeval.evaluate`` runs them (own venv, see envs.py)."""

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


def test_goldens_load_and_become_test_cases(
    labeled_export: tuple[LabeledWorkspace, dict[str, Path]], work_dir: Path
) -> None:
    labeled, files = labeled_export
    loaded = run_checker("deepeval", str(files["deepeval"]), cwd=work_dir)
    assert loaded["version"] == "4.3.1"
    goldens = {g["name"]: g for g in loaded["goldens"]}
    ids = labeled.case_ids
    assert len(goldens) == 7
    assert {g["type"] for g in goldens.values()} == {"Golden"}

    passing = goldens[ids["oi:A"]]
    assert passing["input"] == "Can I still return order 8812? It arrived 20 days ago."
    assert passing["expected_output"] == passing["actual_output"]
    assert len(passing["retrieval_context"]) == 3
    assert passing["retrieval_context"][0].startswith("Refunds and returns (v3)")
    assert passing["tools_called"][0]["name"] == "lookup_order"
    assert passing["tools_called"][0]["input_parameters"] == {"order_id": "8812"}
    assert passing["expected_tools"][0]["name"] == "lookup_order"
    assert passing["test_case_tools"] == ["lookup_order"]
    assert passing["source_file"] == "openinference_openai.json"
    assert passing["additional_metadata"]["reviewers"] == ["alice", "bob"]

    assert goldens[ids["genai:A"]]["expected_output"] == REFUND_FIX
    assert goldens[ids["genai:A"]]["retrieval_context"] is None  # GenAI retrieval spans carry ids only

    regression = goldens[ids["legacy:A"]]
    assert regression["expected_output"] is None
    assert regression["must_not"][0] == "Hallucination: A claim not supported by context or tools."
    assert regression["must_not"][-1].startswith("Give the rejected answer again: ")
    assert regression["comments"] == "Invented a label fee."
    tool_failure = goldens[ids["oi:B"]]
    assert tool_failure["actual_output"] is None
    assert "CRM timeout after 30s" in str(tool_failure["tools_called"][0]["output"])


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_evaluate_with_non_llm_metrics_fails_rejected_and_passes_approved(
    request: pytest.FixtureRequest, work_dir: Path, fixture: str
) -> None:
    _, files = request.getfixturevalue(fixture)
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker("deepeval", str(files["deepeval"]), str(replay), cwd=work_dir, script="run_deepeval")
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    judged = {name: r["success"] for name, r in ran["results"].items() if name in outcomes}
    assert judged == {c: must for c, must in outcomes.items() if c in ran["results"]}
    assert True in judged.values() and False in judged.values()
    metrics = {m for r in ran["results"].values() for m in r["metrics"]}
    assert (
        {"Exact Match", "NotTheRejectedAnswer"} <= metrics <= {"Exact Match", "NotTheRejectedAnswer", "(empty answer)"}
    )


def test_hostile_goldens_keep_text_and_the_reviewers_evidence(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]], work_dir: Path
) -> None:
    built, files = hostile_export
    goldens = {g["name"]: g for g in run_checker("deepeval", str(files["deepeval"]), cwd=work_dir)["goldens"]}
    fixed = goldens[built.case_ids["fixed"]]
    assert fixed["input"] == hostile.REQUEST["fixed"]
    assert fixed["expected_output"] == hostile.CORRECTION
    assert fixed["context"] == [hostile.DOCUMENT]  # the document the reviewer cited as evidence
    assert fixed["retrieval_context"][0] == hostile.DOCUMENT
    assert fixed["additional_metadata"]["system_instructions"] == hostile.SYSTEM
    assert goldens[built.case_ids["bad"]]["additional_metadata"]["rejected_output"] == hostile.OUTPUT["bad"]
    assert goldens[built.case_ids["good"]]["context"] is None  # no evidence cited


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_conversational_goldens_run_and_fail_rejected_and_pass_approved(
    request: pytest.FixtureRequest, work_dir: Path, fixture: str
) -> None:
    _, files = request.getfixturevalue(fixture)
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker(
        "deepeval",
        str(files["deepeval-conversational"]),
        str(replay),
        cwd=work_dir,
        script="run_deepeval_conversational",
    )
    assert {g["type"] for g in ran["goldens"]} == {"ConversationalGolden"}
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    judged = {name: r["success"] for name, r in ran["results"].items() if name in outcomes}
    assert judged == {c: must for c, must in outcomes.items() if c in ran["results"]}
    assert True in judged.values() and False in judged.values()
    assert len(ran["results"]) == len(ran["goldens"])  # every golden was evaluated
    assert {m for r in ran["results"].values() for m in r["metrics"]} == {
        "LastTurnIsTheExpectedOutcome",
        "NotTheRejectedAnswer",
    }


def test_conversational_goldens_keep_every_turn_tool_call_and_the_evidence(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]], work_dir: Path
) -> None:
    built, files = hostile_export
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker(
        "deepeval",
        str(files["deepeval-conversational"]),
        str(replay),
        cwd=work_dir,
        script="run_deepeval_conversational",
    )
    goldens = {g["name"]: g for g in ran["goldens"]}
    fixed = goldens[built.case_ids["fixed"]]
    assert fixed["scenario"] == hostile.REQUEST["fixed"]
    assert fixed["expected_outcome"] == hostile.CORRECTION
    assert fixed["context"] == [hostile.DOCUMENT]
    assert fixed["additional_metadata"]["system_instructions"] == hostile.SYSTEM
    assert fixed["must_not"][-1] == f"Give the rejected answer again: {hostile.OUTPUT['fixed']}"
    turns = fixed["turns"]
    # earlier question, earlier tool call, earlier answer, the request, two trajectory calls, the answer
    assert [t["role"] for t in turns] == [
        "user",
        "assistant",
        "assistant",
        "user",
        "assistant",
        "assistant",
        "assistant",
    ]
    assert turns[0]["content"] == f"Earlier question {hostile.TEMPLATE}"
    earlier_call = turns[1]["tools_called"][0]
    assert earlier_call["name"] == "lookup_order"
    assert earlier_call["input_parameters"] == {"order_id": "8812", "q": hostile.FORMULA}
    assert earlier_call["output"] == f"delivered {hostile.TEMPLATE}"
    assert [t["tools_called"][0]["name"] for t in turns[4:6]] == ["lookup_order", "issue_refund"]
    assert turns[-1]["content"] == hostile.OUTPUT["fixed"]  # the recorded answer, verbatim
    assert turns[-1]["retrieval_context"][0] == hostile.DOCUMENT
    bad = goldens[built.case_ids["bad"]]
    assert bad["expected_outcome"] is None
    assert bad["additional_metadata"]["rejected_output"] == hostile.OUTPUT["bad"]
    assert bad["must_not"][-1] == f"Give the rejected answer again: {hostile.OUTPUT['bad']}"

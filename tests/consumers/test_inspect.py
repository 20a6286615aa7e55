"""The Inspect AI export loads in the real ``inspect_ai.dataset.json_dataset`` (own venv, see envs.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.consumers.envs import run_checker
from tests.consumers.labeled import CANCEL_FIX, REFUND_FIX, LabeledWorkspace
from tests.consumers.replay import expected_outcomes, recorded_answers

pytestmark = pytest.mark.slow


def test_json_dataset_loads_every_sample(
    labeled_export: tuple[LabeledWorkspace, dict[str, Path]], work_dir: Path
) -> None:
    labeled, files = labeled_export
    loaded = run_checker("inspect", str(files["inspect"]), cwd=work_dir)
    assert loaded["version"] == "0.3.285"
    samples = {s["id"]: s for s in loaded["samples"]}
    ids = labeled.case_ids
    assert set(samples) == {ids[k] for k in ("oi:A", "oi:B", "genai:A", "genai:B", "legacy:A", "new:A", "new:B")}

    passing = samples[ids["oi:A"]]
    assert [m["role"] for m in passing["input"]] == ["system", "user"]
    assert passing["input"][1]["text"] == "Can I still return order 8812? It arrived 20 days ago."
    assert passing["target"].startswith("Yes, you can still return order 8812.")
    assert passing["metadata"]["source_trace_id"] and passing["metadata"]["reviewers"] == ["alice", "bob"]
    assert [d["id"] for d in passing["metadata"]["documents"]] == [
        "policy-refunds-v3",
        "policy-shipping-v1",
        "faq-returns",
    ]

    assert samples[ids["genai:A"]]["target"] == REFUND_FIX
    assert samples[ids["genai:B"]]["target"] == CANCEL_FIX
    regression = samples[ids["legacy:A"]]
    assert regression["metadata"]["target_kind"] == "rubric"
    assert "must not repeat these failures" in regression["target"]
    assert regression["metadata"]["rejected_output"]


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_eval_with_mockllm_replay_fails_rejected_and_passes_approved(
    request: pytest.FixtureRequest, work_dir: Path, fixture: str
) -> None:
    _, files = request.getfixturevalue(fixture)
    replay = work_dir / "replay.json"
    replay.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker("inspect", str(files["inspect"]), str(replay), cwd=work_dir, script="run_inspect")
    assert ran["status"] == "success"
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    judged = {case_id: score == "C" for case_id, score in ran["scores"].items() if case_id in outcomes}
    assert judged == {case_id: must for case_id, must in outcomes.items() if case_id in ran["scores"]}
    assert True in judged.values() and False in judged.values()

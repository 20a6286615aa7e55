"""The Inspect AI export loads in the real ``inspect_ai.dataset.json_dataset`` (own venv, see envs.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.consumers.envs import run_checker
from tests.consumers.labeled import CANCEL_FIX, REFUND_FIX, LabeledWorkspace

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

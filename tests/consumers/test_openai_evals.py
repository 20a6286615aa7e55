"""The OpenAI Evals exports run in ``oaieval`` itself (own venv, see envs.py and requirements-evals.txt):
``openai-evals`` with ``Match``, ``openai-evals-graded`` with ``ModelBasedClassify``/closedqa, the
model replaced by completion functions that replay the recorded answers and grade with a fixed rule
(checkers/reviewdesk_replay.py). Rejected answers must fail, approved ones pass."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.consumers.envs import run_checker
from tests.consumers.replay import expected_outcomes, recorded_answers

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_oaieval_runs_match_and_closedqa_files(request: pytest.FixtureRequest, work_dir: Path, fixture: str) -> None:
    _, files = request.getfixturevalue(fixture)
    answers = work_dir / "answers.json"
    answers.write_text(json.dumps(recorded_answers(files["reviewdesk-jsonl"])))
    ran = run_checker(
        "evals",
        str(files["openai-evals"]),
        str(files["openai-evals-graded"]),
        str(answers),
        cwd=work_dir,
        script="run_evals",
    )
    assert ran["version"] == "3.0.1.post1"
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    match, graded = ran["results"]["match"], ran["results"]["graded"]
    # Match ran every line (none lacks an ideal), and the graded file holds every eval case.
    assert len(match) == len(files["openai-evals"].read_bytes().strip().split(b"\n"))
    assert len(graded) == len(files["openai-evals-graded"].read_bytes().strip().split(b"\n"))
    for results in (match, graded):
        assert {c: v for c, v in results.items() if c in outcomes} == {
            c: v for c, v in outcomes.items() if c in results
        }
        assert True in results.values() and False in results.values()

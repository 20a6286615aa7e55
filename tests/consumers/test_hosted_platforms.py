"""The Langfuse and LangSmith exports go through their SDKs end to end, offline: uploaded to a loopback
stub of each API (tests/consumers/stub_server.py), read back with the SDK, and run with the SDK's
own experiment runner — Langfuse ``dataset.run_experiment``, LangSmith ``evaluate`` — replaying
each case's recorded answer, with non-LLM evaluators. Rejected answers must fail, approved pass."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.consumers.replay import expected_outcomes, recorded_answers
from tests.consumers.stub_server import serve
from tests.unit.exporters.helpers import records

pytestmark = pytest.mark.slow
FIXTURES = ["labeled_export", "hostile_export"]


def judge(output: str, expected: str | None, rejected: str | None) -> float:
    """The non-LLM check both runs use: the reference answer exactly, else not empty and not the rejected one."""
    if expected is not None:
        return 1.0 if output == expected else 0.0
    return 1.0 if output and output != rejected else 0.0


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for key in (
        "LANGFUSE_PUBLIC_KEY",
        "LANGFUSE_SECRET_KEY",
        "LANGFUSE_HOST",
        "LANGSMITH_API_KEY",
        "LANGCHAIN_API_KEY",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LANGSMITH_TRACING", "false")


@pytest.mark.parametrize("fixture", FIXTURES)
def test_langfuse_upload_read_back_and_run_experiment(
    request: pytest.FixtureRequest, offline: None, fixture: str
) -> None:
    from langfuse import Evaluation, Langfuse
    from langfuse.api import CreateDatasetItemRequest
    from langfuse.api.core.pydantic_utilities import parse_obj_as

    _, files = request.getfixturevalue(fixture)
    lines = records(files["langfuse-dataset"])
    answers = recorded_answers(files["reviewdesk-jsonl"])
    with serve() as stub:
        # The SDK keeps one client per public key: a fresh key per run, so this one talks to this stub.
        client = Langfuse(public_key=f"pk-lf-{uuid.uuid4()}", secret_key="sk-lf-offline", host=stub.url)
        for line in lines:
            parsed = parse_obj_as(CreateDatasetItemRequest, line)
            fields = {k: getattr(parsed, k) for k in CreateDatasetItemRequest.model_fields}
            client.api.dataset_items.create(**{k: v for k, v in fields.items() if v is not None})
        uploaded = [
            body for method, path, body in stub.requests if (method, path) == ("POST", "/api/public/dataset-items")
        ]
        assert uploaded == [{k: v for k, v in line.items() if v is not None} for line in lines]  # our lines, as sent

        dataset = client.get_dataset(lines[0]["datasetName"])
        assert {item.id for item in dataset.items} == {line["id"] for line in lines}

        def task(*, item: Any, **_: Any) -> str:
            return answers[item.metadata["case_id"]]

        def reviewed(
            *, input: Any, output: Any, expected_output: Any, metadata: dict[str, Any] | None, **_: dict[str, Any]
        ) -> Evaluation:
            rejected = (metadata or {}).get("rejected_output")
            return Evaluation(name="reviewed", value=judge(output, expected_output, rejected))

        result = dataset.run_experiment(name="reviewdesk-offline", task=task, evaluators=[reviewed])
        client.shutdown()
    scored = {r.item.metadata["case_id"]: r.evaluations[0].value == 1.0 for r in result.item_results}
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    assert {c: v for c, v in scored.items() if c in outcomes} == {c: v for c, v in outcomes.items() if c in scored}
    assert True in scored.values() and False in scored.values()


@pytest.mark.parametrize("fixture", FIXTURES)
def test_langsmith_upload_read_back_and_evaluate(request: pytest.FixtureRequest, offline: None, fixture: str) -> None:
    from langsmith import Client, evaluate

    _, files = request.getfixturevalue(fixture)
    lines = records(files["langsmith-examples"])
    answers = recorded_answers(files["reviewdesk-jsonl"])
    with serve() as stub:
        client = Client(api_url=stub.url, api_key="ls-offline")
        dataset = client.create_dataset("reviewdesk-offline")
        client.create_examples(dataset_id=dataset.id, examples=lines)
        sent = {row["id"]: row for row in stub.langsmith_examples}
        for line in lines:  # what went over the wire: reference_outputs as outputs, the split kept
            assert sent[line["id"]].get("outputs") == line.get("reference_outputs")
            assert sent[line["id"]]["split"] == line["split"]
            assert sent[line["id"]]["inputs"] == line["inputs"]
        examples = list(client.list_examples(dataset_id=dataset.id))
        assert {str(e.id) for e in examples} == {line["id"] for line in lines}

        def reviewed(run: Any, example: Any) -> dict[str, Any]:
            expected = (example.outputs or {}).get("answer")
            rejected = example.metadata.get("rejected_output")
            return {"key": "reviewed", "score": judge(run.outputs["answer"], expected, rejected)}

        rows = []
        # One evaluate() per example: cases can share their inputs word for word (the same request in
        # two traces) while their recorded answers differ, and a target sees only the inputs.
        for example in examples:
            answer = answers[(example.metadata or {})["case_id"]]
            results = evaluate(
                lambda inputs, answer=answer: {"answer": answer},
                data=[example],
                evaluators=[reviewed],
                client=client,
                upload_results=False,
            )
            rows.extend(results)
    scored = {r["example"].metadata["case_id"]: r["evaluation_results"]["results"][0].score == 1.0 for r in rows}
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    assert {c: v for c, v in scored.items() if c in outcomes} == {c: v for c, v in outcomes.items() if c in scored}
    assert True in scored.values() and False in scored.values()

"""Exports read by packages that co-install with reviewdesk's test extra: the Langfuse and LangSmith
SDK models, the openai package's Chat Completions types, and pyarrow."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from tests.consumers.chat_check import assert_valid_chat
from tests.consumers.labeled import REFUND_FIX, LabeledWorkspace
from tests.unit.exporters.helpers import records

Exported = tuple[LabeledWorkspace, dict[str, Path]]


def test_langfuse_dataset_items_are_the_sdk_wire_form(labeled_export: Exported) -> None:
    from langfuse.api import CreateDatasetItemRequest
    from langfuse.api.core.pydantic_utilities import parse_obj_as
    from langfuse.api.core.serialization import convert_and_respect_annotation_metadata

    labeled, files = labeled_export
    for line in records(files["langfuse-dataset"]):
        item = parse_obj_as(CreateDatasetItemRequest, line)  # how the SDK reads the REST form
        assert item.dataset_name == "langfuse-dataset"
        assert item.id == f"reviewdesk-{line['metadata']['case_id']}"
        assert item.source_trace_id == line["metadata"]["source_trace_id"]
        assert item.source_observation_id == line["metadata"]["source_span_id"]
        assert item.status == "ACTIVE"
        # …and writing it back gives exactly our line: it is the wire form, key for key.
        written = convert_and_respect_annotation_metadata(
            object_=item.model_dump(), annotation=CreateDatasetItemRequest, direction="write"
        )
        assert written == line
    by_case = {line["metadata"]["case_id"]: line for line in records(files["langfuse-dataset"])}
    assert by_case[labeled.case_ids["genai:A"]]["expectedOutput"] == REFUND_FIX


def test_langsmith_examples_validate_without_deprecation(labeled_export: Exported) -> None:
    from langsmith.schemas import ExampleCreate

    labeled, files = labeled_export
    lines = records(files["langsmith-examples"])
    assert len(lines) == 7
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "outputs is deprecated" warning: we write reference_outputs
        examples = [ExampleCreate(**line) for line in lines]
    by_case = {e.metadata["case_id"]: e for e in examples if e.metadata}
    reference = by_case[labeled.case_ids["genai:A"]]
    assert reference.reference_outputs == {"answer": REFUND_FIX}
    assert reference.model_dump(by_alias=True, mode="json")["outputs"] == {"answer": REFUND_FIX}  # wire name
    assert reference.split == "reference"
    assert (
        str(reference.id)
        == lines[[line["metadata"]["case_id"] for line in lines].index(labeled.case_ids["genai:A"])]["id"]
    )
    assert by_case[labeled.case_ids["legacy:A"]].split == "regression"
    assert reference.inputs is not None and reference.inputs["user_request"].startswith("Can I still return")


def test_finetune_lines_are_chat_completions_messages(labeled_export: Exported) -> None:
    from openai.types.chat import ChatCompletionFunctionToolParam
    from pydantic import TypeAdapter

    _, files = labeled_export
    tools_type = TypeAdapter(list[ChatCompletionFunctionToolParam])
    lines = records(files["openai-finetune"])
    assert len(lines) == 4
    for line in lines:
        assert set(line) <= {"messages", "tools"}
        assert_valid_chat(line["messages"], finetune=True)
        assert line["messages"][-1]["role"] == "assistant" and line["messages"][-1]["content"]
        if "tools" in line:
            tools_type.validate_python(line["tools"], strict=True)
            assert {t["function"]["name"] for t in line["tools"]} >= {
                c["function"]["name"] for m in line["messages"] for c in m.get("tool_calls") or []
            }


def test_openai_evals_files_fit_their_eval_class(labeled_export: Exported) -> None:
    _, files = labeled_export
    match = records(files["openai-evals"])
    assert len(match) == 5 and all("ideal" in line for line in match)  # Match needs an ideal on every sample
    graded = records(files["openai-evals-graded"])
    assert len(graded) == 7 and all(line["criteria"] for line in graded)  # closedqa reads criteria from each
    for line in match + graded:
        assert_valid_chat(line["input"])


def test_parquet_loads_in_pyarrow_with_typed_columns(labeled_export: Exported) -> None:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from reviewdesk.exporters.tabular import COLUMNS

    labeled, files = labeled_export
    table = pq.read_table(files["parquet"])
    assert table.num_rows == 8
    assert table.column_names == [
        *COLUMNS,
        "score_correctness",
        "score_groundedness",
        "score_safety",
        "score_usefulness",
    ]
    assert str(table.schema.field("messages").type) == "list<element: struct<role: string, content: string>>"
    assert str(table.schema.field("started_at").type) == "timestamp[us, tz=UTC]"
    rows = {r["case_id"]: r for r in table.to_pylist()}
    genai_a = rows[labeled.case_ids["genai:A"]]
    assert genai_a["root_causes"] == ["hallucination", "stale_source"]
    assert genai_a["score_correctness"] == 2
    assert genai_a["expected_output"] == REFUND_FIX
    assert genai_a["reviewers"] == ["carol"]
    assert rows[labeled.case_ids["oi:A"]]["documents"][0]["id"] == "policy-refunds-v3"
    assert rows[labeled.case_ids["legacy:B"]]["verdict"] == "unsure"  # tables keep cases eval sets skip


def test_csv_is_one_row_per_case(labeled_export: Exported) -> None:
    labeled, files = labeled_export
    rows = records(files["csv"])
    assert len(rows) == 8
    assert rows[0]["case_id"] in labeled.case_ids.values()
    assert {r["verdict"] for r in rows} == {"pass", "fail", "unsure"}


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tables_are_deterministic(labeled_export: Exported, tmp_path: Path, fmt: str) -> None:
    from reviewdesk.services import exports

    labeled, files = labeled_export
    ws = labeled.open()
    try:
        again = exports.export_cases(ws, fmt, tmp_path / files[fmt].name).path
    finally:
        ws.close()
    assert again.read_bytes() == files[fmt].read_bytes()


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_phoenix_examples_are_the_clients_upload_type(request: pytest.FixtureRequest, fixture: str) -> None:
    import typing

    import typing_extensions
    from phoenix.client.resources.datasets import _InputDatasetExample, _is_input_dataset_example
    from pydantic import TypeAdapter

    _, files = request.getfixturevalue(fixture)
    # The SDK's own TypedDict, re-declared field for field as typing_extensions.TypedDict: pydantic
    # refuses a typing.TypedDict on Python 3.11. Required/NotRequired markers are kept.
    hints = typing.get_type_hints(_InputDatasetExample, include_extras=True)
    adapter = TypeAdapter(typing_extensions.TypedDict("PhoenixExample", hints, total=False))  # type: ignore[operator]
    lines = records(files["phoenix-dataset"])
    assert lines
    for line in lines:
        assert _is_input_dataset_example(line)  # what create_dataset(examples=…) checks
        adapter.validate_python(line, strict=True)
        assert set(line) <= set(_InputDatasetExample.__annotations__)
        assert line["splits"] in (["reference"], ["regression"])
        assert_valid_chat(line["input"]["messages"])
        assert line["output"] == {} if line["splits"] == ["regression"] else set(line["output"]) == {"answer"}


@pytest.mark.parametrize("fixture", ["labeled_export", "hostile_export"])
def test_braintrust_records_insert_and_run_offline(
    request: pytest.FixtureRequest, fixture: str, tmp_path: Path, monkeypatch
) -> None:
    """Each line binds to the SDK's ``Dataset.insert``; ``braintrust.Eval`` (no_send_logs) runs the records
    with the recorded answers replayed: rejected answers score 0, approved ones 1."""
    import inspect

    from braintrust import Eval
    from braintrust.logger import Dataset

    from tests.consumers.replay import expected_outcomes, recorded_answers

    monkeypatch.setenv("HOME", str(tmp_path))
    for key in ("BRAINTRUST_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    _, files = request.getfixturevalue(fixture)
    lines = records(files["braintrust-dataset"])
    insert = inspect.signature(Dataset.insert)
    for line in lines:
        insert.bind(None, **line)  # exactly the keyword arguments insert() takes
        assert isinstance(line["metadata"], dict) and all(isinstance(k, str) for k in line["metadata"])
        assert_valid_chat(line["input"]["messages"])
    answers = recorded_answers(files["reviewdesk-jsonl"])

    def task(input, hooks):  # the replay model: the answer recorded for this case
        return answers[hooks.metadata["case_id"]]

    def reviewed(input, output, expected, metadata):
        if expected is not None:
            return 1.0 if output == expected else 0.0
        return 1.0 if output and output != metadata.get("rejected_output") else 0.0

    result = Eval(
        "reviewdesk-offline",
        # Plain dicts and a plain function: what Eval accepts at run time, narrower than its hints.
        data=lambda: [{k: line[k] for k in ("input", "expected", "metadata", "tags", "id")} for line in lines],  # type: ignore[arg-type]
        task=task,
        scores=[reviewed],  # type: ignore[list-item]
        no_send_logs=True,
    )
    scored = {r.metadata["case_id"]: r.scores["reviewed"] == 1.0 for r in result.results}  # type: ignore[index]
    outcomes = expected_outcomes(files["reviewdesk-jsonl"])
    assert {c: v for c, v in scored.items() if c in outcomes} == {c: v for c, v in outcomes.items() if c in scored}
    assert True in scored.values() and False in scored.values()

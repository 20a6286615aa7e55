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
    import pyarrow.parquet as pq

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

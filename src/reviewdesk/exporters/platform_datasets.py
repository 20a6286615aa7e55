"""Dataset items for hosted platforms: Langfuse dataset items and LangSmith examples (JSONL each).

**Langfuse** (``langfuse-dataset``): each line is a ``CreateDatasetItemRequest`` in its REST
(camelCase) form — ``datasetName``, ``id``, ``input``, ``expectedOutput``, ``metadata``,
``sourceTraceId``, ``sourceObservationId``, ``status`` — ready to POST to
``/api/public/dataset-items`` or to pass to the SDK. ``id`` is ``reviewdesk-<case id>``: items are
upserted on it, so re-uploading an export updates items instead of duplicating them.

**LangSmith** (``langsmith-examples``): each line is an ``ExampleCreate`` — ``id`` (a UUID derived
from the case id, again so uploads upsert), ``inputs``, ``reference_outputs``, ``metadata``,
``split``. ``reference_outputs`` is the SDK's current name (it serialises to ``outputs`` on the
wire; passing ``outputs`` to the SDK is deprecated). ``source_run_id`` is set only when the trace
came from LangSmith and its id is a run UUID; otherwise the trace id is in ``metadata``.
``split`` is the export's split (``train``/``test``/``validation``) with ``--split``, else
``reference`` or ``regression``.

**Phoenix** (``phoenix-dataset``): each line is a dataset example as the ``arize-phoenix-client``
uploads it (its ``_InputDatasetExample``: ``input``, ``output``, ``metadata``, ``span_id``,
``splits``, ``id``) — pass the lines as ``client.datasets.create_dataset(name=…, examples=[…])``.
``splits`` is the export's split with ``--split``, else ``reference`` / ``regression``.

**Braintrust** (``braintrust-dataset``): each line is a dataset record — the keyword arguments of
the SDK's ``Dataset.insert``: ``id``, ``input``, ``expected``, ``metadata``, ``tags`` (verdict,
root causes, ``reference``/``regression``). Braintrust datasets have no splits: with ``--split``
each split is its own file.
"""

from __future__ import annotations

import uuid
from typing import Any

from reviewdesk.domain.case import Case
from reviewdesk.exporters import chat, mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.exporters.jsonlines import JsonLinesExporter

EXAMPLE_NAMESPACE = uuid.UUID("5b0d3c39-3a43-4c41-9c1e-6a1f2f0c7e21")
"""Namespace of the UUIDv5 example ids (fixed forever: changing it would duplicate uploaded examples)."""


def _inputs(case: Case) -> dict[str, Any]:
    inputs: dict[str, Any] = {"user_request": case.input.user_request or ""}
    if case.input.system_instructions:
        inputs["system_instructions"] = case.input.system_instructions
    inputs["messages"] = chat.input_messages(case)
    return inputs


def _metadata(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    case = item.case
    metadata = mapping.provenance(item)
    metadata["documents"] = mapping.documents_json(item)
    rejected = mapping.rejected_output(case)
    if rejected is not None:
        metadata["rejected_output"] = rejected
    if mapping.is_regression(case):
        metadata["regression"] = True
        metadata["rubric"] = mapping.rubric(case, options)
    return metadata


class LangfuseDatasetExporter(JsonLinesExporter):
    name = "langfuse-dataset"
    title = "Langfuse dataset items (JSONL, CreateDatasetItemRequest)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        case = item.case
        metadata = _metadata(item, options)
        line = {
            "datasetName": options.dataset_name,
            "id": f"reviewdesk-{case.case_id}",
            "input": _inputs(case),
            "expectedOutput": mapping.expected_output(case),
            "metadata": metadata,
            "sourceTraceId": case.trace_id,
            "sourceObservationId": item.output_span_id or item.root_span_id,
            "status": "ACTIVE",
        }
        return line


def _run_uuid(case: Case) -> str | None:
    if not case.source.format.startswith("langsmith"):
        return None
    try:
        return str(uuid.UUID(case.trace_id))
    except ValueError:
        return None


def _kind(expected: str | None) -> str:
    return "regression" if expected is None else "reference"


class LangsmithExamplesExporter(JsonLinesExporter):
    name = "langsmith-examples"
    title = "LangSmith examples (JSONL, ExampleCreate)"
    holds_splits = True

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        case = item.case
        expected = mapping.expected_output(case)
        metadata = _metadata(item, options)
        line: dict[str, Any] = {
            "id": str(uuid.uuid5(EXAMPLE_NAMESPACE, case.case_id)),
            "inputs": _inputs(case),
            "metadata": metadata,
            # Splits let a run pick "the regressions" or "the references" out of one dataset,
            # or the train / test part of a split export.
            "split": item.split or _kind(expected),
        }
        if expected is not None:
            line["reference_outputs"] = {"answer": expected}
        run_id = _run_uuid(case)
        if run_id is not None:
            line["source_run_id"] = run_id
        return line


class PhoenixDatasetExporter(JsonLinesExporter):
    name = "phoenix-dataset"
    title = "Phoenix dataset examples (JSONL for datasets.create_dataset)"
    holds_splits = True

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        case = item.case
        expected = mapping.expected_output(case)
        line: dict[str, Any] = {
            "id": f"reviewdesk-{case.case_id}",
            "input": _inputs(case),
            # Phoenix requires an output mapping: empty for a regression case (no good answer yet).
            "output": {"answer": expected} if expected is not None else {},
            "metadata": _metadata(item, options),
            "splits": [item.split or _kind(expected)],
        }
        span = item.output_span_id or item.root_span_id
        if span is not None:
            line["span_id"] = span
        return line


class BraintrustDatasetExporter(JsonLinesExporter):
    name = "braintrust-dataset"
    title = "Braintrust dataset records (JSONL for Dataset.insert)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        case = item.case
        expected = mapping.expected_output(case)
        label = case.labels
        tags: list[str] = [label.verdict] if label is not None and label.verdict else []
        tags += list(label.root_causes) if label is not None else []
        tags.append(_kind(expected))
        return {
            "id": f"reviewdesk-{case.case_id}",
            "input": _inputs(case),
            "expected": expected,
            "metadata": _metadata(item, options),
            "tags": tags,
        }

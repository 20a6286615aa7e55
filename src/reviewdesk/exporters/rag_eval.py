"""RAG eval libraries: DeepEval goldens (a JSON array) and Ragas single-turn samples (JSONL).

Both take the input as one string, so ``input`` / ``user_input`` is the user request; the system
instructions and the whole conversation go into metadata where the format has some. Retrieved
documents go where these libraries look for context: DeepEval ``retrieval_context``, Ragas
``retrieved_contexts`` (with ``retrieved_context_ids``).

**DeepEval** (``deepeval``): the snake_case keys ``EvaluationDataset.add_goldens_from_json_file``
reads — ``name`` (case id), ``input``, ``actual_output`` (the recorded answer),
``expected_output``, ``retrieval_context``, ``tools_called``, ``expected_tools`` (the recorded
calls, when the verdict is pass), ``context`` (the text of the evidence the reviewer cited: the
ground-truth context), ``comments``, ``source_file``, ``additional_metadata`` (provenance, system
instructions, messages, documents, ``rejected_output``) and, for failing cases,
``expectations.must_not`` (the root causes as conditions; DeepEval 4.3+ grades them, older
versions ignore the key). The file is a JSON array because
that is what ``add_goldens_from_json_file`` parses.

**Ragas** (``ragas``): ``SingleTurnSample`` fields — ``user_input``, ``retrieved_contexts``,
``retrieved_context_ids``, ``reference_contexts`` (the reviewer's evidence), ``response`` (the
recorded answer), ``reference`` (expected output),
and for failing cases ``rubrics`` (score descriptions for Ragas' instance-rubric metric). Ragas'
sample has no metadata field: provenance is written under ``metadata`` on each line, which
``EvaluationDataset.from_jsonl`` ignores but a reader joining results back can use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from reviewdesk.domain.case import Case
from reviewdesk.exporters import mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.exporters.jsonlines import JsonLinesExporter
from reviewdesk.progress import Progress


def _tool_calls(case: Case) -> list[dict[str, Any]]:
    """DeepEval ``ToolCall``s for the calls the application made."""
    calls = []
    for call in case.tool_calls:
        data: dict[str, Any] = {"name": call.name, "input_parameters": mapping.arguments_dict(call.arguments)}
        if call.error:
            data["output"] = {"error": call.error}
        elif call.result is not None:
            data["output"] = call.result
        calls.append(data)
    return calls


def golden(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    """One DeepEval golden."""
    case = item.case
    label = case.labels
    metadata = mapping.provenance(item)
    if case.input.system_instructions:
        metadata["system_instructions"] = case.input.system_instructions
    metadata["messages"] = [{"role": m.role, "content": m.content} for m in mapping.conversation(case)]
    metadata["documents"] = [mapping.document_json(d) for d in mapping.documents(case)]
    rejected = mapping.rejected_output(case)
    if rejected is not None:
        metadata["rejected_output"] = rejected
    data: dict[str, Any] = {
        "name": case.case_id,
        "input": case.input.user_request or "",
        "actual_output": case.generation.output,
        "expected_output": mapping.expected_output(case),
        "retrieval_context": mapping.context_texts(case) or None,
        # DeepEval's ``context`` is the ideal, ground-truth context: what the reviewer cited.
        "context": mapping.evidence_texts(case) or None,
        "tools_called": _tool_calls(case) or None,
        "comments": label.comment if label else None,
        "source_file": case.source.file,
        "additional_metadata": metadata,
    }
    if label is not None and label.verdict == "pass" and case.tool_calls:
        data["expected_tools"] = _tool_calls(case)
    if mapping.is_failing(case):
        must_not = [options.root_causes.get(c, c) for c in (label.root_causes if label else [])]
        if rejected:
            must_not.append(f"Give the rejected answer again: {rejected}")
        if must_not:
            data["expectations"] = {"must_not": must_not}
        metadata["rubric"] = mapping.rubric(case, options)
    return data


class DeepEvalExporter:
    name = "deepeval"
    title = "DeepEval goldens (JSON array for add_goldens_from_json_file)"
    file_ending = ".json"

    def skip_reason(self, item: ExportItem) -> str | None:
        return mapping.eval_skip_reason(item)

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        goldens = []
        for item in items:
            goldens.append(golden(item, options))
            progress.advance(1)
        # One golden per line inside the array: still one JSON document, but diffable.
        out.write(b"[\n")
        for index, data in enumerate(goldens):
            out.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
            out.write(b",\n" if index < len(goldens) - 1 else b"\n")
        out.write(b"]\n")
        return len(goldens)


def ragas_sample(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    """One Ragas ``SingleTurnSample`` (plus a ``metadata`` key Ragas ignores)."""
    case = item.case
    docs = [d for d in mapping.documents(case) if d.content]
    data: dict[str, Any] = {
        "user_input": case.input.user_request or "",
        "retrieved_contexts": [d.content for d in docs],
        "retrieved_context_ids": [d.id or f"rank-{d.rank}" for d in docs],
        # What the reviewer cited as evidence: the reference context Ragas' context metrics compare with.
        "reference_contexts": mapping.evidence_texts(case) or None,
        "response": case.generation.output,
        "reference": mapping.expected_output(case),
    }
    if mapping.is_failing(case):
        rubric = mapping.rubric(case, options) or ""
        data["rubrics"] = {
            "score1_description": "The response repeats the failure a reviewer found. " + rubric,
            "score5_description": "The response answers the request and avoids every failure listed above.",
        }
    metadata = mapping.provenance(item)
    if case.input.system_instructions:
        metadata["system_instructions"] = case.input.system_instructions
    rejected = mapping.rejected_output(case)
    if rejected is not None:
        metadata["rejected_output"] = rejected
    data["metadata"] = metadata
    return data


class RagasExporter(JsonLinesExporter):
    name = "ragas"
    title = "Ragas single-turn samples (JSONL for EvaluationDataset.from_jsonl)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        return ragas_sample(item, options)

"""RAG eval libraries: DeepEval goldens (a JSON array) and Ragas samples (JSONL), single- and multi-turn.

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

**Multi-turn** (``deepeval-conversational``, ``ragas-multi-turn``): the whole recorded exchange
(``chat.recorded_conversation``: the input conversation, the tool calls the application ran with
their results, the recorded answer last), for the tools' conversational test cases. Each tool keeps
a dataset single- or multi-turn (DeepEval refuses a ``ConversationalGolden`` in a dataset of
``Golden``s, Ragas a ``MultiTurnSample`` among ``SingleTurnSample``s), hence separate formats.

* DeepEval ``ConversationalGolden`` (the keys ``add_goldens_from_json_file`` reads when ``scenario``
  is set): ``scenario`` (the user request), ``turns`` (``user`` / ``assistant`` ``Turn``s; an
  assistant turn's tool calls and their results are its ``tools_called``, the retrieved documents
  are the last turn's ``retrieval_context``), ``expected_outcome`` (the expected output),
  ``context`` (the reviewer's evidence), ``comments``, ``name``, ``additional_metadata`` and
  ``expectations.must_not`` as for the single-turn goldens. Build a ``ConversationalTestCase`` from
  the turns, with the answer under test as the last assistant turn.
* Ragas ``MultiTurnSample``: ``user_input`` (``human`` / ``ai`` / ``tool`` messages; an ``ai``
  message carries its ``tool_calls`` as ``{name, args}``), ``reference`` (the expected output),
  ``reference_tool_calls`` (every call of a conversation a reviewer passed, for
  ``ToolCallAccuracy``), ``rubrics`` for failing cases, and ``metadata`` as above.

System instructions have no field in either: they go into the metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, BinaryIO

import orjson

from reviewdesk.domain.case import Case
from reviewdesk.exporters import chat, mapping
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
    metadata["documents"] = mapping.documents_json(item)
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
        return _write_array([golden(item, options) for item in items], out, progress)


def _write_array(goldens: list[dict[str, Any]], out: BinaryIO, progress: Progress) -> int:
    # One golden per line inside the array: still one JSON document, but diffable.
    out.write(b"[\n")
    for index, data in enumerate(goldens):
        out.write(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
        out.write(b",\n" if index < len(goldens) - 1 else b"\n")
        progress.advance(1)
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


# -- multi-turn -------------------------------------------------------------------------------


def _answered(messages: list[dict[str, Any]]) -> dict[str, str]:
    """Tool call id → the text of the ``tool`` message that answered it."""
    return {m["tool_call_id"]: m["content"] or "" for m in messages if m["role"] == "tool"}


def _calls(message: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(id, name, arguments as an object) of an assistant message's tool calls."""
    out = []
    for call in message.get("tool_calls") or []:
        try:
            arguments = orjson.loads(call["function"]["arguments"])
        except orjson.JSONDecodeError:
            arguments = call["function"]["arguments"]
        out.append((call["id"], call["function"]["name"], mapping.arguments_dict(arguments)))
    return out


def _last_user_text(case: Case) -> str:
    return next((m.content for m in reversed(mapping.conversation(case)) if m.role == "user" and m.content), "")


def deepeval_turns(case: Case) -> list[dict[str, Any]]:
    """The recorded exchange as DeepEval ``Turn``s (``user`` and ``assistant`` only)."""
    messages = chat.recorded_conversation(case)
    results = _answered(messages)
    turns: list[dict[str, Any]] = []
    for message in messages:
        if message["role"] not in ("user", "assistant"):
            continue  # system text goes to the metadata; tool results to the call they answer
        turn: dict[str, Any] = {"role": message["role"], "content": message["content"] or ""}
        calls = [
            {"name": name, "input_parameters": arguments, "output": results.get(ident, "")}
            for ident, name, arguments in _calls(message)
        ]
        if calls:
            turn["tools_called"] = calls
        turns.append(turn)
    contexts = mapping.context_texts(case)
    if contexts:
        turns[-1]["retrieval_context"] = contexts  # what the answer was written from
    return turns


def conversational_golden(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    """One DeepEval ``ConversationalGolden``."""
    single = golden(item, options)
    case = item.case
    data: dict[str, Any] = {
        "name": single["name"],
        # ``scenario`` is what DeepEval tells a conversational golden by: never empty (the skip
        # rules keep only cases with a user message).
        "scenario": case.input.user_request or _last_user_text(case),
        "turns": deepeval_turns(case),
        "expected_outcome": single["expected_output"],
        "context": single["context"],
        "comments": single["comments"],
        # The turns hold the conversation: the metadata keeps everything else of the single-turn golden.
        "additional_metadata": {k: v for k, v in single["additional_metadata"].items() if k != "messages"},
    }
    if "expectations" in single:
        data["expectations"] = single["expectations"]
    return data


class DeepEvalConversationalExporter(DeepEvalExporter):
    name = "deepeval-conversational"
    title = "DeepEval conversational goldens (JSON array for add_goldens_from_json_file)"

    def write(self, items: Iterable[ExportItem], out: BinaryIO, options: ExportOptions, progress: Progress) -> int:
        return _write_array([conversational_golden(item, options) for item in items], out, progress)


def ragas_messages(case: Case) -> list[dict[str, Any]]:
    """The recorded exchange as Ragas messages (``human``, ``ai`` with ``tool_calls``, ``tool``)."""
    out: list[dict[str, Any]] = []
    for message in chat.recorded_conversation(case):
        role = message["role"]
        if role == "user":
            out.append({"type": "human", "content": message["content"] or ""})
        elif role == "assistant":
            data: dict[str, Any] = {"type": "ai", "content": message["content"] or ""}
            calls = [{"name": name, "args": arguments} for _, name, arguments in _calls(message)]
            if calls:
                data["tool_calls"] = calls
            out.append(data)
        elif role == "tool":
            out.append({"type": "tool", "content": message["content"] or ""})
    return out


def ragas_multi_turn_sample(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    """One Ragas ``MultiTurnSample`` (plus a ``metadata`` key Ragas ignores)."""
    case = item.case
    single = ragas_sample(item, options)
    messages = ragas_messages(case)
    data: dict[str, Any] = {"user_input": messages, "reference": single["reference"]}
    label = case.labels
    if label is not None and label.verdict == "pass":
        # A conversation a reviewer passed: its tool calls are the reference for ToolCallAccuracy.
        calls = [call for m in messages for call in m.get("tool_calls", [])]
        if calls:
            data["reference_tool_calls"] = calls
    if "rubrics" in single:
        data["rubrics"] = single["rubrics"]
    data["metadata"] = single["metadata"]
    return data


class RagasMultiTurnExporter(JsonLinesExporter):
    name = "ragas-multi-turn"
    title = "Ragas multi-turn samples (JSONL for EvaluationDataset.from_jsonl)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        return ragas_multi_turn_sample(item, options)

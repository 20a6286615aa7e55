"""Inspect AI dataset JSONL: one ``Sample`` per line, read by ``inspect_ai.dataset.json_dataset``.

``json_dataset`` picks JSON lines or a JSON array from the file ending, so the file must end in
``.jsonl``. ``input`` is the conversation as chat messages (Inspect knows the roles ``system``,
``user``, ``assistant`` and ``tool``; a ``developer`` message becomes ``system``). ``target`` is
the expected output; for a regression case it is the rubric instead, which is what Inspect's
``model_graded_qa`` grades against as its criterion (``metadata.target_kind`` says which).
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Case, Message
from reviewdesk.exporters import mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.exporters.jsonlines import JsonLinesExporter

_INSPECT_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


def _message(message: Message, index: int) -> dict[str, Any]:
    role = _INSPECT_ROLES.get(message.role, "user")
    data: dict[str, Any] = {"role": role, "content": message.content or ""}
    if role == "assistant" and message.tool_calls:
        data["tool_calls"] = [
            {
                "id": mapping.call_id(call, index * 100 + n),
                "function": call.name,
                "arguments": mapping.arguments_dict(call.arguments),
                "type": "function",
            }
            for n, call in enumerate(message.tool_calls)
        ]
    if role == "tool":
        data["tool_call_id"] = message.tool_call_id
        data["function"] = message.name
    return data


def sample(item: ExportItem, options: ExportOptions) -> dict[str, Any]:
    """The ``Sample`` JSON of one case."""
    case: Case = item.case
    expected = mapping.expected_output(case)
    metadata = mapping.provenance(item)
    metadata["documents"] = mapping.documents_json(item)
    rejected = mapping.rejected_output(case)
    if rejected is not None:
        metadata["rejected_output"] = rejected
    if expected is not None:
        target = expected
        metadata["target_kind"] = "reference"
    else:
        target = mapping.rubric(case, options) or ""
        metadata["target_kind"] = "rubric"
    return {
        "id": case.case_id,
        "input": [_message(m, i) for i, m in enumerate(mapping.conversation(case))],
        "target": target,
        "description": mapping.description(case),
        "metadata": metadata,
    }


class InspectExporter(JsonLinesExporter):
    name = "inspect"
    title = "Inspect AI dataset (JSONL samples for json_dataset)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        return sample(item, options)

"""OpenAI formats: Evals samples and chat fine-tuning lines.

**Evals** (``openai-evals``): ``{"input": [chat messages], "ideal": expected}`` — what the basic
``Match``/``Includes``/``FuzzyMatch`` evals and the ``fact`` model-graded eval read. A regression
case has no ideal answer; its line carries ``criteria`` (the rubric) instead, for a model-graded
spec such as ``closedqa`` that takes ``{criteria}`` from the sample. Export with
``--has-corrected-output`` (or ``--verdict pass``) for a file every line of which has an ``ideal``.

**Fine-tuning** (``openai-finetune``): ``{"messages": [...], "tools": [...]}`` in the Chat
Completions shape: the conversation, then the trajectory the application ran — an assistant
message with ``tool_calls`` (arguments as a JSON string) and a ``tool`` message with the result
for each tool call — then the expected answer. Only cases with an expected output are training
examples; a case whose tool calls themselves were judged wrong is left out, because the label has
no corrected trajectory and training on the recorded one would teach the mistake. Traces do not
carry tool definitions in the normalized case, so ``tools`` lists each tool with a parameter
schema inferred from the arguments seen.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Case, Message
from reviewdesk.exporters import mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.exporters.jsonlines import JsonLinesExporter

OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool")
BAD_TRAJECTORY = frozenset({"wrong_tool", "excessive_agency"})
"""Root causes that say the tool calls themselves were wrong."""
NO_EXPECTED = "no expected output (a training example needs a good answer)"
WRONG_TRAJECTORY = "tool calls labeled wrong (wrong_tool / excessive_agency): no corrected trajectory to train on"


def chat_message(message: Message, index: int) -> dict[str, Any]:
    """A Chat Completions message (``ChatCompletionMessageParam``) from a normalized message."""
    role = message.role if message.role in OPENAI_ROLES else "user"
    data: dict[str, Any] = {"role": role, "content": message.content or ""}
    if role == "assistant" and message.tool_calls:
        data["tool_calls"] = [
            {
                "id": mapping.call_id(call, index * 100 + n),
                "type": "function",
                "function": {"name": call.name, "arguments": mapping.arguments_json(call.arguments)},
            }
            for n, call in enumerate(message.tool_calls)
        ]
        if not message.content:
            data["content"] = None
    if role == "tool":
        data["tool_call_id"] = message.tool_call_id or f"call_{index}"
    if message.name and role in ("system", "developer", "user", "assistant"):
        data["name"] = message.name
    return data


class OpenAIEvalsExporter(JsonLinesExporter):
    name = "openai-evals"
    title = "OpenAI Evals samples (JSONL: input, ideal)"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        case = item.case
        # Evals' chat format is plain {role, content}; tool-call plumbing has no place in it.
        line: dict[str, Any] = {
            "input": [
                {"role": m.role if m.role in OPENAI_ROLES else "user", "content": m.content}
                for m in mapping.conversation(case)
                if m.content
            ],
        }
        expected = mapping.expected_output(case)
        if expected is not None:
            line["ideal"] = expected
        else:
            line["criteria"] = mapping.rubric(case, options)
        line["metadata"] = mapping.provenance(item)
        return line


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def inferred_tools(case: Case) -> list[dict[str, Any]]:
    """One function tool per tool name, parameters inferred from the arguments the trace shows."""
    properties: dict[str, dict[str, dict[str, str]]] = {}
    for call in case.tool_calls:
        props = properties.setdefault(call.name, {})
        for key, value in mapping.arguments_dict(call.arguments).items():
            props.setdefault(key, {"type": _json_type(value)})
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "parameters": {"type": "object", "properties": dict(sorted(props.items()))},
            },
        }
        for name, props in sorted(properties.items())
    ]


def finetune_messages(case: Case, expected: str) -> list[dict[str, Any]]:
    """Conversation, then the recorded tool trajectory, then the expected answer."""
    conversation = mapping.conversation(case)
    messages = [chat_message(m, i) for i, m in enumerate(conversation)]
    for index, call in enumerate(case.tool_calls):
        ident = mapping.call_id(call, index)
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": ident,
                        "type": "function",
                        "function": {"name": call.name, "arguments": mapping.arguments_json(call.arguments)},
                    }
                ],
            }
        )
        messages.append({"role": "tool", "tool_call_id": ident, "content": mapping.tool_result_text(call)})
    messages.append({"role": "assistant", "content": expected})
    return messages


class OpenAIFinetuneExporter(JsonLinesExporter):
    name = "openai-finetune"
    title = "OpenAI chat fine-tuning (JSONL: messages, tools)"

    def skip_reason(self, item: ExportItem) -> str | None:
        reason = mapping.eval_skip_reason(item)
        if reason is not None:
            return reason
        case = item.case
        if mapping.expected_output(case) is None:
            return NO_EXPECTED
        if case.labels is not None and BAD_TRAJECTORY & set(case.labels.root_causes) and case.tool_calls:
            return WRONG_TRAJECTORY
        return None

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        case = item.case
        expected = mapping.expected_output(case)
        if expected is None:  # skip_reason already keeps these out; stay safe if called directly
            return None
        line: dict[str, Any] = {"messages": finetune_messages(case, expected)}
        tools = inferred_tools(case)
        if tools:
            line["tools"] = tools
        return line

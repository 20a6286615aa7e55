"""Every exported conversation as Chat Completions messages, built by one function (``chat_messages``).

promptfoo, Langfuse dataset items, LangSmith examples, OpenAI Evals and OpenAI fine-tuning all
carry a conversation. A model API rejects a list in which a ``tool`` message does not answer a
preceding assistant ``tool_calls`` entry by id, or in which a call is left unanswered, so the
rules are kept here once:

* an assistant message keeps its tool calls (``{id, type: function, function: {name,
  arguments: "<JSON string>"}}``; ``content`` is ``null`` when it had no text);
* a ``tool`` message answers the pending call with its id, else the oldest pending call;
* a ``tool`` message with no call before it (a trace that recorded only the result) gets the
  assistant call it answers, named after the tool, arguments ``{}``;
* a call nobody answered gets an empty ``tool`` message before the next turn;
* ids are made unique within the list (a trace may reuse them), and made up when missing.

The result validates as ``list[ChatCompletionMessageParam]`` of the ``openai`` package (tested for
every format that writes one).
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Case, Message, ToolCallRequest
from reviewdesk.exporters import mapping

OPENAI_ROLES = ("system", "developer", "user", "assistant", "tool")
_NAMED_ROLES = ("system", "developer", "user", "assistant")


def _call_json(ident: str, call: ToolCallRequest) -> dict[str, Any]:
    return {
        "id": ident,
        "type": "function",
        "function": {"name": call.name, "arguments": mapping.arguments_json(call.arguments)},
    }


class _Ids:
    """Unique call ids: the trace's when it has them, ``call_<n>`` otherwise."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, wanted: str | None) -> str:
        base = wanted or f"call_{len(self.used) + 1}"
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}_{n}"
        self.used.add(ident)
        return ident


def chat_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """``messages`` as a valid Chat Completions message list (see the module docstring for the rules)."""
    out: list[dict[str, Any]] = []
    ids = _Ids()
    pending: list[tuple[str | None, str]] = []  # (id in the trace, id written) of unanswered calls

    def answer_pending() -> None:
        out.extend({"role": "tool", "tool_call_id": written, "content": ""} for _, written in pending)
        pending.clear()

    for message in messages:
        role = mapping.role(message.role)
        role = role if role in OPENAI_ROLES else "user"
        if role == "tool":
            match = next((p for p in pending if message.tool_call_id and p[0] == message.tool_call_id), None)
            if match is None and pending:
                match = pending[0]
            if match is not None:
                pending.remove(match)
                ident = match[1]
            else:
                ident = ids.take(message.tool_call_id)
                request = ToolCallRequest(id=ident, name=message.name or "tool", arguments={})
                out.append({"role": "assistant", "content": None, "tool_calls": [_call_json(ident, request)]})
            out.append({"role": "tool", "tool_call_id": ident, "content": message.content or ""})
            continue
        answer_pending()
        data: dict[str, Any] = {"role": role, "content": message.content or ""}
        if role == "assistant" and message.tool_calls:
            calls = []
            for call in message.tool_calls:
                ident = ids.take(call.id)
                pending.append((call.id, ident))
                calls.append(_call_json(ident, call))
            data["tool_calls"] = calls
            if not message.content:
                data["content"] = None
        if message.name and role in _NAMED_ROLES:
            data["name"] = message.name
        out.append(data)
    answer_pending()
    return out


def input_messages(case: Case) -> list[dict[str, Any]]:
    """The case's input conversation (``mapping.conversation``) as Chat Completions messages."""
    return chat_messages(mapping.conversation(case))


def recorded_conversation(case: Case) -> list[dict[str, Any]]:
    """The whole recorded exchange as Chat Completions messages: the input conversation, the tool
    calls the application ran with their results, and the recorded answer last (``""`` when the
    trace recorded none), for the multi-turn formats (DeepEval turns, Ragas messages)."""
    final = Message(role="assistant", content=case.generation.output or "")
    return chat_messages([*mapping.conversation(case), *trajectory(case), final])


def trajectory(case: Case) -> list[Message]:
    """The tool calls the application ran, as an assistant call and a tool result each."""
    steps: list[Message] = []
    for index, call in enumerate(case.tool_calls):
        ident = mapping.call_id(call, index)
        request = ToolCallRequest(id=ident, name=call.name, arguments=call.arguments)
        steps.append(Message(role="assistant", content=None, tool_calls=[request]))
        steps.append(Message(role="tool", tool_call_id=ident, content=mapping.tool_result_text(call), name=call.name))
    return steps


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
    """One function tool per tool name, parameters inferred from the arguments the trace shows.

    The normalized case does not carry tool definitions; every tool the messages or the
    trajectory call is listed, so a fine-tuning or eval line never calls an undeclared tool.
    """
    properties: dict[str, dict[str, dict[str, str]]] = {}
    requested = [(c.name, c.arguments) for m in mapping.conversation(case) for c in m.tool_calls or []]
    for name, arguments in [*requested, *((c.name, c.arguments) for c in case.tool_calls)]:
        props = properties.setdefault(name, {})
        for key, value in mapping.arguments_dict(arguments).items():
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

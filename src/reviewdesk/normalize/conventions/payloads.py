"""What LLM SDKs put in an input or output *payload*, read into messages, usage and documents.

OTel conventions spell messages out attribute by attribute; vendor platforms instead store the
call's input and output as whatever JSON the SDK captured. The shapes seen in Langfuse and
LangSmith exports (and in Langfuse- and LangSmith-SDK OTLP, which carries the same payloads) are:

* OpenAI Chat Completions: ``{"messages": [{role, content, tool_calls[{id, function{name, arguments}}]}]}``
  in, ``{"choices": [{message, finish_reason}], "model", "usage"}`` out;
* OpenAI Responses: ``{"input": [items], "instructions"}`` in, ``{"output": [items], "model", "usage"}``
  out, items being messages, ``function_call`` and ``function_call_output``;
* LangChain: messages as dicts (``{"type": "human", "content"}``), as Langfuse's conversion
  (``{"role", "content", "additional_kwargs": {"tool_calls"}}``), or serialized
  (``{"lc": 1, "type": "constructor", "id": [..., "HumanMessage"], "kwargs": {...}}``);
  ``{"messages": [[...]]}`` / ``{"prompts": [...]}`` in, ``{"generations": [[{text, message}]], "llm_output"}``
  out; tool results as ``ToolMessage``; retrieved documents as ``Document`` (``page_content``);
* Anthropic content blocks (``text``, ``tool_use``, ``tool_result``);
* OTel GenAI parts (``{"role", "parts": [...]}``) and OpenInference messages nested by Langfuse
  (``[{"message": {...}}]``).

Everything here is a pure function of the payload; the vendor readers decide which payload
feeds which field of the ``SpanView``.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from typing import Any

from reviewdesk.domain.case import Document, Message, ToolCallRequest
from reviewdesk.normalize.conventions.common import (
    as_int,
    as_str,
    documents_from_list,
    finish_reason_of,
    first,
    is_parts,
    text_of,
)
from reviewdesk.normalize.conventions.genai import messages_from_parts

_MAX_DECODE_DEPTH = 4
_MAX_LITERAL = 1_000_000
_PY_SCALARS: dict[str, Any] = {"None": None, "True": True, "False": False}

# LangChain message types (``BaseMessage.type``) and serialized class names → chat roles.
_LC_TYPES = {
    "human": "user",
    "user": "user",
    "ai": "assistant",
    "assistant": "assistant",
    "system": "system",
    "developer": "developer",
    "tool": "tool",
    "function": "tool",
}
_LC_CLASSES = {
    "HumanMessage": "human",
    "AIMessage": "ai",
    "SystemMessage": "system",
    "ToolMessage": "tool",
    "FunctionMessage": "function",
    "ChatMessage": "chat",
    "RemoveMessage": "remove",
}
_TEXT_PART_TYPES = (None, "text", "input_text", "output_text")


# --- decoding --------------------------------------------------------------------------------


def decode(value: Any) -> Any:
    """Undo extra encodings: JSON in strings (repeatedly), Python-literal reprs; text stays text.

    Vendor SDKs JSON-encode payloads into attributes (Langfuse OTLP), encode metadata values a
    second time (Langfuse SDK v5), or ``str()`` Python objects (``"{'query': 'x'}"``).
    """
    for _ in range(_MAX_DECODE_DEPTH):
        if not isinstance(value, str):
            return value
        stripped = value.strip()
        if not stripped:
            return value
        decoded: Any = _NOT_DECODED
        if stripped[0] in '{["' or stripped in ("true", "false", "null"):
            try:
                decoded = json.loads(stripped)
            except (ValueError, RecursionError):  # nested past the interpreter's limit: text it stays
                decoded = _NOT_DECODED
        if decoded is _NOT_DECODED and stripped[0] in "{['(\"" and len(stripped) <= _MAX_LITERAL:
            try:
                literal = ast.literal_eval(stripped)
            except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
                literal = _NOT_DECODED
            if isinstance(literal, (tuple, set, frozenset)):
                literal = list(literal)
            if isinstance(literal, (dict, list, str)):
                decoded = literal
        if decoded is _NOT_DECODED:
            return value
        value = decoded
    return value


def unquote(value: Any) -> Any:
    """Undo JSON string encoding only (``"\"{…}\""`` → ``{…}`` as text): for values that are text.

    SDKs JSON-encode every payload, strings included; a model's answer that happens to be JSON
    must come out as the text it was, not as a parsed (and later re-serialised) object.
    """
    for _ in range(_MAX_DECODE_DEPTH):
        if not (isinstance(value, str) and value.strip().startswith('"')):
            return value
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return value
        if not isinstance(decoded, str):
            return value
        value = decoded
    return value


def payload_value(value: Any) -> Any:
    """A recorded input or output: a string payload is unquoted and stays text, anything else decoded."""
    if isinstance(value, str) and value.strip().startswith('"'):
        return unquote(value)
    return decode(value)


def content_value(value: Any) -> Any:
    """A message's content: text stays text (unquoted); a list of typed parts, even encoded, is parts."""
    if not isinstance(value, str):
        return decode(value)
    text = unquote(value)
    parts = decode(text)
    return parts if is_parts(parts) else text


def decode_optional(value: Any) -> Any:
    """``decode``, plus ``"None"``/``"True"``/``"False"`` as Python wrote them (ids, flags, lists only)."""
    if isinstance(value, str) and value.strip() in _PY_SCALARS:
        return _PY_SCALARS[value.strip()]
    return decode(value)


class _NotDecoded:
    pass


_NOT_DECODED: Any = _NotDecoded()


def unwrap_lc(value: Any) -> Any:
    """A LangChain serialized object (``{"lc": 1, "type": "constructor", ...}``) → its kwargs + ``type``."""
    if (
        isinstance(value, dict)
        and value.get("lc") is not None
        and value.get("type") == "constructor"
        and isinstance(value.get("kwargs"), dict)
    ):
        ids = value.get("id")
        cls = str(ids[-1]) if isinstance(ids, list) and ids else ""
        if cls.endswith("Chunk"):
            cls = cls[: -len("Chunk")]
        kwargs = dict(value["kwargs"])
        kwargs.setdefault("type", _LC_CLASSES.get(cls, cls))
        return kwargs
    return value


# --- messages --------------------------------------------------------------------------------


def input_messages(value: Any) -> list[Message]:
    """The messages sent to a model, from an LLM call's input payload (``[]`` when it holds none)."""
    if isinstance(value, str) and value.strip().startswith('"'):
        text = unquote(value)  # a payload that was a string: the prompt as written
        return [Message(role="user", content=text)] if isinstance(text, str) and text else []
    value = unwrap_lc(decode(value))
    if isinstance(value, str):
        return [Message(role="user", content=value)] if value else []
    if isinstance(value, dict):
        if "messages" in value:
            return _message_list(_first_batch(decode(value["messages"])), default_role="user")
        if isinstance(value.get("input"), list):  # OpenAI Responses request
            messages = _message_list(value["input"], default_role="user")
            if isinstance(value.get("instructions"), str) and value["instructions"]:
                messages.insert(0, Message(role="system", content=value["instructions"]))
            return messages
        if isinstance(value.get("input"), str) and "model" in value:
            return [Message(role="user", content=value["input"])]
        prompts = value.get("prompts", value.get("prompt"))
        if isinstance(prompts, list) and all(isinstance(p, str) for p in prompts):
            return [Message(role="user", content=p) for p in prompts]
        if isinstance(prompts, str):
            return [Message(role="user", content=prompts)]
        return message_of(value, default_role=None)
    if isinstance(value, list):
        return _message_list(_first_batch(value), default_role="user")
    return []


def output_messages(value: Any) -> list[Message]:
    """The messages a model answered with, from an LLM call's output payload."""
    if isinstance(value, str) and value.strip().startswith('"'):
        text = unquote(value)  # a payload that was a string: the answer exactly as produced
        return [Message(role="assistant", content=text)] if isinstance(text, str) and text else []
    value = unwrap_lc(decode(value))
    if isinstance(value, str):
        return [Message(role="assistant", content=value)] if value else []
    if isinstance(value, list):
        return _message_list(value, default_role="assistant")
    if not isinstance(value, dict):
        return []
    choices = value.get("choices")
    if isinstance(choices, list):
        messages: list[Message] = []
        for choice in choices:
            if not isinstance(choice, dict):
                continue
            inner = (
                choice.get("message") if isinstance(choice.get("message"), dict) else {"content": choice.get("text")}
            )
            messages.extend(message_of(inner, default_role="assistant"))
        return messages
    generations = value.get("generations")
    if isinstance(generations, list):
        messages = []
        for raw_generation in _first_batch(generations):
            generation = unwrap_lc(raw_generation)
            if not isinstance(generation, dict):
                continue
            if generation.get("message") is not None:
                messages.extend(message_of(generation["message"], default_role="assistant"))
            elif isinstance(generation.get("text"), str):
                messages.append(Message(role="assistant", content=generation["text"]))
        return messages
    if isinstance(value.get("output"), list) and (
        value.get("object") == "response" or _has_typed_items(value["output"])
    ):
        return _message_list(value["output"], default_role="assistant")
    if "output" in value and len(value) == 1:  # LangSmith's wrapping of a non-dict return value
        return output_messages(value["output"])
    return message_of(value, default_role="assistant")


def _has_typed_items(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("type"), str) for i in items)


def _first_batch(value: Any) -> Any:
    """LangChain batches prompts (``[[messages of prompt 1], ...]``); a trace of one call has one."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        return value[0]
    return value


def _message_list(items: Any, *, default_role: str | None) -> list[Message]:
    if not isinstance(items, list):
        return []
    messages: list[Message] = []
    for item in items:
        messages.extend(message_of(item, default_role=default_role))
    return messages


def message_of(item: Any, *, default_role: str | None) -> list[Message]:
    """One message in any of the shapes above; some shapes yield several (tool results), some none."""
    item = unwrap_lc(decode(item))
    if isinstance(item, str):
        return [Message(role=default_role, content=item)] if default_role and item else []
    if not isinstance(item, dict):
        return []
    if set(item) == {"message"} and isinstance(item["message"], dict):
        item = item["message"]  # OpenInference messages as Langfuse nests them
    kind = item.get("type")
    if kind == "function_call":  # OpenAI Responses
        return [Message(role="assistant", tool_calls=[_call(item)])]
    if kind == "function_call_output":
        return [
            Message(role="tool", content=_result_text(item.get("output")), tool_call_id=as_str(item.get("call_id")))
        ]
    if kind in ("reasoning", "web_search_call", "file_search_call", "computer_call", "remove"):
        return []
    if isinstance(item.get("parts"), list):
        return messages_from_parts([item])
    role = as_str(item.get("role"))
    if role is None and isinstance(kind, str):
        role = _LC_TYPES.get(kind)
    if role is None and kind == "message":
        role = default_role
    if role is None:
        if default_role is None or not ({"content", "tool_calls"} & item.keys()):
            return []
        role = default_role
    role = _LC_TYPES.get(role, role)
    content = content_value(item.get("content"))
    definition = decode(content)
    if role == "tool" and not item.get("tool_call_id") and isinstance(definition, dict) and "function" in definition:
        # Langfuse's LangChain handler lists the tool *definitions* as tool-role messages.
        return []
    texts: list[str] = []
    calls: list[ToolCallRequest] = []
    results: list[Message] = []
    if isinstance(content, list):
        for raw_part in content:
            part = decode(raw_part)
            if isinstance(raw_part, str) and not (isinstance(part, dict) and isinstance(part.get("type"), str)):
                part = unquote(raw_part)  # a text part, kept as written even when it is JSON
            if isinstance(part, str):
                texts.append(part)
            elif isinstance(part, dict):
                ptype = part.get("type")
                if ptype == "tool_use":
                    calls.append(
                        ToolCallRequest(
                            id=as_str(part.get("id")),
                            name=as_str(part.get("name")) or "unknown",
                            arguments=part.get("input"),
                        )
                    )
                elif ptype == "tool_result":
                    results.append(
                        Message(
                            role="tool",
                            content=text_of(part.get("content")),
                            tool_call_id=as_str(part.get("tool_use_id")),
                        )
                    )
                elif ptype in _TEXT_PART_TYPES or ptype == "refusal":
                    text = first(part.get("text"), part.get("content"), part.get("refusal"))
                    if isinstance(text, str):
                        texts.append(text)
    elif content is not None:
        text = text_of(content)
        if text:
            texts.append(text)
    for raw_call in _raw_tool_calls(item):
        call = unwrap_lc(decode(raw_call))
        if isinstance(call, dict):
            calls.append(_call(call))
    if results and not texts and not calls:
        return results
    message = Message(
        role=role,
        content="\n\n".join(texts) if texts else None,
        tool_calls=_dedupe(calls) or None,
        tool_call_id=as_str(first(item.get("tool_call_id"), item.get("call_id") if role == "tool" else None)),
        name=as_str(item.get("name")) if role != "assistant" else None,
    )
    return [message, *results]


def _raw_tool_calls(item: dict[str, Any]) -> list[Any]:
    calls = decode(item.get("tool_calls"))
    if isinstance(calls, list) and calls:
        return calls
    kwargs = decode(item.get("additional_kwargs"))
    if isinstance(kwargs, dict):
        calls = decode(kwargs.get("tool_calls"))
        if isinstance(calls, list) and calls:
            return calls
        function_call = decode(kwargs.get("function_call"))
        if isinstance(function_call, dict):
            return [function_call]
    function_call = decode(item.get("function_call"))
    return [function_call] if isinstance(function_call, dict) else []


def _call(call: dict[str, Any]) -> ToolCallRequest:
    """A tool call: ``{id, function{name, arguments}}`` (OpenAI), ``{name, args, id}`` (LangChain), or
    ``{call_id, name, arguments}`` (OpenAI Responses)."""
    inner = call.get("function")
    function: dict[str, Any] = inner if isinstance(inner, dict) else call
    arguments = first(function.get("arguments"), function.get("args"), function.get("input"))
    return ToolCallRequest(
        id=as_str(first(call.get("call_id"), call.get("id"))),
        name=as_str(function.get("name")) or "unknown",
        arguments=decode(arguments) if isinstance(arguments, str) else arguments,
    )


def _dedupe(calls: list[ToolCallRequest]) -> list[ToolCallRequest]:
    # LangChain AIMessages carry each call twice: in tool_calls and in additional_kwargs.
    seen: set[tuple[str | None, str]] = set()
    unique = []
    for call in calls:
        key = (call.id, call.name)
        if key not in seen:
            seen.add(key)
            unique.append(call)
    return unique


def _result_text(value: Any) -> str | None:
    return value if isinstance(value, str) or value is None else as_str(value)


# --- usage, model, finish reason -------------------------------------------------------------


@dataclass(slots=True)
class OutputDetails:
    """What an LLM output payload says about the call besides the messages."""

    model: str | None = None
    finish_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cached_input_tokens: int | None = None
    reasoning_tokens: int | None = None


def detail_counts(usage: Any) -> tuple[int | None, int | None]:
    """(cached input, reasoning output) from a usage mapping: OpenAI Chat (``prompt_tokens_details``),
    Responses (``input_tokens_details``), LangChain (``input_token_details``), Anthropic
    (``cache_read_input_tokens``), Langfuse usage details (``input_cached_tokens``, ``cache_read`` …)."""
    usage = decode(usage)
    if not isinstance(usage, dict):
        return None, None
    inputs = first(
        _dict(usage.get("prompt_tokens_details")),
        _dict(usage.get("input_tokens_details")),
        _dict(usage.get("input_token_details")),
        _dict(usage.get("prompt_details")),
    )
    outputs = first(
        _dict(usage.get("completion_tokens_details")),
        _dict(usage.get("output_tokens_details")),
        _dict(usage.get("output_token_details")),
        _dict(usage.get("completion_details")),
    )
    cached = first(
        (inputs or {}).get("cached_tokens"),
        (inputs or {}).get("cache_read"),
        usage.get("cache_read_input_tokens"),
        usage.get("input_cached_tokens"),
        usage.get("input_cache_read"),
        usage.get("prompt_details.cache_read"),
        usage.get("cache_read"),
    )
    reasoning = first(
        (outputs or {}).get("reasoning_tokens"),
        (outputs or {}).get("reasoning"),
        usage.get("output_reasoning_tokens"),
        usage.get("output_reasoning"),
        usage.get("completion_details.reasoning"),
        usage.get("reasoning_tokens"),
    )
    return as_int(cached), as_int(reasoning)


def _dict(value: Any) -> dict[str, Any] | None:
    value = decode(value)
    return value if isinstance(value, dict) and value else None


def usage_counts(usage: Any) -> tuple[int | None, int | None, int | None]:
    """(input, output, total) from any usage mapping: OpenAI, LangChain ``usage_metadata``, Langfuse."""
    usage = decode(usage)
    if not isinstance(usage, dict):
        return None, None, None
    return (
        as_int(
            first(usage.get("input_tokens"), usage.get("prompt_tokens"), usage.get("input"), usage.get("promptTokens"))
        ),
        as_int(
            first(
                usage.get("output_tokens"),
                usage.get("completion_tokens"),
                usage.get("output"),
                usage.get("completionTokens"),
            )
        ),
        as_int(first(usage.get("total_tokens"), usage.get("total"), usage.get("totalTokens"))),
    )


def output_details(value: Any) -> OutputDetails:
    details = OutputDetails()
    value = unwrap_lc(decode(value))
    if not isinstance(value, dict):
        return details
    if "output" in value and len(value) == 1:
        return output_details(value["output"])
    usages: list[Any] = [value.get("usage_metadata"), value.get("usage")]
    details.model = as_str(first(value.get("model"), value.get("model_name")))
    choices = value.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[-1], dict):
        details.finish_reason = finish_reason_of(choices[-1].get("finish_reason"))
    details.finish_reason = details.finish_reason or finish_reason_of(
        first(value.get("stop_reason"), value.get("finish_reason"), value.get("finishReason"))
    )
    if details.finish_reason is None and value.get("object") == "response" and isinstance(value.get("status"), str):
        # The Responses API has no finish reason: its status (completed, incomplete …) stands for it.
        incomplete = value.get("incomplete_details")
        reason = incomplete.get("reason") if isinstance(incomplete, dict) else None
        details.finish_reason = as_str(reason) or str(value["status"])
    llm_output = value.get("llm_output")
    if isinstance(llm_output, dict):
        details.model = details.model or as_str(first(llm_output.get("model_name"), llm_output.get("model")))
        usages.append(llm_output.get("token_usage"))
        usages.append(llm_output.get("usage"))
    generations = value.get("generations")
    if isinstance(generations, list):
        for raw_generation in _first_batch(generations):
            generation = unwrap_lc(raw_generation)
            if not isinstance(generation, dict):
                continue
            info = generation.get("generation_info")
            if isinstance(info, dict):
                details.finish_reason = details.finish_reason or finish_reason_of(info.get("finish_reason"))
            message = unwrap_lc(generation.get("message"))
            if isinstance(message, dict):
                _message_details(message, details, usages)
    if "response_metadata" in value or "usage_metadata" in value:
        _message_details(value, details, usages)
    for usage in usages:
        counts = usage_counts(usage)
        if any(c is not None for c in counts):
            details.input_tokens, details.output_tokens, details.total_tokens = counts
            details.cached_input_tokens, details.reasoning_tokens = detail_counts(usage)
            break
    return details


def _message_details(message: dict[str, Any], details: OutputDetails, usages: list[Any]) -> None:
    metadata = message.get("response_metadata")
    if isinstance(metadata, dict):
        details.model = details.model or as_str(first(metadata.get("model_name"), metadata.get("model")))
        details.finish_reason = details.finish_reason or finish_reason_of(
            first(metadata.get("finish_reason"), metadata.get("stop_reason"))
        )
        usages.append(metadata.get("token_usage"))
        usages.append(metadata.get("usage"))
    usages.insert(0, message.get("usage_metadata"))


# --- tools and documents ---------------------------------------------------------------------


def tool_message(value: Any) -> dict[str, Any] | None:
    """A LangChain ``ToolMessage`` (the return value of a tool run), else ``None``."""
    value = unwrap_lc(decode(value))
    if isinstance(value, dict) and value.get("type") == "tool" and "tool_call_id" in value and "content" in value:
        return value
    return None


def tool_result(value: Any) -> Any:
    """A tool's result: a ``ToolMessage``'s content, parsed when it is JSON."""
    message = tool_message(value)
    if message is not None:
        return decode(message.get("content"))
    return decode(value)


def documents(value: Any) -> list[Document]:
    """Retrieved documents: ``[Document…]`` or ``{"documents": [...]}``, LangChain-serialized or plain."""
    value = unwrap_lc(decode(value))
    if isinstance(value, dict):
        value = value.get("documents", value.get("output"))
    if not isinstance(value, list) or not value:
        return []
    items = [unwrap_lc(decode(item)) for item in value]
    if not all(
        isinstance(i, dict) and isinstance(first(i.get("page_content"), i.get("content"), i.get("text")), str)
        for i in items
    ):
        return []
    return documents_from_list(items)

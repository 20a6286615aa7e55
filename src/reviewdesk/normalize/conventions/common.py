"""Helpers shared by the convention readers: JSON-in-strings, flattened lists, text extraction."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

from reviewdesk.normalize.attrs import AttrIndex, nest

__all__ = ["AttrIndex", "nest"]


def maybe_json(value: Any) -> Any:
    """Parse a string that holds a JSON object or array; anything else comes back unchanged.

    Trace SDKs put structured values into string attributes because OTel attributes cannot be
    nested; we undo that where the string clearly is JSON and keep plain text as text.
    """
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in ("{", "[") and stripped[-1:] in ("}", "]"):
            try:
                return orjson.loads(stripped)
            except orjson.JSONDecodeError:
                return value
    return value


def maybe_json_scalar(value: Any) -> Any:
    """Like ``maybe_json`` but also parses JSON strings and numbers (``"\\"hi\\""`` → ``hi``)."""
    parsed = maybe_json(value)
    if isinstance(parsed, str):
        stripped = parsed.strip()
        if stripped.startswith('"') and stripped.endswith('"') and len(stripped) >= 2:
            try:
                return json.loads(stripped)
            except ValueError:
                return parsed
    return parsed


def indexed(attrs: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    """Collect ``prefix.N.rest`` attributes into a list of nested dicts ordered by N.

    Readers that have the span's ``SpanView`` should use ``view.attrs.indexed`` (computed once).
    """
    return AttrIndex(attrs).indexed(prefix)


def dig(node: Any, *path: str) -> Any:
    """Follow dict keys; ``None`` as soon as one is missing."""
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


_INT64 = (-(2**63), 2**63 - 1)


def as_int(value: Any) -> int | None:
    """A count (tokens …): ``None`` unless it is a number a workspace column can hold (64 bits)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str) and len(value) > 40:
        return None  # no count has that many digits; int() of a huge digit string is slow or refused
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        try:
            number = int(float(value))
        except (TypeError, ValueError, OverflowError):  # "1e400" is infinity
            return None
    return number if _INT64[0] <= number <= _INT64[1] else None


def as_float(value: Any) -> float | None:
    """A measure (cost, score …): ``None`` unless it is a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def text_of(value: Any) -> str | None:
    """Best-effort plain text of a content value: a string, a list of parts, or a dict.

    A string is text exactly as the model wrote it, even when it happens to be JSON (structured
    output): only a JSON list of typed content parts (``[{"type": "text", "text": …}]``, which
    some SDKs store as a string) is read as parts. Re-serialising would change spacing and key order.
    """
    if isinstance(value, str):
        return _string_text(value)
    if value is None:
        return None
    if isinstance(value, list):
        texts = [t for t in (_part_text(p) for p in value) if t]
        if texts:
            return "\n\n".join(texts)
        return as_str(value) if value else None
    if isinstance(value, dict):
        text = _part_text(value)
        return text if text is not None else as_str(value)
    return str(value)


def _string_text(value: str) -> str:
    parsed = maybe_json(value)
    if is_parts(parsed):
        texts = [t for t in (_part_text(p) for p in parsed) if t]
        if texts:
            return "\n\n".join(texts)
    return value


def is_parts(value: Any) -> bool:
    """A non-empty list of typed content parts (``{"type": "text", …}``, ``{"type": "tool_use", …}``)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(p, dict) and isinstance(p.get("type"), str) for p in value)
    )


def _part_text(part: Any) -> str | None:
    if isinstance(part, str):
        return part
    if not isinstance(part, dict):
        return None
    kind = part.get("type")
    if kind in (None, "text", "input_text", "output_text"):
        for key in ("content", "text"):
            if isinstance(part.get(key), str):
                return str(part[key])
    return None


def first(*values: Any) -> Any:
    """The first value that is neither ``None`` nor an empty string."""
    for value in values:
        if value is not None and value != "":
            return value
    return None


# Keys under which applications commonly put the user's question in a JSON input.
_QUESTION_KEYS = ("user_request", "question", "query", "input", "user_input", "message", "prompt", "text", "content")


# Keys of a request payload that never hold the user's words: the model name is often the only
# other string in a chat request whose user message has no text, and it is not the request.
_NOT_REQUEST_KEYS = frozenset({"model", "model_name", "role", "id", "type", "name", "user", "tool_choice", "system"})


def request_text(value: Any) -> str | None:
    """The user's request inside a generic input value (a root span's ``input.value`` and alike).

    A chat payload (``messages``) answers with its last user message or nothing: when that message
    has no text, the request is missing, not whatever other string the payload holds.
    """
    original = value
    value = maybe_json(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        messages = value.get("messages")
        if isinstance(messages, list) and _has_user(messages):
            return last_user_text(messages)
        for key in _QUESTION_KEYS:
            if isinstance(value.get(key), str):
                return str(value[key])
        kwargs = value.get("kwargs")
        args = value.get("args")
        if isinstance(kwargs, dict) or isinstance(args, list):  # traceloop {"args":[…],"kwargs":{…}}
            for candidate in [*(args or []), *((kwargs or {}).values())]:
                text = request_text(candidate)
                if text:
                    return text
            return None
        strings = [v for k, v in value.items() if isinstance(v, str) and k not in _NOT_REQUEST_KEYS]
        if len(strings) == 1:
            return strings[0]
        return _as_given(original, value)
    if isinstance(value, list):
        if _has_user(value):
            return last_user_text(value)
        return _as_given(original, value)
    return str(value)


def _as_given(original: Any, parsed: Any) -> str | None:
    """The text of a value that is not a known shape: the string as recorded, not re-serialised."""
    return original if isinstance(original, str) else as_str(parsed)


def answer_text(value: Any) -> str | None:
    """The answer inside a generic output value (``output.value`` of a root span and alike)."""
    original = value
    value = maybe_json(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("answer", "output", "response", "content", "text", "result", "message"):
            inner = value.get(key)
            if isinstance(inner, str):
                return inner
            if isinstance(inner, dict) and isinstance(inner.get("content"), str):
                return str(inner["content"])
        choices = value.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[-1], dict):
            return text_of(dig(choices[-1], "message", "content"))
        messages = value.get("messages")
        if isinstance(messages, list) and messages:
            return text_of(messages[-1].get("content") if isinstance(messages[-1], dict) else messages[-1])
        strings = [v for v in value.values() if isinstance(v, str)]
        if len(strings) == 1:
            return strings[0]
        return _as_given(original, value)
    return _as_given(original, value)


def _has_user(messages: list[Any]) -> bool:
    return any(isinstance(m, dict) and m.get("role") in ("user", "human") for m in messages)


def last_user_text(messages: list[Any]) -> str | None:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") in ("user", "human"):
            return text_of(message.get("content", message.get("parts")))
    return None


_DOC_TEXT_KEYS = ("content", "page_content", "text", "document")


def looks_like_documents(value: Any) -> bool:
    """A non-empty list of objects that each carry document text (``content``, ``page_content`` …)."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and any(isinstance(item.get(k), str) for k in _DOC_TEXT_KEYS) for item in value)
    )


def documents_from_list(value: Any) -> list[Any]:
    """Documents from a list of dicts: ``{id, content|page_content|text, score, metadata}``.

    Used where a convention has no retrieval attributes of its own and the documents are simply
    the return value of the retrieval step (OpenLLMetry tasks, LangChain retrievers).
    """
    from reviewdesk.domain.case import Document

    documents = []
    for rank, item in enumerate(value if isinstance(value, list) else [], start=1):
        if not isinstance(item, dict):
            continue
        metadata = maybe_json(item.get("metadata"))
        meta: dict[str, Any] = dict(metadata) if isinstance(metadata, dict) else {}
        extra = {k: v for k, v in item.items() if k not in ("id", "score", "metadata", "type", *_DOC_TEXT_KEYS)}
        meta.update(extra)
        text = next((item[k] for k in _DOC_TEXT_KEYS if isinstance(item.get(k), str)), None)
        documents.append(
            Document(
                id=as_str(first(item.get("id"), meta.get("id"), meta.get("doc_id"))),
                content=text,
                score=as_float(first(item.get("score"), meta.get("score"), meta.get("relevance_score"))),
                source=as_str(first(meta.get("source"), meta.get("url"), meta.get("file_path"))),
                metadata=meta,
                rank=rank,
            )
        )
    return documents


# Objects whose ``instructions`` are the system prompt the model ran under: OpenAI Responses
# (request and response), Assistants (``assistant``, ``thread.run``) and Agents SDK agents.
_INSTRUCTED_OBJECTS = ("response", "assistant", "thread.run")


def instructions_in(value: Any, *, output: bool = False) -> str | None:
    """System instructions carried in a generic input (``{"prompt", "system"}``, an agent's or
    assistant's ``instructions``, traceloop ``kwargs``), or in an output that echoes them (a
    Responses API response, an Assistants run); ``None`` when there are none."""
    if output and isinstance(value, str) and '"object"' not in value and "\\" not in value:
        # Only an object with an "object" key echoes instructions, and without escapes that key
        # is in the text as written: a tool's output (often a large JSON) is not parsed again.
        return None
    value = maybe_json(value)
    if not isinstance(value, dict):
        return None
    if output and value.get("object") not in _INSTRUCTED_OBJECTS:
        return None
    for key in ("instructions", "system", "system_prompt", "system_message"):
        text = value.get(key)
        if isinstance(text, str) and text.strip():
            return text
    for key in ("assistant", "agent", "kwargs"):
        inner = value.get(key)
        if isinstance(inner, dict) and not output:
            text = instructions_in(inner)
            if text:
                return text
    return None


def finish_reason_of(value: Any) -> str | None:
    """A finish reason as a word (``stop``), from a string, a list of them (the last), or an object.

    LangSmith JS stores a streamed run's finish reason as the whole last chunk choice
    (``{"index": 0, "delta": {}, "finish_reason": "stop"}``); the Vercel AI SDK writes
    ``{"unified": "stop", "raw": "end_turn"}``.
    """
    for _ in range(4):  # nested objects, a few levels at most
        if isinstance(value, list):
            value = value[-1] if value else None
        elif isinstance(value, dict):
            value = first(value.get("finish_reason"), value.get("unified"), value.get("reason"), value.get("type"))
        else:
            break
    if isinstance(value, str):
        return value or None
    return None if value is None else as_str(value)

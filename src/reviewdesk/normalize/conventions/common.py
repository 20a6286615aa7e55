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
    """Best-effort plain text of a content value: a string, a list of parts, or a dict."""
    value = maybe_json(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [t for t in (_part_text(p) for p in value) if t]
        if texts:
            return "\n\n".join(texts)
        return as_str(value) if value else None
    if isinstance(value, dict):
        text = _part_text(value)
        return text if text is not None else as_str(value)
    return str(value)


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


def request_text(value: Any) -> str | None:
    """The user's request inside a generic input value (a root span's ``input.value`` and alike)."""
    value = maybe_json(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        messages = value.get("messages")
        if isinstance(messages, list):
            last_user = last_user_text(messages)
            if last_user:
                return last_user
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
        strings = [v for v in value.values() if isinstance(v, str)]
        if len(strings) == 1:
            return strings[0]
        return as_str(value)
    if isinstance(value, list):
        last_user = last_user_text(value)
        return last_user if last_user else as_str(value)
    return str(value)


def answer_text(value: Any) -> str | None:
    """The answer inside a generic output value (``output.value`` of a root span and alike)."""
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
        return as_str(value)
    return as_str(value)


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

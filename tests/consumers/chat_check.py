"""Checks an exported message list the way a model API would: the ``openai`` package's types, strictly."""

from __future__ import annotations

import json
from typing import Any

FINETUNE_KEYS = {"weight"}
"""Per-message keys OpenAI's fine-tuning format adds to Chat Completions messages (assistant only)."""


def assert_valid_chat(messages: list[dict[str, Any]], *, finetune: bool = False) -> None:
    """``messages`` validates as ``list[ChatCompletionMessageParam]``, declares no other keys, pairs every call."""
    from openai.types.chat import (
        ChatCompletionAssistantMessageParam,
        ChatCompletionDeveloperMessageParam,
        ChatCompletionMessageParam,
        ChatCompletionSystemMessageParam,
        ChatCompletionToolMessageParam,
        ChatCompletionUserMessageParam,
    )
    from pydantic import TypeAdapter

    by_role: dict[str, Any] = {
        "system": ChatCompletionSystemMessageParam,
        "developer": ChatCompletionDeveloperMessageParam,
        "user": ChatCompletionUserMessageParam,
        "assistant": ChatCompletionAssistantMessageParam,
        "tool": ChatCompletionToolMessageParam,
    }
    plain = [{k: v for k, v in m.items() if not (finetune and k in FINETUNE_KEYS)} for m in messages]
    TypeAdapter(list[ChatCompletionMessageParam]).validate_python(plain, strict=True)
    pending: list[str] = []
    seen: set[str] = set()
    for message in messages:
        extra = set(message) - set(by_role[message["role"]].__annotations__)
        if finetune and message["role"] == "assistant":
            extra -= FINETUNE_KEYS
        assert not extra, f"undeclared keys {extra} in {message}"
        if message["role"] == "tool":
            # A tool message answers a call of the assistant message before it, by id.
            assert message["tool_call_id"] in pending, (message, pending)
            pending.remove(message["tool_call_id"])
            continue
        assert not pending, f"calls {pending} unanswered before {message}"
        for call in message.get("tool_calls") or []:
            assert call["id"] not in seen, f"call id {call['id']} used twice"
            seen.add(call["id"])
            pending.append(call["id"])
            json.loads(call["function"]["arguments"])  # arguments are a JSON string
    assert not pending, f"calls {pending} never answered"


def message_lists(fmt: str, record: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every conversation a record of ``fmt`` carries."""
    if fmt in ("promptfoo-yaml", "promptfoo-jsonl"):
        return [record["vars"]["messages"]]
    if fmt == "langfuse-dataset":
        return [record["input"]["messages"]]
    if fmt == "langsmith-examples":
        return [record["inputs"]["messages"]]
    if fmt in ("openai-evals", "openai-evals-graded"):
        return [record["input"]]
    if fmt == "openai-finetune":
        return [record["messages"]]
    raise AssertionError(fmt)


CHAT_FORMATS = [
    "promptfoo-yaml",
    "promptfoo-jsonl",
    "langfuse-dataset",
    "langsmith-examples",
    "openai-evals",
    "openai-evals-graded",
    "openai-finetune",
]

"""Every exported conversation is a message list a model API accepts (the ``openai`` package's types),
on the labeled fixtures and on hostile multi-turn tool-calling cases; fine-tuning trains only on
what a reviewer approved."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.exporters import chat
from tests.consumers import hostile
from tests.consumers.chat_check import CHAT_FORMATS, assert_valid_chat, message_lists
from tests.consumers.hostile import HostileWorkspace
from tests.consumers.labeled import LabeledWorkspace
from tests.unit.exporters.helpers import records


@pytest.mark.parametrize("fmt", CHAT_FORMATS)
def test_every_exported_conversation_validates(
    labeled_export: tuple[LabeledWorkspace, dict[str, Path]],
    hostile_export: tuple[HostileWorkspace, dict[str, Path]],
    fmt: str,
) -> None:
    checked = 0
    for _, files in (labeled_export, hostile_export):
        for record in records(files[fmt]):
            for messages in message_lists(fmt, record):
                assert_valid_chat(messages, finetune=fmt == "openai-finetune")
                checked += 1
    assert checked >= 5


@pytest.mark.parametrize("fmt", [f for f in CHAT_FORMATS if f != "openai-finetune"])
def test_earlier_tool_calls_survive_in_the_input(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]], fmt: str
) -> None:
    _, files = hostile_export
    for record in records(files[fmt]):
        (messages,) = message_lists(fmt, record)
        assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "assistant", "user"]
        call = messages[2]["tool_calls"][0]
        assert call["function"]["name"] == "lookup_order"
        assert messages[3]["tool_call_id"] == call["id"]
        assert messages[3]["content"] == f"delivered {hostile.TEMPLATE}"  # nested text is never template-escaped
        assert messages[-1]["content"] in hostile.REQUEST.values()


def test_the_recorded_exchange_of_the_multi_turn_formats_validates(
    labeled_export: tuple[LabeledWorkspace, dict[str, Path]],
    hostile_export: tuple[HostileWorkspace, dict[str, Path]],
) -> None:
    """DeepEval turns and Ragas messages are made from ``chat.recorded_conversation``: a valid list."""
    from reviewdesk.domain.case import Case

    checked = 0
    for _, files in (labeled_export, hostile_export):
        for record in records(files["reviewdesk-jsonl"]):
            case = Case.model_validate(record)
            messages = chat.recorded_conversation(case)
            assert_valid_chat(messages)
            assert messages[-1] == {"role": "assistant", "content": case.generation.output or ""}
            checked += 1
    assert checked == 11


def test_finetune_trains_only_on_the_approved_or_corrected_answer(
    hostile_export: tuple[HostileWorkspace, dict[str, Path]],
) -> None:
    _, files = hostile_export
    lines = records(files["openai-finetune"])
    finals = [line["messages"][-1]["content"] for line in lines]
    assert sorted(finals) == sorted([hostile.OUTPUT["good"], hostile.CORRECTION])  # the rejected answers: no line
    for line in lines:
        *earlier, final = line["messages"]
        assert "weight" not in final  # default weight 1: the one trained turn
        assistants = [m for m in earlier if m["role"] == "assistant"]
        assert len(assistants) == 4  # earlier tool call, earlier answer, two trajectory calls
        assert all(m["weight"] == 0 for m in assistants)
        for rejected in (hostile.OUTPUT["bad"], hostile.OUTPUT["fixed"]):
            assert all(m.get("content") != rejected for m in line["messages"])


def test_chat_messages_pairs_orphans_and_unanswered_calls() -> None:
    from reviewdesk.domain.case import Message, ToolCallRequest

    messages = chat.chat_messages(
        [
            Message(role="user", content="hi"),
            Message(
                role="assistant", tool_calls=[ToolCallRequest(id="a", name="f"), ToolCallRequest(id="a", name="g")]
            ),
            Message(role="tool", tool_call_id="a", content="first"),
            Message(role="human", content="next"),
            Message(role="tool", name="lookup", content="result without a call"),
        ]
    )
    assert_valid_chat(messages)
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "tool", "user", "assistant", "tool"]
    assert [c["id"] for c in messages[1]["tool_calls"]] == ["a", "a_2"]  # a reused id is made unique
    assert messages[3] == {"role": "tool", "tool_call_id": "a_2", "content": ""}  # unanswered call answered empty
    assert messages[5]["tool_calls"][0]["function"]["name"] == "lookup"  # an orphan result gets its call

"""OpenAI formats: Evals samples (one file per eval class) and chat fine-tuning lines.

OpenAI Evals' classes read different keys, and ``Match`` fails on a sample without ``ideal``
("sample must have an 'ideal' key"), so each eval class gets a file in which every line has what
it needs:

* ``openai-evals`` — ``{"input": [chat messages], "ideal": expected}`` for the basic
  ``evals.elsuite.basic.match:Match`` (also ``Includes`` and ``FuzzyMatch``). Only cases with an
  expected output; a regression case has no ideal answer and is skipped with that reason.
* ``openai-evals-graded`` — ``{"input", "criteria", "ideal"?}`` for the model-graded
  ``evals.elsuite.modelgraded.classify:ModelBasedClassify`` with the ``closedqa`` spec, which takes
  ``{criteria}`` from each sample: the rubric for a failing case, "agrees with the approved
  answer" otherwise. Every eval case fits.

The export summary names the class the file is for (``Exporter.summary``).

**Fine-tuning** (``openai-finetune``): ``{"messages": [...], "tools": [...]}`` in the Chat
Completions shape — the conversation, then the trajectory the application ran (an assistant
``tool_calls`` message and a ``tool`` result per call), then the expected answer. Every assistant
turn but that final answer has ``weight: 0``, so training learns only what a reviewer approved
or corrected. Only cases with an expected output are training examples; a case whose tool calls
themselves were judged wrong is left out (the label has no corrected trajectory, and training on
the recorded one would teach the mistake), and so is a failed case whose "correction" is the
rejected answer itself.
"""

from __future__ import annotations

from typing import Any

from reviewdesk.domain.case import Message
from reviewdesk.exporters import chat, mapping
from reviewdesk.exporters.base import ExportItem, ExportOptions
from reviewdesk.exporters.jsonlines import JsonLinesExporter

BAD_TRAJECTORY = frozenset({"wrong_tool", "excessive_agency"})
"""Root causes that say the tool calls themselves were wrong."""
NO_EXPECTED = "no expected output (a training example needs a good answer)"
NO_IDEAL = "no expected output: Match needs an ideal answer (openai-evals-graded takes these cases)"
WRONG_TRAJECTORY = "tool calls labeled wrong (wrong_tool / excessive_agency): no corrected trajectory to train on"
REJECTED_ANSWER = "the corrected output is the answer the reviewer rejected"
MATCH_CLASS = "evals.elsuite.basic.match:Match"
GRADED_CLASS = "evals.elsuite.modelgraded.classify:ModelBasedClassify"


def evals_input(item: ExportItem) -> list[dict[str, Any]]:
    """The input conversation for OpenAI Evals: Chat Completions messages, with ``""`` for no text.

    The evals library formats every message's content as text (model-graded specs escape its
    braces), so a tool-calling assistant turn carries ``""`` rather than ``null`` — still a valid
    Chat Completions message.
    """
    messages = chat.input_messages(item.case)
    for message in messages:
        if message.get("content") is None:
            message["content"] = ""
    return messages


class OpenAIEvalsExporter(JsonLinesExporter):
    name = "openai-evals"
    title = "OpenAI Evals samples for Match/Includes/FuzzyMatch (JSONL: input, ideal)"
    summary = f"for OpenAI Evals {MATCH_CLASS} (also Includes, FuzzyMatch): every line has an ideal answer"

    def skip_reason(self, item: ExportItem) -> str | None:
        reason = mapping.eval_skip_reason(item)
        if reason is None and mapping.expected_output(item.case) is None:
            return NO_IDEAL
        return reason

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        expected = mapping.expected_output(item.case)
        if expected is None:
            return None
        return {"input": evals_input(item), "ideal": expected, "metadata": mapping.provenance(item)}


def graded_criteria(item: ExportItem, options: ExportOptions) -> str:
    """What the closedqa grader checks: the rubric of a failing case, else agreement with the approved answer."""
    case = item.case
    expected = mapping.expected_output(case)
    rubric = mapping.rubric(case, options)
    parts = [rubric] if rubric else []
    if expected is not None:
        parts.append(f"The answer must agree with this reviewer-approved answer: {expected}")
    return "\n".join(parts)


class OpenAIEvalsGradedExporter(JsonLinesExporter):
    name = "openai-evals-graded"
    title = "OpenAI Evals samples for model-graded closedqa (JSONL: input, criteria)"
    summary = f"for OpenAI Evals {GRADED_CLASS} with the closedqa spec: every line has criteria"

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        line: dict[str, Any] = {
            "input": evals_input(item),
            "criteria": graded_criteria(item, options),
            "metadata": mapping.provenance(item),
        }
        expected = mapping.expected_output(item.case)
        if expected is not None:
            line["ideal"] = expected
        return line


def finetune_messages(item: ExportItem, expected: str) -> list[dict[str, Any]]:
    """Conversation, then the recorded tool trajectory, then the expected answer; only that answer is trained on."""
    case = item.case
    messages = chat.chat_messages(
        [*mapping.conversation(case), *chat.trajectory(case), Message(role="assistant", content=expected)]
    )
    for message in messages[:-1]:
        if message["role"] == "assistant":
            message["weight"] = 0
    return messages


class OpenAIFinetuneExporter(JsonLinesExporter):
    name = "openai-finetune"
    title = "OpenAI chat fine-tuning (JSONL: messages, tools)"

    def skip_reason(self, item: ExportItem) -> str | None:
        reason = mapping.eval_skip_reason(item)
        if reason is not None:
            return reason
        case = item.case
        expected = mapping.expected_output(case)
        if expected is None:
            return NO_EXPECTED
        if case.labels is not None and BAD_TRAJECTORY & set(case.labels.root_causes) and case.tool_calls:
            return WRONG_TRAJECTORY
        if mapping.is_failing(case) and expected == case.generation.output:
            return REJECTED_ANSWER
        return None

    def record(self, item: ExportItem, options: ExportOptions) -> dict[str, Any] | None:
        expected = mapping.expected_output(item.case)
        if expected is None or self.skip_reason(item) is not None:  # never a line that trains a rejected answer
            return None
        line: dict[str, Any] = {"messages": finetune_messages(item, expected)}
        tools = chat.inferred_tools(item.case)
        if tools:
            line["tools"] = tools
        return line

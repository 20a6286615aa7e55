"""``SpanView``: what one span means, whatever convention it was written in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from reviewdesk.domain.case import Document, Feedback, Message, PromptTemplate, ToolCallRequest
from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize.attrs import AttrIndex


class SpanKind(StrEnum):
    """The role of a span in the interaction, independent of convention."""

    LLM = "llm"
    TOOL = "tool"
    RETRIEVAL = "retrieval"
    RERANKER = "reranker"
    EMBEDDING = "embedding"
    AGENT = "agent"
    CHAIN = "chain"
    GUARDRAIL = "guardrail"
    EVALUATOR = "evaluator"
    OTHER = "other"


@dataclass(slots=True)
class SpanView:
    """The interpreted content of one span. Fields are ``None``/empty when the span does not say.

    Conventions fill it in priority order and never overwrite what an earlier one set, so a span
    that carries both OpenInference and GenAI attributes keeps the richer reading.
    """

    span: RawSpan
    attrs: AttrIndex
    """The span's attribute keys grouped once, for the readers' list and prefix lookups."""
    kind: SpanKind = SpanKind.OTHER
    conventions: list[str] = field(default_factory=list)
    # generic input/output (root spans, chains, tools)
    input_value: Any = None
    output_value: Any = None
    # LLM calls
    request_model: str | None = None
    response_model: str | None = None
    provider: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    input_messages: list[Message] = field(default_factory=list)
    output_messages: list[Message] = field(default_factory=list)
    system_instructions: str | None = None
    finish_reason: str | None = None
    refusal: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    total_tokens: int | None = None
    cached_input_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: float | None = None
    prompt_template: PromptTemplate | None = None
    # tools
    tool_name: str | None = None
    tool_call_id: str | None = None
    tool_arguments: Any = None
    tool_result: Any = None
    tool_requests: list[ToolCallRequest] = field(default_factory=list)
    # retrieval
    retrieval_query: str | None = None
    documents: list[Document] = field(default_factory=list)
    # errors and outcome
    error_type: str | None = None
    error_message: str | None = None
    feedback: list[Feedback] = field(default_factory=list)
    # identity hints (workflow, release, session, user, tenant)
    identity: dict[str, str] = field(default_factory=dict)

    def setdefault(self, name: str, value: Any) -> None:
        """Set ``name`` unless a higher-priority convention already did (empty counts as unset)."""
        if value is None or value in ("", [], {}):
            return
        current = getattr(self, name)
        if current is None or current in ([], {}):
            setattr(self, name, value)

    def set_identity(self, key: str, value: Any) -> None:
        if value is None or value == "":
            return
        self.identity.setdefault(key, str(value))

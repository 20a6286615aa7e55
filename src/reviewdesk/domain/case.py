"""The normalized case: reviewdesk's public contract.

A case is one trace seen as one interaction: what the user asked, what the model was told and
given, which tools it called, what it answered, what that cost, and how it was judged. Every
importer, whatever the trace format, produces exactly this shape (the rules are in
``docs/case-rules.md``). Its JSON form is what ``reviewdesk show --json`` prints and what the
``reviewdesk-jsonl`` export writes, one case per line (that export alone also fills
``label_history``). Later versions may add fields; they do not remove or rename these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_serializer,
    model_serializer,
)

from reviewdesk.domain.labels import Label, LabelChange

CASE_FORMAT_VERSION = 5
"""2 added the optional ``label_history``; 3 the team-review fields (``resolution``,
``reviewer_labels``, and each history event's ``id``, ``kind``, ``label_of``, ``settles``); 4
``usage.cached_input_tokens``, ``reasoning_tokens`` and ``cost_estimate``; 5 the facts a reviewer
judges by (``root_span_id``, ``generation.span_id``, ``generation.finish_flagged``, each document's
``updated_at``, ``age_days`` and ``cited``, each tool call's ``recovered``, ``tool_errors`` and
``recovered_errors``). Each version's cases are valid cases of the next without the new fields."""

Status = Literal["ok", "error"]
JsonValue = Any  # arguments, results and metadata are whatever JSON the trace carried


class _Model(BaseModel):
    # Attribute docstrings become JSON Schema descriptions, so the schema documents itself.
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=False)


class Source(_Model):
    """Where the case came from."""

    format: str
    """Importer that read the trace, e.g. ``otlp-json`` or ``otlp-jsonl``."""
    file: str
    """Base name of the file the trace was imported from (the most recent one, if several)."""


class ErrorInfo(_Model):
    """The first error of the trace: the root span's if it failed, else the earliest failing span's."""

    type: str | None = None
    """Exception class or error code, e.g. ``TimeoutError`` or ``429``."""
    message: str | None = None
    """The error message as the trace recorded it."""
    span_id: str | None = None
    """The span on which the error was recorded."""


class ToolCallRequest(_Model):
    """A tool call requested by the model inside an assistant message."""

    id: str | None = None
    """Call id, used to pair the call with the tool message that answers it."""
    name: str
    """Function name."""
    arguments: JsonValue = None
    """Arguments, parsed from JSON when they were a JSON string."""


class Message(_Model):
    """One chat message, flattened to text."""

    role: str
    """``system``, ``user``, ``assistant``, ``tool`` or whatever the trace used."""
    content: str | None = None
    """Text parts joined by blank lines; ``None`` when the message carried no text (a pure tool call)."""
    tool_calls: list[ToolCallRequest] | None = None
    """Tool calls an assistant message requested."""
    tool_call_id: str | None = None
    """For a ``tool`` message: the id of the call it answers."""
    name: str | None = None
    """Participant or tool name, when given."""


class PromptTemplate(_Model):
    """The managed prompt the first LLM call was rendered from, when the trace names one."""

    name: str | None = None
    version: str | None = None
    template: str | None = None
    variables: dict[str, JsonValue] | None = None


class Input(_Model):
    """What went into the interaction."""

    user_request: str | None = None
    """The last user message sent to the first LLM call, or the root span's input."""
    system_instructions: str | None = None
    """System prompt of the first LLM call."""
    prompt_template: PromptTemplate | None = None
    messages: list[Message] = Field(default_factory=list)
    """The conversation as sent to the first LLM call (history, system and user messages)."""


class Document(_Model):
    """A retrieved document."""

    id: str | None = None
    content: str | None = None
    """Document text; ``None`` when the trace recorded ids only (GenAI retrieval spans often do)."""
    score: float | None = None
    source: str | None = None
    """``metadata.source`` (or url, file, data source id) when the trace has one."""
    metadata: dict[str, JsonValue] = Field(default_factory=dict)
    rank: int
    """1-based position in the result list of its retrieval step."""
    span_id: str | None = None
    """The retrieval span that returned it."""
    updated_at: datetime | None = None
    """When the document was last updated, from its metadata (``updated_at`` or a synonym; format 5)."""
    age_days: float | None = None
    """Days from ``updated_at`` to the case's start: how old the document was when it was retrieved."""
    cited: bool = False
    """The answer names the document's id or repeats a distinctive passage of it (docs/CONTEXT.md)."""


def document_key(source: str | None, doc_id: str | None, rank: int) -> str:
    """What makes two retrievals versions of one document: its source, else its id, else its rank.

    One rule for the case facts (``normalize.facts``) and the workspace's index of dated documents
    (``storage``), which finds the newest version of a document among every case's retrievals.
    """
    return source or doc_id or f"rank-{rank}"


class Retrieval(_Model):
    """Documents retrieved anywhere in the trace, in start order of the retrieval steps."""

    query: str | None = None
    """Query of the first retrieval step."""
    documents: list[Document] = Field(default_factory=list)


class Generation(_Model):
    """The answer and the model that produced it (the last LLM call)."""

    model: str | None = None
    """Response model when known, else the requested model."""
    request_model: str | None = None
    provider: str | None = None
    parameters: dict[str, JsonValue] = Field(default_factory=dict)
    """Invocation parameters (temperature, max tokens, …) of the last LLM call."""
    output: str | None = None
    """The final answer: the last LLM output text, or the root span's output."""
    finish_reason: str | None = None
    finish_flagged: bool = False
    """The finish reason is not a normal end (``content_filter``, ``length``, ``safety`` …; format 5)."""
    refusal: str | None = None
    """The model's refusal text, when the trace records one separately."""
    span_id: str | None = None
    """The LLM span whose output is the answer: the last call that answered, else the last call (format 5)."""


class ToolCall(_Model):
    """A tool the application executed (or the model requested), in start order."""

    name: str
    arguments: JsonValue = None
    result: JsonValue = None
    """Tool output: from the tool span, or from the tool message of the next LLM call."""
    error: str | None = None
    duration_ms: float | None = None
    span_id: str | None = None
    """The tool span; the requesting LLM span when the trace has no span for the tool itself."""
    call_id: str | None = None
    recovered: bool = False
    """The call failed and a later LLM call still answered without failing (format 5)."""


class CostEstimate(_Model):
    """The cost of a trace that records none, estimated from list prices (``reviewdesk prices``)."""

    usd: float | None
    """Sum over the LLM calls that could be priced, in US dollars; ``None`` when none could be."""
    prices: str
    """The price table and its version, e.g. ``genai-prices 0.2.3``; workspace prices say so and when
    they were last changed (``workspace prices of 2026-12-02T14:00:00Z + genai-prices 0.2.3``)."""
    calls_priced: int
    calls_unpriced: int = 0
    """LLM calls left out: no token counts, or a model no price table knows (the estimate is then low)."""
    unpriced_models: list[str] = Field(default_factory=list)
    """Models of the calls left out for want of a price, to add with ``reviewdesk prices set``."""
    overridden_models: list[str] = Field(default_factory=list)
    """Models priced with the workspace's own prices instead of the table's."""


class Usage(_Model):
    """Tokens and cost summed over every LLM call of the trace."""

    input_tokens: int | None = None
    """Input tokens, cached ones included; ``None`` when no call counted them (unknown is not 0)."""
    output_tokens: int | None = None
    """Output tokens, reasoning ones included."""
    total_tokens: int | None = None
    cached_input_tokens: int | None = None
    """Input tokens read from the provider's prompt cache (billed at a lower price)."""
    reasoning_tokens: int | None = None
    """Output tokens spent on reasoning, when the provider counts them apart."""
    cost_usd: float | None = None
    """The cost the trace itself records; it always wins over an estimate."""
    cost_estimate: CostEstimate | None = None
    """Set only when the trace records no cost: what its calls cost at list prices."""
    llm_calls: int = 0

    @property
    def cost(self) -> float | None:
        """The recorded cost, else the estimate's (see ``cost_is_estimated``)."""
        if self.cost_usd is not None:
            return self.cost_usd
        return self.cost_estimate.usd if self.cost_estimate is not None else None

    @property
    def cost_is_estimated(self) -> bool:
        return self.cost_usd is None and self.cost_estimate is not None and self.cost_estimate.usd is not None


class Feedback(_Model):
    """A score, label or piece of user feedback that was already in the trace."""

    name: str
    score: float | None = None
    label: str | None = None
    comment: str | None = None
    source: str | None = None
    """Who gave it, when the trace says (``HUMAN``, ``LLM``, ``CODE``, ``ANNOTATION``, ``API`` …)."""
    span_id: str | None = None


class Outcome(_Model):
    """What happened after the answer, as far as the trace knows."""

    feedback: list[Feedback] = Field(default_factory=list)


class LabelHistoryEvent(_Model):
    """One label event of the case, as the workspace's append-only label log recorded it."""

    at: datetime
    """When the change was made (UTC)."""
    reviewer: str
    seconds_spent: float | None = None
    """Time the reviewer spent on the case for this change, when the review window measured it."""
    schema_version: int
    """Version of the label schema the change was made under."""
    change: LabelChange
    """The label fields this event set, exactly as stored: a field it did not set is absent."""
    id: str | None = None
    """The event's UUIDv7, the same in every workspace (format 3; restore and merge store an event once)."""
    kind: Literal["label", "adjudication"] = "label"
    """``label``: a change to ``label_of``'s label; ``adjudication``: a decision on the case (format 3)."""
    label_of: str | None = None
    """Whose label the change applies to (format 3; before, every event belonged to the label's last reviewer)."""
    settles: list[str] | None = None
    """An adjudication's settled reviewers (format 3)."""

    @field_serializer("change")
    def _set_fields_only(self, change: LabelChange, info: SerializationInfo) -> dict[str, Any]:
        return change.model_dump(mode=info.mode, exclude_unset=True)

    @model_serializer(mode="wrap")
    def _omit_team_fields_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key in ("id", "label_of", "settles"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class Case(_Model):
    """One trace, normalized into one reviewable interaction."""

    format_version: int = CASE_FORMAT_VERSION
    """Version of this format; readers refuse newer versions. 2 added ``label_history``, 3 the
    team-review fields, 4 the cost estimate and the cached and reasoning token counts, 5 the facts
    a reviewer judges by (span ids, finish flag, document dates and citations, recovered errors)."""
    case_id: str
    """Short stable id derived from the trace id."""
    trace_id: str
    root_span_id: str | None = None
    """The root span: the earliest span whose parent is not in the trace (format 5)."""
    source: Source
    workflow: str | None = None
    release: str | None = None
    session_id: str | None = None
    user_id: str | None = None
    tenant: str | None = None
    started_at: datetime | None = None
    """Start of the earliest span, ISO 8601 in UTC."""
    latency_ms: float | None = None
    """Duration of the root span (or of the whole trace when it has several roots)."""
    status: Status = "ok"
    """``error`` when any span of the trace failed."""
    error: ErrorInfo | None = None
    input: Input = Field(default_factory=Input)
    retrieval: Retrieval = Field(default_factory=Retrieval)
    generation: Generation = Field(default_factory=Generation)
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_errors: int = 0
    """Tool calls with an error (format 5)."""
    recovered_errors: int = 0
    """Of those, the ones the answer recovered from (``ToolCall.recovered``; format 5)."""
    usage: Usage = Field(default_factory=Usage)
    outcome: Outcome = Field(default_factory=Outcome)
    span_count: int = 0
    labels: Label | None = None
    """The resolved label, derived from the label events; ``null`` until the case is labeled.

    With one reviewer it is their label; with several, see ``resolution`` (docs/team-review.md)."""
    resolution: Literal["single", "consensus", "disputed", "adjudicated"] | None = None
    """How ``labels`` was reached: one reviewer, all agreeing, disagreeing (no verdict), or decided
    by an adjudicator. ``null`` while no reviewer gave a verdict; left out of the JSON then."""
    reviewer_labels: dict[str, Label] | None = None
    """Each reviewer's own current label, by reviewer. Only the ``reviewdesk-jsonl`` export fills
    it; left out of the JSON when unset."""
    label_history: list[LabelHistoryEvent] | None = None
    """Every label event of the case, oldest first; folding their changes in order gives ``labels``.

    Only the ``reviewdesk-jsonl`` export fills it (``[]`` for a case never labeled), so that
    restoring the file restores the whole label log. Absent everywhere else (``show --json``,
    other exports): the key is left out of the JSON when there is no history.
    """

    @model_serializer(mode="wrap")
    def _omit_absent_history(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        for key in ("label_history", "resolution", "reviewer_labels"):
            if getattr(self, key) is None:
                data.pop(key, None)
        return data

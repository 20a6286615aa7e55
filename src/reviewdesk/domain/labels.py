"""Labels and the root-cause taxonomy.

The current label of a case is derived from an append-only log of label events (who, when,
what changed); the event log is the audit trail, the source of undo, and of agreement figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["pass", "fail", "unsure"]
VERDICTS: tuple[Verdict, ...] = ("pass", "fail", "unsure")
EvidenceKind = Literal["document", "tool_call", "span"]


@dataclass(frozen=True, slots=True)
class RootCause:
    """One entry of the root-cause taxonomy. ``id`` is stable and used by the CLI and exports."""

    id: str
    layer: str
    title: str
    description: str
    retired: bool = False
    """Kept so old labels read, but not offered for new ones (``domain.taxonomy``)."""
    formerly: tuple[str, ...] = ()
    """Ids this root cause had before a rename: labels made under them read back as this one."""


DEFAULT_ROOT_CAUSES: tuple[RootCause, ...] = (
    RootCause("weak_prompt", "Prompt and input", "Weak prompt", "Instructions missing, vague or contradictory."),
    RootCause("prompt_injection", "Prompt and input", "Prompt injection", "The input or a document steered the model."),
    RootCause("user_ambiguity", "Prompt and input", "User ambiguity", "The request itself was unclear."),
    RootCause(
        "missing_context", "Retrieval", "Missing context", "The needed document was not retrieved or does not exist."
    ),
    RootCause("stale_source", "Retrieval", "Stale source", "A retrieved document was out of date."),
    RootCause("bad_retrieval", "Retrieval", "Bad retrieval", "Irrelevant, duplicated or badly ranked documents."),
    RootCause("hallucination", "Generation", "Hallucination", "A claim not supported by context or tools."),
    RootCause("wrong_refusal", "Generation", "Wrong refusal", "Refused what it should have answered."),
    RootCause("unsafe_output", "Generation", "Unsafe output", "Harmful or policy-violating content."),
    RootCause("sensitive_data", "Generation", "Sensitive data", "Exposed personal or secret data."),
    RootCause("wrong_tool", "Tool use", "Wrong tool", "Wrong tool or wrong arguments."),
    RootCause("tool_error", "Tool use", "Tool error", "The tool failed or returned an error."),
    RootCause("excessive_agency", "Tool use", "Excessive agency", "Acted without the approval it needed."),
    RootCause(
        "needless_cost",
        "Cost and latency",
        "Needless cost",
        "A costly path where simpler logic or a cheaper model would do.",
    ),
    RootCause("too_slow", "Cost and latency", "Too slow", "Latency hurt the outcome."),
    RootCause(
        "provider_error",
        "Model provider",
        "Provider error",
        "The model provider failed the call: rate limit (429), timeout, overload or a 5xx error.",
    ),
)

DEFAULT_SCORES: tuple[str, ...] = ("correctness", "groundedness", "safety", "usefulness")
SCORE_RANGE: tuple[int, int] = (1, 5)
DEFAULT_LABEL_SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Evidence(_Model):
    """What proves a root cause: a retrieved document, a tool call or a span."""

    root_cause: str
    kind: EvidenceKind
    ref: str
    """Document id, tool call span id, or span id."""


class Label(_Model):
    """The current label of a case, derived from its label events."""

    verdict: Verdict | None = None
    root_causes: list[str] = Field(default_factory=list)
    """Root-cause ids from the workspace's label schema."""
    scores: dict[str, int] = Field(default_factory=dict)
    corrected_output: str | None = None
    comment: str | None = None
    escalate: bool = False
    evidence: list[Evidence] = Field(default_factory=list)
    reviewer: str | None = None
    """Reviewer of the most recent change."""
    labeled_at: datetime | None = None
    """Time of the most recent change."""
    schema_version: int = DEFAULT_LABEL_SCHEMA_VERSION


class LabelChange(_Model):
    """The payload of one label event: only the fields it sets are present."""

    verdict: Verdict | None = None
    root_causes: list[str] | None = None
    scores: dict[str, int] | None = None
    corrected_output: str | None = None
    comment: str | None = None
    escalate: bool | None = None
    evidence: list[Evidence] | None = None

    def set_fields(self) -> dict[str, Any]:
        """The fields this change sets, including those set to ``None`` on purpose."""
        return self.model_dump(exclude_unset=True)


def apply_change(
    current: Label | None, change: LabelChange, *, reviewer: str, at: datetime, schema_version: int
) -> Label:
    """Fold one event into the current label. Replaying every event in order gives the current state."""
    base = current.model_dump() if current is not None else Label().model_dump()
    base.update(change.set_fields())
    base["reviewer"] = reviewer
    base["labeled_at"] = at
    base["schema_version"] = schema_version
    return Label.model_validate(base)

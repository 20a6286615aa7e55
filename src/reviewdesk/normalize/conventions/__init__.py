"""Read one span in every attribute convention it carries.

Conventions are detected per span, not per file: one trace (even one span) can mix OpenInference
and GenAI attributes. They are applied in priority order; each fills only what the ones before it
left empty. Attributes no convention knows stay in the raw span — nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reviewdesk.domain.spans import RawSpan
from reviewdesk.normalize.attrs import AttrIndex
from reviewdesk.normalize.conventions import genai, langfuse, langsmith, openinference, openllmetry
from reviewdesk.normalize.conventions.common import as_str, first, instructions_in, maybe_json_scalar
from reviewdesk.normalize.view import SpanView

Reader = tuple[str, Callable[[dict[str, Any], SpanView], bool], Callable[[dict[str, Any], SpanView], None]]

# OpenInference first: when a span has both (Langfuse re-exports, bridged SDKs), its flattened
# messages keep tool call ids and template variables that the GenAI copy often lacks.
READERS: list[Reader] = [
    (openinference.NAME, openinference.applies, openinference.read),
    (genai.NAME, genai.applies, genai.read),
    (openllmetry.NAME, openllmetry.applies, openllmetry.read),
    # Vendor platforms last: their payload-level fields fill what the OTel conventions left empty.
    (langfuse.NAME, langfuse.applies, langfuse.read),
    (langsmith.NAME, langsmith.applies, langsmith.read),
]

# Identity attributes, looked up on the span and then on its resource, first match wins.
_IDENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "workflow": ("reviewdesk.workflow", "workflow.name", "langfuse.trace.name"),
    "release": ("reviewdesk.release", "langfuse.release", "service.version"),
    "session_id": ("session.id", "langfuse.session.id", "gen_ai.conversation.id"),
    "user_id": ("user.id", "enduser.id", "langfuse.user.id"),
    "tenant": ("reviewdesk.tenant", "tenant.id", "tenant", "langfuse.trace.metadata.tenant"),
}

_IDENTITY_NAMES = frozenset(name for names in _IDENTITY_KEYS.values() for name in names)


def view_span(span: RawSpan) -> SpanView:
    """Interpret one raw span."""
    view = SpanView(span=span, attrs=AttrIndex(span.attributes))
    attrs = span.attributes
    # Explicit identity attributes beat anything a convention implies (e.g. an agent name).
    # Most spans have none: one set test in C instead of a lookup per name.
    if not _IDENTITY_NAMES.isdisjoint(attrs):
        for key, names in _IDENTITY_KEYS.items():
            for name in names:
                if name in attrs:
                    # Langfuse SDK v5 JSON-encodes metadata values, strings included ('"acme"').
                    view.set_identity(key, maybe_json_scalar(attrs[name]))
                    break
    for name, applies, read in READERS:
        if applies(attrs, view):
            view.conventions.append(name)
            read(attrs, view)
    if not _IDENTITY_NAMES.isdisjoint(span.resource):
        for key, names in _IDENTITY_KEYS.items():
            for name in names:
                if name in span.resource:
                    view.set_identity(key, span.resource[name])
                    break
    _read_error(span, view)
    if view.system_instructions is None:
        # No convention names them, but the span's input (or a Responses/Assistants object it
        # returned) does: agent frameworks pass the system prompt as an argument.
        view.system_instructions = instructions_in(view.input_value) or instructions_in(view.output_value, output=True)
    return view


def _read_error(span: RawSpan, view: SpanView) -> None:
    exception = next((e for e in span.events if e.name == "exception"), None)
    exc_type = as_str(exception.attributes.get("exception.type")) if exception else None
    exc_message = as_str(exception.attributes.get("exception.message")) if exception else None
    if span.failed or exception is not None:
        view.setdefault("error_type", first(exc_type, as_str(span.attributes.get("exception.type"))))
        view.setdefault(
            "error_message",
            first(
                span.status_message,
                exc_message,
                as_str(span.attributes.get("exception.message")),
                as_str(span.attributes.get("error.message")),
            ),
        )

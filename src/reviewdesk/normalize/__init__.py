"""Turn raw spans into a normalized case.

``conventions`` reads one span's attributes in whichever conventions it carries (OpenTelemetry
GenAI current and deprecated, OpenInference, OpenLLMetry) into a ``SpanView``; ``case_builder``
applies the case rules of ``docs/case-rules.md`` to the views of one trace. Pure functions, no
I/O, so every importer — OTLP today, Langfuse and LangSmith next — shares one set of rules.
"""

from reviewdesk.normalize.case_builder import build_case, case_usage, with_span_facts
from reviewdesk.normalize.conventions import view_span
from reviewdesk.normalize.cost import table_version
from reviewdesk.normalize.view import SpanKind, SpanView

__all__ = ["SpanKind", "SpanView", "build_case", "case_usage", "table_version", "view_span", "with_span_facts"]

"""Identifier types.

Integer primary keys of our own tables are ``*_rowid``; identifiers that come from the source
system (the trace bundle) are ``*_id``. Keeping the two apart in names and types stops the
classic bug of joining a trace id against a row id.
"""

from __future__ import annotations

import hashlib
from typing import NewType

TraceId = NewType("TraceId", str)
SpanId = NewType("SpanId", str)
CaseId = NewType("CaseId", str)

TraceRowId = NewType("TraceRowId", int)
SpanRowId = NewType("SpanRowId", int)
CaseRowId = NewType("CaseRowId", int)
ImportRowId = NewType("ImportRowId", int)

CASE_ID_LENGTH = 12


def normalize_hex_id(raw: str) -> str:
    """OTLP ids are case-insensitive hex; we store them lower-case so lookups are exact."""
    return raw.strip().lower()


def case_id_for_trace(trace_id: str) -> CaseId:
    """A short, stable case id derived from the trace id alone.

    Derived rather than random so that the same trace imported into two workspaces, or from two
    vendors' exports of it, gets the same case id; short so that people can type it.
    """
    digest = hashlib.sha256(trace_id.encode("utf-8")).hexdigest()
    return CaseId(digest[:CASE_ID_LENGTH])

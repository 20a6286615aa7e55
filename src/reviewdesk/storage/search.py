"""Full-text search over cases: the FTS5 table ``case_search`` (created by migration 0002).

One row per case, ``rowid = case_rowid``, with five columns: request, output, context (retrieved
documents), tools (calls, arguments, results, errors) and meta (case/trace/session/user ids,
workflow, tenant). Writers call ``index_cases`` in the same transaction that writes the cases, so
search never disagrees with the case list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

_IN_CHUNK = 500

# The same projection as migration 0002 fills the table with (kept in step by a test).
_PROJECTION = """
SELECT c.case_rowid,
       coalesce(c.user_request, ''),
       coalesce(c.output, ''),
       coalesce(json_extract(c.data, '$.retrieval.query'), '') || ' ' || coalesce((
           SELECT group_concat(coalesce(json_extract(d.value, '$.id'), '') || ' '
                               || coalesce(json_extract(d.value, '$.source'), '') || ' '
                               || coalesce(json_extract(d.value, '$.content'), ''), ' ')
           FROM json_each(c.data, '$.retrieval.documents') AS d), ''),
       coalesce((
           SELECT group_concat(coalesce(json_extract(t.value, '$.name'), '') || ' '
                               || coalesce(json_extract(t.value, '$.arguments'), '') || ' '
                               || coalesce(json_extract(t.value, '$.result'), '') || ' '
                               || coalesce(json_extract(t.value, '$.error'), ''), ' ')
           FROM json_each(c.data, '$.tool_calls') AS t), ''),
       c.case_id || ' ' || coalesce(json_extract(c.data, '$.trace_id'), '') || ' '
           || coalesce(c.workflow, '') || ' ' || coalesce(c.session_id, '') || ' '
           || coalesce(c.user_id, '') || ' ' || coalesce(c.tenant, '')
FROM cases AS c
"""
_INSERT = "INSERT INTO case_search(rowid, request, output, context, tools, meta) "

# Letters and digits only, as the unicode61 tokenizer splits them: "lookup_order" is two words,
# and quoting it as one would be a phrase query, which a detail=none index refuses.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
PREFIX_CHARS = 6
"""The longest prefix index of ``case_search`` (migration 0002: ``prefix = '2 3 4 5 6'``)."""


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def index_cases(conn: Connection, case_rows: Sequence[Mapping[str, Any]]) -> None:
    """(Re)index the cases just written by ``writes.upsert_cases(conn, case_rows)``.

    Takes the same row dicts (it needs only their ``trace_rowid``), so the import path adds one
    line after its upsert. Reading the text back from ``cases`` keeps one definition of what is
    searchable, shared with the migration that backfills older workspaces.
    """
    trace_rowids = sorted({int(row["trace_rowid"]) for row in case_rows})
    for chunk in _chunks(trace_rowids):
        marks = ", ".join(str(rowid) for rowid in chunk)  # ints only: safe to inline
        conn.execute(
            text(
                f"DELETE FROM case_search WHERE rowid IN (SELECT case_rowid FROM cases WHERE trace_rowid IN ({marks}))"
            )
        )
        conn.execute(text(f"{_INSERT}{_PROJECTION} WHERE c.trace_rowid IN ({marks})"))


def rebuild_index(conn: Connection) -> None:
    """Drop and refill the whole index (bulk loads, repairs)."""
    conn.execute(text("DELETE FROM case_search"))
    conn.execute(text(_INSERT + _PROJECTION))


def match_query(user_text: str) -> str | None:
    """Turn what a reviewer typed into a safe FTS5 query: every word must occur, as a prefix.

    User text is never passed to MATCH as is: quotes, ``AND``, ``NEAR``, column filters and
    stray parentheses would be FTS5 syntax (or syntax errors). Each word is quoted instead.
    A word longer than ``PREFIX_CHARS`` is searched by its first ``PREFIX_CHARS`` letters: FTS5
    reads a prefix lazily only from a prefix index of exactly that length, and without one it
    merges the full lists of every matching term first (a tenth of a second for a common word in
    a million cases). The looser match ("delivery" also finds "delivered") suits triage search.
    """
    words = _WORD.findall(user_text)
    if not words:
        return None
    return " ".join(f'"{word[:PREFIX_CHARS]}"*' for word in words)

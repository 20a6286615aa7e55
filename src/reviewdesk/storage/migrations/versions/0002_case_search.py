"""full-text search over cases (FTS5)

One FTS5 row per case, keyed by ``case_rowid``: the user request, the output, the retrieved
context (document ids, sources and text), the tool calls (names, arguments, results, errors) and
the case's identifiers. The import path keeps it in sync (``storage.search.index_cases``); this
revision fills it for workspaces created before it. The SQL is spelled out here rather than
imported, so this revision never changes when ``storage.search`` does.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 18:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_FILL = """
INSERT INTO case_search(rowid, request, output, context, tools, meta)
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


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
        return
    # unicode61 folds case and diacritics, so "resume" finds "Résumé". Every searched word is a
    # prefix ("refund" finds "refunds"); FTS5 answers a prefix query lazily only from a prefix
    # index of exactly that length, and otherwise merges every matching term's full list first
    # (over 100 ms for a word in most of a million cases), hence indexes for 2–6 letters.
    # detail=none stores which cases hold a term, not where: search is "all these words", never
    # phrases, and it halves the indexing time an import pays for those prefix indexes.
    op.execute(
        "CREATE VIRTUAL TABLE case_search USING fts5("
        "request, output, context, tools, meta, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6', detail = none)"
    )
    op.execute(_FILL)
    # A case deleted (retention purge, trace removed) must not linger in search results.
    op.execute(
        "CREATE TRIGGER cases_search_delete AFTER DELETE ON cases "
        "BEGIN DELETE FROM case_search WHERE rowid = old.case_rowid; END"
    )


def _upgrade_postgresql() -> None:
    # One tsvector of distinct words per case (docs/adr/0010): the words are folded and cut to
    # their first six letters in Python (``storage.search``), as FTS5 folds and matches them, so a
    # prefix query reads the GIN index. A PostgreSQL workspace is always created from revision 0001
    # in one go, so there are no cases to fill in yet. The foreign key's cascade does what the
    # SQLite trigger does: a deleted case leaves no search row behind.
    op.execute(
        "CREATE TABLE case_search ("
        " rowid BIGINT PRIMARY KEY REFERENCES cases (case_rowid) ON DELETE CASCADE,"
        " words TSVECTOR NOT NULL)"
    )
    op.execute("CREATE INDEX ix_case_search_words ON case_search USING gin (words)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE IF EXISTS case_search")
        return
    op.execute("DROP TRIGGER IF EXISTS cases_search_delete")
    op.execute("DROP TABLE IF EXISTS case_search")

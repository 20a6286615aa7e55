"""search index of distinct words: one FTS5 column of each case's folded word prefixes

Migration 0002 made ``case_search`` an FTS5 table of five text columns, indexed word by word with
prefix indexes of 2 to 6 letters, and FTS5 kept its own copy of all that text: about as much
again as the cases, and the biggest cost of an import. Search only ever asks whether every typed
word occurs as a prefix somewhere in the case, and a typed word is cut to its first six letters,
so the index now holds what PostgreSQL's already holds (docs/adr/0014): per case, its distinct
folded words cut to six letters, in one column ``words``, computed in Python
(``storage.search_words``). The ``ascii`` tokenizer keeps every stored word as one term (the
words are folded already; it only splits at ASCII punctuation and spaces, which they lack);
prefix indexes of 2 to 5 letters (a six-letter query is an exact term); ``columnsize = 0``
(no ranking, so no per-row sizes). The table keeps its content (the words, now small): SQLite
3.40 cannot delete from a contentless table, and cases are deleted (trigger, retention) and
re-indexed. PostgreSQL: nothing to change (its ``case_search`` holds these words already).

Unlike 0002 this revision uses the app's word function rather than a frozen copy: what it
stores must be what the app stores and searches for, and a change to those words comes with a
revision that rebuilds the index again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:30:00
"""

from __future__ import annotations

import orjson
from alembic import op

from reviewdesk.storage.search_words import case_words

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PAGE = 2_000
_CASE_COLUMNS = "case_rowid, case_id, user_request, output, workflow, session_id, user_id, tenant, data"

_TRIGGER = (
    "CREATE TRIGGER cases_search_delete AFTER DELETE ON cases "
    "BEGIN DELETE FROM case_search WHERE rowid = old.case_rowid; END"
)

# Migration 0002's table and fill, for the way back.
_OLD_TABLE = (
    "CREATE VIRTUAL TABLE case_search USING fts5("
    "request, output, context, tools, meta, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6', detail = none)"
)
_OLD_FILL = """
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
        return
    op.execute("DROP TRIGGER IF EXISTS cases_search_delete")
    op.execute("DROP TABLE IF EXISTS case_search")
    op.execute(
        "CREATE VIRTUAL TABLE case_search USING fts5("
        "words, tokenize = 'ascii', prefix = '2 3 4 5', detail = none, columnsize = 0)"
    )
    conn = op.get_bind()
    after = 0
    while True:
        page = conn.exec_driver_sql(
            f"SELECT {_CASE_COLUMNS} FROM cases WHERE case_rowid > ? ORDER BY case_rowid LIMIT {_PAGE}", (after,)
        ).all()
        if not page:
            break
        words = {int(row[0]): case_words(dict(row._mapping)) for row in page}
        conn.exec_driver_sql(
            "INSERT INTO case_search(rowid, words) SELECT CAST(key AS INTEGER), value FROM json_each(?)",
            (orjson.dumps(words, option=orjson.OPT_NON_STR_KEYS),),
        )
        after = int(page[-1][0])
    op.execute(_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS cases_search_delete")
    op.execute("DROP TABLE IF EXISTS case_search")
    op.execute(_OLD_TABLE)
    op.execute(_OLD_FILL)
    op.execute(_TRIGGER)

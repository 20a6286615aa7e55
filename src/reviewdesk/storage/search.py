"""Full-text search over cases: the table ``case_search`` (created by migration 0002).

On SQLite an FTS5 table: one row per case, ``rowid = case_rowid``, with five columns: request,
output, context (retrieved documents), tools (calls, arguments, results, errors) and meta
(case/trace/session/user ids, workflow, tenant). On PostgreSQL a table of one ``tsvector`` per case
with a GIN index (docs/adr/0010-postgresql-workspaces.md): the same text, cut into words and folded
here as FTS5's unicode61 tokenizer does, each word kept as its first ``PREFIX_CHARS`` letters — so
"every word, as a prefix" matches the same cases on both engines.

Writers call ``index_cases`` in the same transaction that writes the cases, so search never
disagrees with the case list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Connection, Select, bindparam, column, false, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ColumnElement
from sqlalchemy.types import NullType, Text

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
    if conn.dialect.name == "postgresql":
        _index_postgresql(conn, sorted({int(row["trace_rowid"]) for row in case_rows}))
        return
    trace_rowids = sorted({int(row["trace_rowid"]) for row in case_rows})
    for chunk in _chunks(trace_rowids):
        marks = ", ".join(str(rowid) for rowid in chunk)  # ints only: safe to inline
        conn.execute(
            text(
                f"DELETE FROM case_search WHERE rowid IN (SELECT case_rowid FROM cases WHERE trace_rowid IN ({marks}))"
            )
        )
        conn.execute(text(f"{_INSERT}{_PROJECTION} WHERE c.trace_rowid IN ({marks})"))


PENDING_BYTES = 8 << 20
"""FTS5's ``hashsize`` on SQLite: how much of a transaction's new terms it gathers in memory before
writing them out as a segment of the index. The default (1 MB) wrote several small segments per
import batch (500 cases, five prefix indexes), each merged again later: 8 MB writes about one,
for about a fifth fewer instructions spent indexing (cachegrind, the bench's cases) and about
3 MB more memory while a batch is indexed."""


def tune_for_imports(conn: Connection) -> None:
    """Give ``case_search`` its import setting (``PENDING_BYTES``), kept in the index's own
    configuration; nothing to do on PostgreSQL or once set. Called in an import's first transaction."""
    if conn.dialect.name == "postgresql":
        return
    current = conn.execute(text("SELECT v FROM case_search_config WHERE k = 'hashsize'")).scalar()
    if current != PENDING_BYTES:
        conn.execute(text(f"INSERT INTO case_search(case_search, rank) VALUES ('hashsize', {int(PENDING_BYTES)})"))


def rebuild_index(conn: Connection) -> None:
    """Drop and refill the whole index (bulk loads, repairs)."""
    conn.execute(text("DELETE FROM case_search"))
    if conn.dialect.name == "postgresql":
        _index_postgresql(conn, None)
        return
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


# -- PostgreSQL ------------------------------------------------------------------------------------

_CASES = table(
    "cases",
    column("case_rowid"),
    column("trace_rowid"),
    column("case_id"),
    column("user_request"),
    column("output"),
    column("workflow"),
    column("session_id"),
    column("user_id"),
    column("tenant"),
    column("data"),
)
_UPSERT_WORDS = text(
    "INSERT INTO case_search (rowid, words) VALUES (:rowid, array_to_tsvector(:words))"
    " ON CONFLICT (rowid) DO UPDATE SET words = excluded.words"
).bindparams(bindparam("words", type_=ARRAY(Text())))
_PAGE = 2_000


def _index_postgresql(conn: Connection, trace_rowids: Sequence[int] | None) -> None:
    """Index the cases of ``trace_rowids`` (``None``: every case, page by page), reading them back from ``cases``."""
    c = _CASES.c
    columns = (c.case_rowid, c.case_id, c.user_request, c.output, c.workflow, c.session_id, c.user_id, c.tenant, c.data)
    if trace_rowids is not None:
        for chunk in _chunks(trace_rowids):
            _store_words(conn, conn.execute(select(*columns).where(c.trace_rowid.in_(chunk))).all())
        return
    after = 0
    while True:
        page = conn.execute(select(*columns).where(c.case_rowid > after).order_by(c.case_rowid).limit(_PAGE)).all()
        if not page:
            return
        _store_words(conn, page)
        after = int(page[-1][0])


def _store_words(conn: Connection, rows: Sequence[Any]) -> None:
    values = [{"rowid": row[0], "words": sorted(case_words(row[1:]))} for row in rows]
    if values:
        conn.execute(_UPSERT_WORDS, values)


def _fields(case_id: str, request: Any, output: Any, ids: Sequence[Any], data: Mapping[str, Any]) -> Iterable[str]:
    """The searchable text of one case: what the SQLite projection (``_PROJECTION``) selects."""
    yield case_id
    yield from (str(value) for value in (request, output, data.get("trace_id"), *ids) if value is not None)
    retrieval = data.get("retrieval") or {}
    if isinstance(retrieval, Mapping):
        if retrieval.get("query") is not None:
            yield _as_text(retrieval["query"])
        for document in retrieval.get("documents") or []:
            if isinstance(document, Mapping):
                yield from (_as_text(document[k]) for k in ("id", "source", "content") if document.get(k) is not None)
    for call in data.get("tool_calls") or []:
        if isinstance(call, Mapping):
            yield from (_as_text(call[k]) for k in ("name", "arguments", "result", "error") if call.get(k) is not None)


def _as_text(value: Any) -> str:
    """A JSON value as ``json_extract`` gives it to FTS5: strings as they are, the rest as JSON."""
    if isinstance(value, str):
        return value
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def case_words(row: Sequence[Any]) -> set[str]:
    """The distinct folded word prefixes of one case: ``(case_id, request, output, workflow,
    session_id, user_id, tenant, data)``."""
    case_id, request, output, workflow, session_id, user_id, tenant, data = row
    words: set[str] = set()
    for piece in _fields(case_id, request, output, (workflow, session_id, user_id, tenant), data or {}):
        words.update(word[:PREFIX_CHARS] for word in _WORD.findall(fold(piece)))
    return words


def fold(value: str) -> str:
    """Lower case without diacritics, as FTS5's ``unicode61 remove_diacritics 2`` compares words."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class _Matches(ColumnElement[bool]):
    """``case_search``'s row holds every word of ``user_text`` as a prefix; SQL per engine (below)."""

    inherit_cache = False  # the query text is bound per statement
    type = NullType()  # type: ignore[assignment]  # a boolean type would make SQLite write "MATCH ? = 1", which FTS5 refuses

    def __init__(self, user_text: str) -> None:
        self.user_text = user_text


@compiles(_Matches, "sqlite")
def _match_fts5(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    fts: BindParameter[str] = bindparam("fts", match_query(element.user_text), unique=True)
    return f"case_search MATCH {compiler.process(fts, **kw)}"


@compiles(_Matches, "postgresql")
def _match_tsvector(element: _Matches, compiler: SQLCompiler, **kw: Any) -> str:
    tsq: BindParameter[str] = bindparam("tsq", ts_query(element.user_text), unique=True)
    return f"case_search.words @@ CAST({compiler.process(tsq, **kw)} AS tsquery)"


def ts_query(user_text: str) -> str:
    """PostgreSQL's form of ``match_query``: ``'refund':* & 'polic':*`` over the folded words."""
    words = sorted({word[:PREFIX_CHARS] for word in _WORD.findall(fold(user_text))})
    # Stored words are at most PREFIX_CHARS long, so a word of that length can only match itself:
    # an exact lookup, cheaper in the GIN index than a prefix scan (same matches).
    return " & ".join(f"'{word}'" if len(word) == PREFIX_CHARS else f"'{word}':*" for word in words)


def matches(user_text: str) -> ColumnElement[bool] | None:
    """The condition on ``case_search`` that its row matches ``user_text`` (every word, as a prefix);
    ``None`` when nothing but punctuation was typed, which matches nothing."""
    if match_query(user_text) is None or not ts_query(user_text):
        return None
    return _Matches(user_text)


SEARCH_TABLE = table("case_search", column("rowid"))
"""The search table, for joins: its ``rowid`` is the case's ``case_rowid`` on both engines."""


def matching_rowids(user_text: str) -> Select[Any]:
    """``SELECT rowid FROM case_search WHERE <matches>`` (no rows when nothing can match)."""
    condition = matches(user_text)
    return select(SEARCH_TABLE.c.rowid).where(condition if condition is not None else false())


# -- PostgreSQL's plans for a search -----------------------------------------------------------------
#
# A case's words are a few kilobytes of tsvector, kept out of line (TOAST), so testing one case
# against a query means reading its words back: about 12 µs a case on the 2-core bench machine,
# which the planner does not count. Left to itself it walks ``case_search`` in row id order and
# tests every row whenever a LIMIT is near (a count capped at 10,001, a page of 100): fine for a
# word in half the cases (two rows read per match), 0.4 s for a count of one in 1 % of them, and
# 5 s for an uncapped count. The GIN index answers without reading any words (the query needs
# no recheck), at a cost that grows with the matches (about 0.1 µs each). So each search says
# which plan it wants, in its own transaction (``SET LOCAL``, reset after the statement).

WALK_ABOVE = 0.04
"""A page in row id order walks ``case_search`` (testing each row) when about this share of the
cases or more match: it reads about ``page / share`` rows, which beats fetching every match
from the index (``share × cases``) above a few per cent on a million cases."""

_BITMAP = ("enable_seqscan", "enable_indexscan")
_WALK = ("enable_bitmapscan", "enable_seqscan")


@contextmanager
def index_plan(session: Session) -> Iterator[None]:
    """Statements run inside find their matches through the GIN index (PostgreSQL; SQLite's FTS5
    needs no help): counts, and pages that sort every match."""
    with _planner_off(session, _BITMAP):
        yield


@contextmanager
def page_plan(session: Session, user_text: str) -> Iterator[None]:
    """A page of matches in row id order: walked when the query is common, else from the index."""
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    with _planner_off(session, _WALK if estimated_share(session, user_text) >= WALK_ABOVE else _BITMAP):
        yield


def estimated_share(session: Session, user_text: str) -> float:
    """PostgreSQL's estimate (from ANALYZE's word statistics) of the share of cases matching
    ``user_text``: enough to choose a plan, which changes nothing of what matches."""
    plan = session.execute(
        text("EXPLAIN (FORMAT JSON) SELECT 1 FROM case_search WHERE words @@ CAST(:q AS tsquery)"),
        {"q": ts_query(user_text)},
    ).scalar_one()
    rows = float((plan if isinstance(plan, list) else orjson.loads(plan))[0]["Plan"]["Plan Rows"])
    total = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'case_search'::regclass")).scalar_one()
    return rows / max(float(total or 0), 1.0)


_PLAN = "reviewdesk.search_plan"  # the planner settings this session's transaction has off now


@contextmanager
def _planner_off(session: Session, settings: Sequence[str]) -> Iterator[None]:
    """Switch ``settings`` off for the block, and back as they were after it.

    Nested blocks asking for what is already off cost nothing (each SET is a round trip, which
    on a busy server costs milliseconds): a queue's figures are counted under one.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    before: tuple[str, ...] = session.info.get(_PLAN, ())
    if tuple(settings) == before:
        yield
        return
    # Names from the two tuples above only: nothing of the user's reaches this SQL.
    session.execute(text(_switch(before, tuple(settings))))
    session.info[_PLAN] = tuple(settings)
    try:
        yield
    finally:
        session.execute(text(_switch(tuple(settings), before)))
        session.info[_PLAN] = before


def _switch(now: tuple[str, ...], wanted: tuple[str, ...]) -> str:
    back = [f"SET LOCAL {name} TO DEFAULT" for name in now if name not in wanted]
    return "; ".join([*back, *(f"SET LOCAL {name} = off" for name in wanted if name not in now)])

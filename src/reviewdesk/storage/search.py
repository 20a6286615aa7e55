"""Full-text search over cases: the table ``case_search`` (created by migration 0002, reshaped by 0009).

Search asks one thing: does every word typed occur, as a prefix, somewhere in the case? So both
engines keep, per case, only its distinct folded words cut to their first ``PREFIX_CHARS``
letters (``storage.search_words``; docs/adr/0014-search-index-of-distinct-words.md). On SQLite
an FTS5 table of one column, ``words``, one row per case (``rowid = case_rowid``); on PostgreSQL
a table of one ``tsvector`` per case with a GIN index (docs/adr/0010-postgresql-workspaces.md).
The same words, the same queries: both engines match the same cases.

Writers call ``index_cases`` in the same transaction that writes the cases, so search never
disagrees with the case list.
"""

from __future__ import annotations

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

from reviewdesk.storage.search_words import PREFIX_CHARS, WORDS_KEY, case_words, fold, query_words

__all__ = [
    "PREFIX_CHARS",
    "WORDS_KEY",
    "case_words",
    "fold",
    "index_cases",
    "match_query",
    "matches",
    "matching_rowids",
    "rebuild_index",
    "ts_query",
    "tune_for_imports",
]

_IN_CHUNK = 500

# One JSON object per batch, ``{case_id: words}``, read by SQLite itself (``json_each``): the
# whole batch is one long call, which runs without Python's global lock on the indexing thread
# (ADR 0006), where an ``executemany`` of rows would wait for the lock at every row.
_DELETE_SQLITE = (
    "DELETE FROM case_search WHERE rowid IN"
    " (SELECT c.case_rowid FROM json_each(?) AS j JOIN cases AS c ON c.case_id = j.key)"
)
_INSERT_SQLITE = (
    "INSERT INTO case_search(rowid, words)"
    " SELECT c.case_rowid, j.value FROM json_each(?) AS j JOIN cases AS c ON c.case_id = j.key"
)


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def index_rows(case_rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What ``index_cases`` needs of written case rows: their ids and words (computed here where a row lacks them).

    An import keeps only these of a batch for its indexing thread: the rows themselves (their JSON) are freed.
    """
    return [
        {"case_id": row["case_id"], "trace_rowid": row.get("trace_rowid"), WORDS_KEY: _words(row)} for row in case_rows
    ]


def _words(row: Mapping[str, Any]) -> str:
    words = row.get(WORDS_KEY)
    return words if isinstance(words, str) else case_words(row)


def index_cases(conn: Connection, case_rows: Sequence[Mapping[str, Any]]) -> None:
    """(Re)index the cases just written by ``writes.upsert_cases(conn, case_rows)``.

    Takes the same row dicts: a row carries its words (``WORDS_KEY``, as an import's worker
    computes them) or its columns and JSON, from which they are computed here. A case indexed
    before (a trace that gained spans) has its old row replaced.
    """
    if conn.dialect.name == "postgresql":
        _index_postgresql(conn, sorted({int(row["trace_rowid"]) for row in case_rows}))
        return
    if not case_rows:
        return
    words = orjson.dumps({row["case_id"]: _words(row) for row in case_rows})
    conn.exec_driver_sql(_DELETE_SQLITE, (words,))
    conn.exec_driver_sql(_INSERT_SQLITE, (words,))


PENDING_BYTES = 8 << 20
"""FTS5's ``hashsize`` on SQLite: how much of a transaction's new terms it gathers in memory before
writing them out as a segment of the index. The default (1 MB) wrote several small segments per
import batch, each merged again later: 8 MB writes about one, for fewer instructions spent
indexing and a few MB more memory while a batch is indexed."""


def tune_for_imports(conn: Connection) -> None:
    """Give ``case_search`` its import setting (``PENDING_BYTES``), kept in the index's own
    configuration; nothing to do on PostgreSQL or once set. Called in an import's first transaction."""
    if conn.dialect.name == "postgresql":
        return
    current = conn.execute(text("SELECT v FROM case_search_config WHERE k = 'hashsize'")).scalar()
    if current != PENDING_BYTES:
        conn.execute(text(f"INSERT INTO case_search(case_search, rank) VALUES ('hashsize', {int(PENDING_BYTES)})"))


def rebuild_index(conn: Connection) -> None:
    """Drop and refill the whole index (bulk loads, repairs, migration 0009)."""
    conn.execute(text("DELETE FROM case_search"))
    if conn.dialect.name == "postgresql":
        _index_postgresql(conn, None)
        return
    for page in _case_pages(conn):
        conn.exec_driver_sql(_INSERT_SQLITE, (orjson.dumps({row["case_id"]: case_words(row) for row in page}),))


def match_query(user_text: str) -> str | None:
    """Turn what a reviewer typed into a safe FTS5 query: every word must occur, as a prefix.

    User text is never passed to MATCH as is: quotes, ``AND``, ``NEAR``, column filters and
    stray parentheses would be FTS5 syntax (or syntax errors). Each word is folded and cut as
    stored words are (``search_words``) and quoted. Stored words are at most ``PREFIX_CHARS``
    long, so a word of that length can only match itself: an exact term, read without a prefix
    index (the table has them for 2 to 5 letters). A longer typed word is searched by its first
    ``PREFIX_CHARS`` letters, so "delivery" also finds "delivered", which suits triage search.
    """
    words = query_words(user_text)
    if not words:
        return None
    return " ".join(f'"{word}"' if len(word) == PREFIX_CHARS else f'"{word}"*' for word in words)


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


_COLUMNS = (
    _CASES.c.case_rowid,
    _CASES.c.case_id,
    _CASES.c.user_request,
    _CASES.c.output,
    _CASES.c.workflow,
    _CASES.c.session_id,
    _CASES.c.user_id,
    _CASES.c.tenant,
    _CASES.c.data,
)


def _case_pages(conn: Connection) -> Iterator[list[Mapping[str, Any]]]:
    """Every case, as the columns its words come from, page by page in row id order (both engines)."""
    after = 0
    while True:
        query = select(*_COLUMNS).where(_CASES.c.case_rowid > after).order_by(_CASES.c.case_rowid).limit(_PAGE)
        page: list[Mapping[str, Any]] = [dict(row._mapping) for row in conn.execute(query)]
        if not page:
            return
        yield page
        after = int(page[-1]["case_rowid"])


def _index_postgresql(conn: Connection, trace_rowids: Sequence[int] | None) -> None:
    """Index the cases of ``trace_rowids`` (``None``: every case, page by page), reading them back from ``cases``."""
    if trace_rowids is None:
        for page in _case_pages(conn):
            _store_words(conn, page)
        return
    for chunk in _chunks(trace_rowids):
        rows = conn.execute(select(*_COLUMNS).where(_CASES.c.trace_rowid.in_(chunk)))
        _store_words(conn, [dict(row._mapping) for row in rows])


def _store_words(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    values = [{"rowid": row["case_rowid"], "words": sorted(set(case_words(row).split()))} for row in rows]
    if values:
        conn.execute(_UPSERT_WORDS, values)


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
    words = sorted(query_words(user_text))
    # Stored words are at most PREFIX_CHARS long, so a word of that length can only match itself:
    # an exact lookup, cheaper in the GIN index than a prefix scan (same matches, as on SQLite).
    return " & ".join(f"'{word}'" if len(word) == PREFIX_CHARS else f"'{word}':*" for word in words)


def matches(user_text: str) -> ColumnElement[bool] | None:
    """The condition on ``case_search`` that its row matches ``user_text`` (every word, as a prefix);
    ``None`` when nothing but punctuation was typed, which matches nothing."""
    if not query_words(user_text):
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

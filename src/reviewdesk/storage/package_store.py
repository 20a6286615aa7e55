"""Copying cases between two workspaces (review packages), and the digest that seals a package.

Plain SQLAlchemy Core on two connections: the source workspace's and the package's (a package is
itself a workspace file). Row ids differ between the two; cases, traces and spans are matched by
their case id, trace id and span id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy import column as sa_column
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import table as sa_table

from reviewdesk.domain.errors import WorkspaceError
from reviewdesk.storage import engine as storage_engine
from reviewdesk.storage import search, writes
from reviewdesk.storage.label_merge import EVENT_COLUMNS
from reviewdesk.storage.tables import CaseRow, LabelEventRow, LabelSchemaRow, SpanRow, TraceRow, WorkspaceSettingRow

_IN_CHUNK = 500


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _IN_CHUNK):
        yield items[start : start + _IN_CHUNK]


def copy_schemas(src: Connection, dst: Connection) -> None:
    """Make ``dst``'s label schemas exactly ``src``'s (every version, so old events validate)."""
    rows = [dict(row._mapping) for row in src.execute(select(LabelSchemaRow.__table__))]
    dst.execute(delete(LabelSchemaRow))
    if rows:
        dst.execute(insert(LabelSchemaRow), rows)


def _inserted(result: Any) -> int:
    key = result.inserted_primary_key
    assert key is not None  # a single-row insert always has one
    return int(key[0])


def copy_cases(src: Connection, dst: Connection, case_rowids: Sequence[int]) -> dict[int, int]:
    """Copy these cases with their traces and raw spans; returns source case row id -> package row id."""
    mapping: dict[int, int] = {}
    case_table, trace_table, span_table = CaseRow.__table__, TraceRow.__table__, SpanRow.__table__
    for chunk in _chunks(list(case_rowids)):
        cases = [dict(r._mapping) for r in src.execute(select(case_table).where(case_table.c.case_rowid.in_(chunk)))]
        trace_rowids = [c["trace_rowid"] for c in cases]
        traces = [
            dict(r._mapping)
            for r in src.execute(select(trace_table).where(trace_table.c.trace_rowid.in_(trace_rowids)))
        ]
        new_trace: dict[int, int] = {}
        for trace in traces:
            values = {**trace, "first_import_rowid": None, "last_import_rowid": None}
            old = values.pop("trace_rowid")
            new_trace[old] = _inserted(dst.execute(insert(TraceRow).values(values)))
        spans = [
            {**dict(r._mapping), "import_rowid": None}
            for r in src.execute(select(span_table).where(span_table.c.trace_rowid.in_(trace_rowids)))
        ]
        for span in spans:
            span.pop("span_rowid")
            span["trace_rowid"] = new_trace[span["trace_rowid"]]
        if spans:
            dst.execute(insert(SpanRow), spans)
        new_rows: list[dict[str, Any]] = []
        for case in cases:
            old_case = case.pop("case_rowid")
            case["trace_rowid"] = new_trace[case["trace_rowid"]]
            new_rowid = _inserted(dst.execute(insert(CaseRow).values(case)))
            mapping[old_case] = new_rowid
            new_rows.append({**case, "case_rowid": new_rowid})
        search.index_cases(dst, new_rows)
        writes.index_case_documents(dst, [(row["case_rowid"], row["data"]) for row in new_rows])
    return mapping


def content_digest(conn: Connection, settings: dict[str, Any]) -> str:
    """Package format 1's seal: SHA-256 over its settings, schemas, each case's JSON and its spans.

    Kept to verify packages made before format 2 (``sealed_digests``); it missed the cases'
    columns, and the case JSON an upgrade rewrites.
    """
    digest = hashlib.sha256()

    def feed(value: Any) -> None:
        digest.update(orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS))
        digest.update(b"\n")

    feed(settings)
    for row in conn.execute(
        select(LabelSchemaRow.version, LabelSchemaRow.root_causes, LabelSchemaRow.scores).order_by(
            LabelSchemaRow.version
        )
    ):
        feed([row.version, row.root_causes, row.scores])
    for case_id, data in conn.execute(select(CaseRow.case_id, CaseRow.data).order_by(CaseRow.case_id)):
        feed([case_id, data])
    spans = conn.execute(
        select(TraceRow.trace_id, SpanRow.span_id, SpanRow.name, SpanRow.attributes, SpanRow.events, SpanRow.start_ns)
        .join(TraceRow, TraceRow.trace_rowid == SpanRow.trace_rowid)
        .order_by(TraceRow.trace_id, SpanRow.span_id)
    )
    for row in spans:
        feed(list(row))
    return "sha256:" + digest.hexdigest()


_SPAN_SOURCE = (
    "span_id",
    "parent_span_id",
    "name",
    "otel_kind",
    "start_ns",
    "end_ns",
    "status_code",
    "status_message",
    "attributes",
    "events",
    "resource",
    "scope",
    "links",
)
"""The raw span as imported: no migration or rebuild rewrites these."""
_ROW_IDS = frozenset({"case_rowid", "trace_rowid", "first_import_rowid", "last_import_rowid"})


def _raw(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def sealed_digests(conn: Connection, settings: dict[str, Any]) -> tuple[str, str]:
    """Package format 2's seal: ``(source, content)``, two SHA-256 digests over stored values as
    the file holds them (no decoding, so any changed byte shows).

    ``source``: what nothing in reviewdesk ever rewrites: the sealed settings, the label schemas,
    each case's id and trace id, and every raw span. ``content``: that, and every column of every
    case and trace (the case JSON and the columns derived from it), which upgrades and case
    rebuilds rewrite (docs/team-review.md, "Review packages").
    """
    source, content = hashlib.sha256(), hashlib.sha256()

    def feed(value: Any, *, both: bool = True) -> None:
        line = orjson.dumps(value, default=_raw, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS) + b"\n"
        content.update(line)
        if both:
            source.update(line)

    feed(settings)
    schemas = sa_table("label_schemas", sa_column("version"), sa_column("root_causes"), sa_column("scores"))
    for row in conn.execute(select(schemas).order_by(schemas.c.version)):
        feed(list(row))
    names = sorted(c["name"] for c in sa_inspect(conn).get_columns("cases") if c["name"] not in _ROW_IDS)
    feed(names, both=False)  # the columns once, then each case's values in that order
    cases = sa_table("cases", sa_column("trace_rowid"), *(sa_column(n) for n in names))
    traces = sa_table("traces", sa_column("trace_rowid"), sa_column("trace_id"), sa_column("span_count"))
    statement = (
        select(traces.c.trace_id, traces.c.span_count, *(cases.c[n] for n in names))
        .join_from(cases, traces, traces.c.trace_rowid == cases.c.trace_rowid)
        .order_by(cases.c.case_id)
    )
    for row in conn.execute(statement).all():
        feed([row.case_id, row.trace_id])
        feed(list(row), both=False)
    spans = sa_table("spans", sa_column("trace_rowid"), *(sa_column(n) for n in _SPAN_SOURCE))
    for row in conn.execute(
        select(traces.c.trace_id, *(spans.c[n] for n in _SPAN_SOURCE))
        .join_from(spans, traces, traces.c.trace_rowid == spans.c.trace_rowid)
        .order_by(traces.c.trace_id, spans.c.span_id, spans.c.start_ns)
    ):
        feed(list(row))
    return "sha256:" + source.hexdigest(), "sha256:" + content.hexdigest()


@contextmanager
def reading(path: Path) -> Iterator[Connection]:
    """A read-only connection to a package file at whichever known schema revision it has.

    A package made before this workspace's last upgrade is older than our schema, and it is read
    as it is, never upgraded: its seal covers what it holds at the revision it was made at, and
    the columns merge reads (label events, case ids) are the same at every revision since team
    review (0004). An unknown revision is a newer reviewdesk's: ``WorkspaceError`` says so.
    """
    engine = storage_engine.create_workspace_engine(path, read_only=True)
    try:
        with engine.connect() as conn:
            current = schema_revision(conn)
            known = {rev.revision for rev in ScriptDirectory(str(storage_engine.MIGRATIONS)).walk_revisions()}
            if current is not None and current not in known:
                raise WorkspaceError(f"{path} was written by a newer reviewdesk (schema {current})")
            yield conn
    finally:
        engine.dispose()


def schema_revision(conn: Connection) -> str | None:
    """The file's Alembic revision (read directly: a package may be at an older one than ours)."""
    version = sa_table("alembic_version", sa_column("version_num"))
    return conn.execute(select(version.c.version_num)).scalar()


def settings(conn: Connection, prefix: str = "") -> dict[str, Any]:
    """The workspace settings whose key starts with ``prefix``."""
    rows = conn.execute(select(WorkspaceSettingRow.key, WorkspaceSettingRow.value).order_by(WorkspaceSettingRow.key))
    return {key: value for key, value in rows if key.startswith(prefix)}


def delete_setting(conn: Connection, key: str) -> None:
    conn.execute(delete(WorkspaceSettingRow).where(WorkspaceSettingRow.key == key))


def case_ids_of(conn: Connection, case_rowids: Sequence[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(list(case_rowids)):
        found.update(
            {
                int(r): str(c)
                for r, c in conn.execute(
                    select(CaseRow.case_rowid, CaseRow.case_id).where(CaseRow.case_rowid.in_(chunk))
                )
            }
        )
    return found


def events(conn: Connection) -> list[tuple[Any, ...]]:
    """Every label event of the package as ``(case_id, *label_merge.EVENT_COLUMNS)``, in one query."""
    columns = [LabelEventRow.__table__.c[name] for name in EVENT_COLUMNS]
    statement = select(CaseRow.case_id, *columns).join(CaseRow, CaseRow.case_rowid == LabelEventRow.case_rowid)
    return [tuple(row) for row in conn.execute(statement).all()]


def all_case_rowids(conn: Connection) -> list[int]:
    return [int(r) for r in conn.execute(select(CaseRow.case_rowid)).scalars()]

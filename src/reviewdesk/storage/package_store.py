"""Copying cases between two workspaces (review packages), and the digest that seals a package.

Plain SQLAlchemy Core on two connections: the source workspace's and the package's (a package is
itself a workspace file). Row ids differ between the two; cases, traces and spans are matched by
their case id, trace id and span id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select

from reviewdesk.storage import search, writes
from reviewdesk.storage.tables import CaseRow, LabelSchemaRow, SpanRow, TraceRow, WorkspaceSettingRow

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
    """SHA-256 over what a package holds besides its labels: its settings, schemas, cases and spans.

    The reviewer adds label events to a package; anything else changing means it was tampered with.
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


def all_case_rowids(conn: Connection) -> list[int]:
    return [int(r) for r in conn.execute(select(CaseRow.case_rowid)).scalars()]

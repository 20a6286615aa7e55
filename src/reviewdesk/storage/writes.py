"""Write paths of the workspace. Functions take a ``Connection`` inside the caller's transaction.

Imports use Core statements rather than ORM objects: a batch is thousands of rows, and
``executemany`` of plain dicts is several times faster than building mapped instances.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, update

from reviewdesk.domain.case import document_key
from reviewdesk.domain.spans import RawSpan, SpanEvent
from reviewdesk.storage import dialect
from reviewdesk.storage.rows import SpanValues, span_values
from reviewdesk.storage.tables import DOCUMENT_KEY_LENGTH, CaseDocumentRow, CaseRow, SpanRow, TraceRow

_IN_CHUNK = 500  # stay well below SQLite's bound-parameter limit


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def trace_rowids(conn: Connection, trace_ids: Sequence[str]) -> dict[str, int]:
    """Existing traces among ``trace_ids``."""
    return {trace_id: rowid for trace_id, (rowid, _) in existing_traces(conn, trace_ids).items()}


def existing_traces(conn: Connection, trace_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Existing traces among ``trace_ids``, with their row id and stored span count."""
    found: dict[str, tuple[int, int]] = {}
    for chunk in _chunks(trace_ids):
        rows = conn.execute(
            select(TraceRow.trace_id, TraceRow.trace_rowid, TraceRow.span_count).where(TraceRow.trace_id.in_(chunk))
        )
        found.update({trace_id: (rowid, count) for trace_id, rowid, count in rows})
    return found


def insert_traces(conn: Connection, trace_ids: Sequence[str], import_rowid: int) -> dict[str, int]:
    """Create traces and return their row ids."""
    if not trace_ids:
        return {}
    conn.execute(
        dialect.insert(conn, TraceRow).on_conflict_do_nothing(index_elements=["trace_id"]),
        [
            {"trace_id": t, "span_count": 0, "first_import_rowid": import_rowid, "last_import_rowid": import_rowid}
            for t in trace_ids
        ],
    )
    return trace_rowids(conn, trace_ids)


_SPAN_COLUMNS = (
    "trace_rowid, span_id, parent_span_id, name, otel_kind, start_ns, end_ns, status_code, status_message,"
    " attributes, events, resource, scope, links, import_rowid"
)


def _insert_span(conn: Connection) -> str:
    return f"INSERT INTO spans ({_SPAN_COLUMNS}) VALUES ({dialect.marks(conn, 15)}) ON CONFLICT DO NOTHING"


def insert_span_rows(
    conn: Connection, values: Sequence[SpanValues], trace_rowids: dict[str, int], import_rowid: int
) -> int:
    """Insert spans (``span_values``) that are not in the workspace yet; return how many were new.

    This goes straight to the driver with positional rows: SQLAlchemy's per-row parameter
    processing cost more than SQLite's insert itself.
    """
    if not values:
        return 0
    rows = [(trace_rowids[v[0]], *v[1:], import_rowid) for v in values]
    result = conn.exec_driver_sql(_insert_span(conn), rows)
    return max(result.rowcount, 0)


def insert_spans(conn: Connection, spans: Sequence[tuple[int, RawSpan]], import_rowid: int) -> int:
    """Insert spans that are not in the workspace yet; return how many were new."""
    if not spans:
        return 0
    rowids = {s.trace_id: trace_rowid for trace_rowid, s in spans}
    return insert_span_rows(conn, span_values(s for _, s in spans), rowids, import_rowid)


def load_spans(conn: Connection, trace_rowid_list: Sequence[int]) -> dict[int, list[RawSpan]]:
    """All stored spans of the given traces."""
    spans: dict[int, list[RawSpan]] = {}
    for chunk in _chunks(trace_rowid_list):
        table = SpanRow.__table__
        rows = conn.execute(
            select(table, TraceRow.trace_id)
            .join(TraceRow, TraceRow.trace_rowid == table.c.trace_rowid)
            .where(table.c.trace_rowid.in_(chunk))
        )
        for row in rows:
            spans.setdefault(row.trace_rowid, []).append(row_to_span(row, row.trace_id))
    return spans


def stored_span_ids(conn: Connection, trace_rowid_list: Sequence[int]) -> dict[int, set[str]]:
    """The span ids stored for each of the given traces."""
    found: dict[int, set[str]] = {}
    for chunk in _chunks(trace_rowid_list):
        rows = conn.execute(select(SpanRow.trace_rowid, SpanRow.span_id).where(SpanRow.trace_rowid.in_(chunk)))
        for trace_rowid, span_id in rows:
            found.setdefault(trace_rowid, set()).add(span_id)
    return found


def row_to_span(row: Any, trace_id: str) -> RawSpan:
    return RawSpan(
        trace_id=trace_id,
        span_id=row.span_id,
        parent_span_id=row.parent_span_id,
        name=row.name,
        start_ns=row.start_ns,
        end_ns=row.end_ns,
        kind=row.otel_kind,
        status_code=row.status_code,
        status_message=row.status_message,
        attributes=row.attributes or {},
        events=[SpanEvent.from_json(e) for e in row.events or []],
        resource=row.resource or {},
        scope=row.scope or {},
        links=row.links or [],
    )


def set_span_counts(conn: Connection, counts: dict[int, int], import_rowid: int) -> None:
    if not counts:
        return
    statement = (
        update(TraceRow)
        .where(TraceRow.trace_rowid == bindparam("b_rowid"))
        .values(span_count=bindparam("b_count"), last_import_rowid=bindparam("b_import"))
    )
    conn.execute(statement, [{"b_rowid": r, "b_count": n, "b_import": import_rowid} for r, n in counts.items()])


def upsert_cases(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new cases; refresh the content of existing ones (their row id, and so their labels, stay).

    A row's ``data`` is the case's JSON, as a dict or already encoded by orjson (``bytes``, as an
    import's batches carry it). The cases' dated documents are listed again in ``case_documents``
    in the same transaction.
    """
    if not rows:
        return
    if dialect.is_postgresql(conn):
        rows = [{**row, "data": orjson.loads(row["data"])} if type(row["data"]) is bytes else row for row in rows]
        statement = dialect.insert(conn, CaseRow)
        updatable = [c for c in rows[0] if c not in ("case_id",)]
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=["case_id"], set_={c: getattr(statement.excluded, c) for c in updatable}
            ),
            list(rows),
        )
    else:
        _upsert_cases_sqlite(conn, rows)
    rowids: dict[str, int] = {}
    for chunk in _chunks([row["case_id"] for row in rows]):
        found = conn.execute(select(CaseRow.case_id, CaseRow.case_rowid).where(CaseRow.case_id.in_(chunk)))
        rowids.update({case_id: rowid for case_id, rowid in found})
    index_case_documents(conn, [(rowids[row["case_id"]], row["data"]) for row in rows])


def _upsert_cases_sqlite(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """``upsert_cases``'s statement straight to the driver, with positional rows.

    SQLAlchemy's per-row parameter processing cost more than SQLite's insert (an import writes
    thousands of cases a batch), and it decoded and encoded each case's JSON again. Each value
    still goes through its column type's own conversion (dates, floats, JSON), so what is stored
    is what the SQLAlchemy statement stored; JSON already encoded by orjson is stored as it is
    (the same text: ``JsonText`` encodes with orjson too).
    """
    columns = list(rows[0])
    table = CaseRow.__table__
    unknown = [c for c in columns if c not in table.c]
    if unknown or "case_id" not in columns:
        raise ValueError(f"not columns of cases: {unknown}" if unknown else "a case row needs its case_id")
    # Columns a row leaves out get their default, as SQLAlchemy's insert gives them (``tool_calls``).
    defaults = {
        c.name: c.default.arg
        for c in table.c
        if c.name not in columns and c.default is not None and getattr(c.default, "is_scalar", False)
    }
    columns += defaults
    convert = []
    for position, name in enumerate(columns):
        process = table.c[name].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
        if process is not None:
            convert.append((position, name == "data", process))
    values = []
    for row in rows:
        value = [row[c] if c in row else defaults[c] for c in columns]
        for position, is_data, process in convert:
            item = value[position]
            if is_data and type(item) is bytes:
                value[position] = item.decode("utf-8")
            elif item is not None:
                value[position] = process(item)
        values.append(tuple(value))
    # Column names from ``cases`` itself (checked above): nothing else reaches this SQL.
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "case_id")
    conn.exec_driver_sql(
        f"INSERT INTO cases ({', '.join(columns)}) VALUES ({dialect.marks(conn, len(columns))})"
        f" ON CONFLICT (case_id) DO UPDATE SET {updates}",
        values,
    )


def stored_document_key(key: str) -> str:
    """``key`` as ``case_documents`` stores it: as it is, or its SHA-256 when it is too long for an index."""
    if len(key) <= DOCUMENT_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _dated_documents(data: Mapping[str, Any] | bytes) -> list[tuple[int, str, datetime]]:
    """``(position, stored key, updated_at)`` of each document of a case's JSON that has an update time.

    ``data`` encoded (``bytes``) is decoded only if an update time may be in it: most cases have none.
    """
    if type(data) is bytes:
        if b'"updated_at"' not in data:
            return []
        data = orjson.loads(data)
    assert not isinstance(data, bytes)
    found = []
    documents = (data.get("retrieval") or {}).get("documents") or []
    for position, doc in enumerate(documents):
        raw = doc.get("updated_at") if isinstance(doc, dict) else None
        if not isinstance(raw, str):
            continue
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            continue
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        key = document_key(doc.get("source"), doc.get("id"), int(doc.get("rank") or 0))
        found.append((position, stored_document_key(key), when))
    return found


def index_case_documents(conn: Connection, cases: Sequence[tuple[int, Mapping[str, Any] | bytes]]) -> None:
    """List the dated documents of ``(case_rowid, case JSON)`` in ``case_documents``, replacing what was there.

    Read from the JSON the case is stored as (``Document.updated_at``, case format 5), so the list
    says what the stored case says.
    """
    if not cases:
        return
    for chunk in _chunks([rowid for rowid, _ in cases]):
        conn.execute(delete(CaseDocumentRow).where(CaseDocumentRow.case_rowid.in_(chunk)))
    entries = [(rowid, position, key, when) for rowid, data in cases for position, key, when in _dated_documents(data)]
    if not entries:
        return
    if dialect.is_postgresql(conn):
        conn.execute(
            insert(CaseDocumentRow),
            [{"case_rowid": r, "position": p, "doc_key": k, "updated_at": w} for r, p, k, w in entries],
        )
        return
    # Straight to the driver, as the cases (``_upsert_cases_sqlite``): a batch lists thousands.
    stored_at = _bind_processor(conn, CaseDocumentRow.__table__.c.updated_at)
    conn.exec_driver_sql(
        f"INSERT INTO case_documents (case_rowid, position, doc_key, updated_at) VALUES ({dialect.marks(conn, 4)})",
        [(r, p, k, stored_at(w)) for r, p, k, w in entries],
    )


def _bind_processor(conn: Connection, column: Any) -> Any:
    """How ``column``'s type turns a value into what ``conn``'s driver stores (identity if it does nothing)."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process if process is not None else (lambda value: value)


def cases_without_recorded_cost(conn: Connection, *, after_rowid: int, limit: int) -> list[tuple[int, int, Any]]:
    """``(case_rowid, trace_rowid, data)`` of cases whose trace records no cost, in row order from
    ``after_rowid`` on: the cases whose cost is an estimate, re-estimated page by page."""
    rows = conn.execute(
        select(CaseRow.case_rowid, CaseRow.trace_rowid, CaseRow.data)
        .where(CaseRow.cost_usd.is_(None), CaseRow.case_rowid > after_rowid)
        .order_by(CaseRow.case_rowid)
        .limit(limit)
    )
    return [(int(r[0]), int(r[1]), r[2]) for r in rows]


def set_case_usage(conn: Connection, rows: Sequence[tuple[int, dict[str, Any], float | None]]) -> None:
    """Store re-estimated cases: ``(case_rowid, data, estimated_cost_usd)``; nothing else changes."""
    if not rows:
        return
    statement = (
        update(CaseRow)
        .where(CaseRow.case_rowid == bindparam("b_rowid"))
        .values(data=bindparam("b_data"), estimated_cost_usd=bindparam("b_estimate"))
    )
    conn.execute(statement, [{"b_rowid": r, "b_data": d, "b_estimate": e} for r, d, e in rows])


def cases_page(conn: Connection, *, after_rowid: int, limit: int) -> list[tuple[int, int, Any]]:
    """``(case_rowid, trace_rowid, data)`` of every case in row order from ``after_rowid`` on."""
    rows = conn.execute(
        select(CaseRow.case_rowid, CaseRow.trace_rowid, CaseRow.data)
        .where(CaseRow.case_rowid > after_rowid)
        .order_by(CaseRow.case_rowid)
        .limit(limit)
    )
    return [(int(r[0]), int(r[1]), r[2]) for r in rows]

"""``writes.upsert_cases`` on SQLite: rows go straight to the driver, stored as SQLAlchemy stored them."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert

from reviewdesk.services.workspace import open_workspace
from reviewdesk.storage import writes
from reviewdesk.storage.tables import CaseRow, TraceRow

_DATA = {
    "case_id": "c1",
    "retrieval": {"documents": [{"id": "d1", "source": "kb", "rank": 1, "updated_at": "2026-01-02T03:04:05+02:00"}]},
    "text": 'naïve \u2028 {"json": 1}',
}


def _row(case_id: str, trace_rowid: int, data: Any) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "trace_rowid": trace_rowid,
        "workflow": "support",
        "started_at": datetime(2026, 1, 2, 3, 4, 5, 6789, tzinfo=timezone(timedelta(hours=2))),
        "latency_ms": 12,  # an int where the column is a float
        "status": "ok",
        "cost_usd": None,
        "user_request": "hello",
        "source_format": "otlp-jsonl",
        "source_file": "f.jsonl",
        "data": data,
        "updated_at": datetime(2026, 12, 3, 15, 0, tzinfo=UTC),
    }


def _stored(path: Path) -> tuple[list[Any], list[Any]]:
    db = sqlite3.connect(path)
    try:
        cases = db.execute(
            "SELECT case_id, workflow, started_at, latency_ms, typeof(latency_ms), data, updated_at FROM cases"
            " ORDER BY case_id"
        ).fetchall()
        documents = db.execute("SELECT case_rowid, position, doc_key, updated_at FROM case_documents").fetchall()
        return cases, documents
    finally:
        db.close()


def _write(tmp_path: Path, name: str, rows: list[dict[str, Any]], *, through_sqlalchemy: bool = False) -> Path:
    path = tmp_path / name
    ws = open_workspace(path)
    try:
        with ws.engine.begin() as conn:
            conn.execute(insert(TraceRow), [{"trace_id": f"t{i}", "span_count": 1} for i in range(len(rows))])
            if through_sqlalchemy:  # what every version before the driver path did
                conn.execute(insert(CaseRow), rows)
                writes.index_case_documents(conn, [(i + 1, row["data"]) for i, row in enumerate(rows)])
            else:
                writes.upsert_cases(conn, rows)
    finally:
        ws.close()
    return path


def test_cases_are_stored_as_the_sqlalchemy_statement_stored_them(tmp_path: Path) -> None:
    rows = [_row("c1", 1, _DATA), _row("c2", 2, {"plain": True})]
    by_driver = _write(tmp_path, "driver.reviewdesk", [dict(r) for r in rows])
    by_sqlalchemy = _write(tmp_path, "orm.reviewdesk", [dict(r) for r in rows], through_sqlalchemy=True)
    assert _stored(by_driver) == _stored(by_sqlalchemy)
    assert _stored(by_driver)[0][0][4] == "real"


def test_json_already_encoded_by_orjson_is_stored_as_the_dict_would_be(tmp_path: Path) -> None:
    as_dict = _write(tmp_path, "dict.reviewdesk", [_row("c1", 1, _DATA)])
    as_bytes = _write(tmp_path, "bytes.reviewdesk", [_row("c1", 1, orjson.dumps(_DATA))])
    cases, documents = _stored(as_bytes)
    assert (cases, documents) == _stored(as_dict)
    assert len(documents) == 1  # the dated document was read from the encoded JSON


def test_an_existing_case_is_refreshed_in_place(tmp_path: Path) -> None:
    path = tmp_path / "w.reviewdesk"
    ws = open_workspace(path)
    try:
        with ws.engine.begin() as conn:
            conn.execute(insert(TraceRow), [{"trace_id": "t0", "span_count": 1}])
            writes.upsert_cases(conn, [_row("c1", 1, _DATA)])
            rowid = conn.exec_driver_sql("SELECT case_rowid FROM cases").scalar()
            changed = {**_row("c1", 1, {"no": "documents"}), "workflow": "billing"}
            writes.upsert_cases(conn, [changed])
            assert conn.exec_driver_sql("SELECT case_rowid, workflow FROM cases").all() == [(rowid, "billing")]
            assert conn.exec_driver_sql("SELECT count(*) FROM case_documents").scalar() == 0
    finally:
        ws.close()

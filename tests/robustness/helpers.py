"""Checks shared by the robustness tests: raw bytes of a workspace, and its consistency."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def workspace_files(path: Path) -> list[Path]:
    """The workspace file and its -wal/-shm companions, those that exist."""
    return [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]


def raw_bytes(path: Path) -> bytes:
    """Everything on disk for the workspace, read straight from the files (no SQLite involved)."""
    return b"".join(p.read_bytes() for p in workspace_files(path))


def consistency_problems(path: Path) -> list[str]:
    """What is wrong with the workspace at ``path``, read with plain sqlite3 (not our code).

    Integrity check; every case has its trace and every trace its case; each trace's stored span
    count matches its spans; the search index has one row per case; labels point at events of
    their own case and the current label's event is the case's latest.
    """
    problems: list[str] = []
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:

        def scalar(sql: str) -> object:
            return conn.execute(sql).fetchone()[0]

        integrity = scalar("PRAGMA integrity_check")
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {fk[:5]}")
        checks = {
            "cases without a trace": "SELECT count(*) FROM cases c LEFT JOIN traces t USING (trace_rowid)"
            " WHERE t.trace_rowid IS NULL",
            "traces without a case": "SELECT count(*) FROM traces t LEFT JOIN cases c USING (trace_rowid)"
            " WHERE c.case_rowid IS NULL",
            "traces whose span_count is wrong": "SELECT count(*) FROM traces t WHERE t.span_count !="
            " (SELECT count(*) FROM spans s WHERE s.trace_rowid = t.trace_rowid)",
            "cases whose span_count is wrong": "SELECT count(*) FROM cases c JOIN traces t USING (trace_rowid)"
            " WHERE json_extract(c.data, '$.span_count') != t.span_count",
            "search rows without a case": "SELECT count(*) FROM case_search WHERE rowid NOT IN"
            " (SELECT case_rowid FROM cases)",
            "cases without a search row": "SELECT count(*) FROM cases WHERE case_rowid NOT IN"
            " (SELECT rowid FROM case_search)",
            "labels whose last event is not their case's latest": "SELECT count(*) FROM labels l WHERE"
            " l.last_event_rowid != (SELECT max(event_rowid) FROM label_events e WHERE e.case_rowid = l.case_rowid)",
            "duplicate spans": "SELECT count(*) FROM (SELECT trace_rowid, span_id FROM spans"
            " GROUP BY trace_rowid, span_id HAVING count(*) > 1)",
        }
        for name, sql in checks.items():
            count = scalar(sql)
            if count:
                problems.append(f"{name}: {count}")
    finally:
        conn.close()
    return problems


def checkpoint(path: Path) -> None:
    """Fold the WAL into the main file and truncate it (what a clean close leaves)."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()

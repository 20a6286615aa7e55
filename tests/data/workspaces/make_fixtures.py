#!/usr/bin/env python
"""Write one small workspace per schema revision, as that revision's reviewdesk would have left it.

    .venv/bin/python tests/data/workspaces/make_fixtures.py            # (re)write every fixture
    .venv/bin/python tests/data/workspaces/make_fixtures.py 0003       # only some revisions

For revision X: a fresh SQLite file is brought to X (and no further) by our Alembic migrations —
old revisions never change (ADR 0001), so today's scripts up to X are that release's scripts —
and then filled with raw SQL written for X's tables, not through today's models or services
(which write today's schema). Each fixture gets ``rev-X.expected.json`` beside it: the cases,
labels and events a reader must find after upgrading (tests/robustness/test_upgrades.py).

When you add a migration: add its revision to ``FILL`` below (copying the latest entry and
adding what the new revision created) or to ``UPGRADED`` (when its migration converts the data), run this script for the revision before yours if it has
no fixture yet, and commit the files. Fixtures are never regenerated for old revisions unless
their data here changes: they stand for files users already have.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

from alembic import command

from reviewdesk.storage import engine as storage_engine

HERE = Path(__file__).parent
T0 = "2026-03-01 09:00:00.000000"

ROOT_CAUSES = [
    {"id": "weak_prompt", "layer": "Prompt and input", "title": "Weak prompt", "description": "x"},
    {"id": "stale_source", "layer": "Retrieval", "title": "Stale source", "description": "x"},
    {"id": "hallucination", "layer": "Generation", "title": "Hallucination", "description": "x"},
    {"id": "tool_error", "layer": "Tool use", "title": "Tool error", "description": "x"},
]
SCORES = ["correctness", "groundedness", "safety", "usefulness"]

# Three traces; the first two are labeled (the second twice, by two reviewers), the third not.
TRACES = [
    ("0af7651916cd43dd8448eb211c80319c", "refund_request", "Can I return the Alpine tent?", "Yes, within 30 days."),
    ("1b2c3d4e5f60718293a4b5c6d7e8f901", "order_status", "Where is order NW-5520193?", "It ships on Monday."),
    ("2c3d4e5f60718293a4b5c6d7e8f90112", "account_help", "Reset my password please", "Done: check your inbox."),
]
EVENTS = [
    # (trace index, reviewer, minute, change)
    (0, "ana", 1, {"verdict": "pass", "scores": {"correctness": 5}}),
    (1, "ana", 2, {"verdict": "fail", "root_causes": ["hallucination"], "comment": "invented a date"}),
    (1, "bo", 3, {"root_causes": ["hallucination", "stale_source"], "corrected_output": "It is delayed."}),
]


def _case_json(index: int) -> dict[str, object]:
    trace_id, workflow, request, output = TRACES[index]
    case_id = _case_id(trace_id)
    return {
        "format_version": 1,
        "case_id": case_id,
        "trace_id": trace_id,
        "source": {"format": "otlp-jsonl", "file": "fixture.jsonl"},
        "workflow": workflow,
        "release": "2026.02.0",
        "session_id": f"sess_{index}",
        "user_id": None,
        "tenant": "acme-eu",
        "started_at": f"2026-02-0{index + 1}T10:00:00Z",
        "latency_ms": 1200.0 + index,
        "status": "ok",
        "error": None,
        "input": {"user_request": request, "system_instructions": "Be kind.", "prompt_template": None, "messages": []},
        "retrieval": {"query": None, "documents": []},
        "generation": {
            "model": "gpt-4o-mini",
            "request_model": "gpt-4o-mini",
            "provider": "openai",
            "parameters": {},
            "output": output,
            "finish_reason": "stop",
            "refusal": None,
        },
        "tool_calls": [],
        "usage": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "cost_usd": 0.001, "llm_calls": 1},
        "outcome": {"feedback": []},
        "span_count": 2,
    }


def _case_id(trace_id: str) -> str:
    import hashlib

    return hashlib.sha256(trace_id.encode()).hexdigest()[:12]


def _label(changes: list[tuple[str, int, dict[str, object]]]) -> dict[str, object]:
    label: dict[str, object] = {
        "verdict": None,
        "root_causes": [],
        "scores": {},
        "corrected_output": None,
        "comment": None,
        "escalate": False,
        "evidence": [],
        "reviewer": None,
        "labeled_at": None,
        "schema_version": 1,
    }
    for reviewer, minute, change in changes:
        label.update(change)
        label["reviewer"] = reviewer
        label["labeled_at"] = f"2026-03-01T09:{minute:02d}:00Z"
    return label


def fill_0001(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO imports (import_rowid, path, file_name, format, content_sha256, size_bytes, started_at,"
        " finished_at, status, traces, spans, cases, skipped, errors)"
        " VALUES (1, '/data/fixture.jsonl', 'fixture.jsonl', 'otlp-jsonl', ?, 1234, ?, ?, 'done', 3, 6, 3, 0, '[]')",
        ("f" * 64, T0, T0),
    )
    conn.execute(
        "INSERT INTO label_schemas (version, root_causes, scores, created_at) VALUES (1, ?, ?, ?)",
        (json.dumps(ROOT_CAUSES), json.dumps(SCORES), T0),
    )
    for index, (trace_id, workflow, request, output) in enumerate(TRACES):
        rowid = index + 1
        conn.execute(
            "INSERT INTO traces (trace_rowid, trace_id, span_count, first_import_rowid, last_import_rowid)"
            " VALUES (?, ?, 2, 1, 1)",
            (rowid, trace_id),
        )
        for n, (name, attrs) in enumerate(
            [
                ("chat", {"input.value": request, "output.value": output, "openinference.span.kind": "CHAIN"}),
                ("llm", {"llm.model_name": "gpt-4o-mini", "openinference.span.kind": "LLM"}),
            ]
        ):
            conn.execute(
                "INSERT INTO spans (trace_rowid, span_id, parent_span_id, name, otel_kind, start_ns, end_ns,"
                " status_code, status_message, attributes, events, resource, scope, links, import_rowid)"
                " VALUES (?, ?, ?, ?, 1, ?, ?, 1, NULL, ?, '[]', ?, '{\"name\": \"fixture\"}', '[]', 1)",
                (
                    rowid,
                    f"{rowid:08x}{n:08x}",
                    None if n == 0 else f"{rowid:08x}{0:08x}",
                    name,
                    1_770_000_000_000_000_000 + index * 10**9 + n,
                    1_770_000_001_200_000_000 + index * 10**9,
                    json.dumps(attrs),
                    json.dumps({"service.name": "northwind", "service.version": "2026.02.0"}),
                ),
            )
        case = _case_json(index)
        conn.execute(
            "INSERT INTO cases (case_rowid, case_id, trace_rowid, workflow, release, session_id, user_id, tenant,"
            " started_at, latency_ms, status, error_type, model, provider, input_tokens, output_tokens, total_tokens,"
            " cost_usd, tool_calls, tool_errors, documents, user_request, output, source_format, source_file, data,"
            " updated_at) VALUES (?, ?, ?, ?, '2026.02.0', ?, NULL, 'acme-eu', ?, ?, 'ok', NULL, 'gpt-4o-mini',"
            " 'openai', 10, 5, 15, 0.001, 0, 0, 0, ?, ?, 'otlp-jsonl', 'fixture.jsonl', ?, ?)",
            (
                rowid,
                case["case_id"],
                rowid,
                workflow,
                f"sess_{index}",
                f"2026-02-0{index + 1} 10:00:00.000000",
                case["latency_ms"],
                request,
                output,
                json.dumps(case),
                T0,
            ),
        )
    for event_rowid, (index, reviewer, minute, change) in enumerate(EVENTS, start=1):
        conn.execute(
            "INSERT INTO label_events (event_rowid, case_rowid, created_at, reviewer, change, seconds_spent,"
            " schema_version) VALUES (?, ?, ?, ?, ?, 12.5, 1)",
            (event_rowid, index + 1, f"2026-03-01 09:{minute:02d}:00.000000", reviewer, json.dumps(change)),
        )
    for index in sorted({e[0] for e in EVENTS}):
        mine = [(r, m, c) for i, r, m, c in EVENTS if i == index]
        label = _label(mine)
        last = max(n for n, e in enumerate(EVENTS, start=1) if e[0] == index)
        conn.execute(
            "INSERT INTO labels (case_rowid, verdict, escalate, reviewer, labeled_at, data, last_event_rowid)"
            " VALUES (?, ?, 0, ?, ?, ?, ?)",
            (index + 1, label["verdict"], label["reviewer"], f"2026-03-01 09:{mine[-1][1]:02d}:00.000000",
             json.dumps(label), last),
        )
        for root_cause in label["root_causes"]:  # type: ignore[union-attr]
            conn.execute("INSERT INTO case_root_causes (case_rowid, root_cause) VALUES (?, ?)", (index + 1, root_cause))


# Revision 0002's own backfill statement: what its reviewdesk put in the index for each case.
_FTS_FILL_0002 = """
INSERT INTO case_search(rowid, request, output, context, tools, meta)
SELECT c.case_rowid, coalesce(c.user_request, ''), coalesce(c.output, ''), '', '',
       c.case_id || ' ' || coalesce(json_extract(c.data, '$.trace_id'), '') || ' '
           || coalesce(c.workflow, '') || ' ' || coalesce(c.session_id, '') || ' '
           || coalesce(c.user_id, '') || ' ' || coalesce(c.tenant, '')
FROM cases AS c
"""


def fill_0002(conn: sqlite3.Connection) -> None:
    fill_0001(conn)
    conn.execute(_FTS_FILL_0002)


def fill_0003(conn: sqlite3.Connection) -> None:
    fill_0002(conn)
    settings = {
        "format_version": 1,
        "enabled": True,
        "disabled_kinds": ["IP_ADDRESS"],
        "rules": [{"kind": "ORDER_ID", "pattern": "NW-\\d{7}"}],
        "allow": ["support@northwind.example"],
        "allow_patterns": [],
        "phone_regions": ["US", "DE"],
    }
    retention = {"format_version": 1, "older_than_days": 3650, "keep_labeled": True}
    for key, value in (("redaction", settings), ("retention", retention), ("redaction.secret", "ab" * 32)):
        conn.execute(
            "INSERT OR REPLACE INTO workspace_settings (key, value, updated_at) VALUES (?, ?, ?)",
            (key, json.dumps(value), T0),
        )
    conn.execute(
        "INSERT INTO redaction_tokens (trace_id, kind, digest, number) VALUES (?, 'EMAIL', ?, 1)",
        (TRACES[0][0], bytes(range(16))),
    )
    conn.execute("INSERT INTO import_redactions (import_rowid, kind, count) VALUES (1, 'EMAIL', 2)")
    conn.execute(
        "INSERT INTO audit_log (created_at, actor, action, subject, details) VALUES (?, 'ana', 'import',"
        " '/data/fixture.jsonl', ?)",
        (T0, json.dumps({"outcome": "done", "redactions": {"EMAIL": 2}})),
    )


FILL: dict[str, Callable[[sqlite3.Connection], None]] = {"0001": fill_0001, "0002": fill_0002, "0003": fill_0003}

# Revisions whose fixture is the previous revision's, upgraded by that revision's own migration:
# 0004 (team review) converts every label and event it finds, so a 0003 workspace opened by the
# 0004 release is exactly what users of that release have. Raw SQL for 0004's tables would have to
# re-implement that conversion (event ids, owners, resolutions) and could only drift from it.
# 0005 only adds a column (a case's estimated cost, filled in when a workspace is opened), so the
# same data brought up through 0004 and 0005 is a 0005 file. 0006 (claims, kept label events) adds
# a table and triggers and converts nothing: the same data brought up to 0006 is a 0006 file.
# 0007 adds case_documents, which a workspace fills when it is next opened: the same data brought
# up to 0007 (its list still empty) is a 0007 file. 0008 creates a PostgreSQL function and does
# nothing on SQLite: the same data brought up to 0008 is a 0008 file, and the one 0009 (which
# rebuilds the search index) upgrades from.
UPGRADED: dict[str, str] = {"0004": "0003", "0005": "0003", "0006": "0003", "0007": "0003", "0008": "0003"}


def expected() -> dict[str, object]:
    """What every fixture holds, whatever its revision: cases, and each case's labels and events."""
    out: dict[str, object] = {"cases": {}, "events": len(EVENTS)}
    for index, (trace_id, workflow, request, output) in enumerate(TRACES):
        mine = [(r, m, c) for i, r, m, c in EVENTS if i == index]
        out["cases"][_case_id(trace_id)] = {  # type: ignore[index]
            "trace_id": trace_id,
            "workflow": workflow,
            "user_request": request,
            "output": output,
            "label": _label(mine) if mine else None,
            "events": len(mine),
        }
    return out


def make(revision: str) -> Path:
    target = HERE / f"rev-{revision}.reviewdesk"
    target.unlink(missing_ok=True)
    fill = FILL.get(revision)
    if fill is None:  # an UPGRADED revision: bring the earlier one's data up by its migration
        fill = FILL[UPGRADED[revision]]
    engine = storage_engine.create_workspace_engine(target)
    command.upgrade(storage_engine.alembic_config(engine), UPGRADED.get(revision, revision))
    engine.dispose()
    conn = sqlite3.connect(target)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        with conn:
            fill(conn)
    finally:
        conn.close()
    if revision in UPGRADED:
        engine = storage_engine.create_workspace_engine(target)
        command.upgrade(storage_engine.alembic_config(engine), revision)
        engine.dispose()
    conn = sqlite3.connect(target)
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    (HERE / f"rev-{revision}.expected.json").write_text(json.dumps(expected(), indent=2, sort_keys=True) + "\n")
    return target


def main(argv: list[str]) -> int:
    for revision in argv or sorted({*FILL, *UPGRADED}):
        path = make(revision)
        print(f"{path.relative_to(HERE.parent.parent.parent)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""initial workspace schema

Imports, traces, spans (raw attributes and events), cases, the label schema, the append-only
label event log and the current labels derived from it. Types are spelled out (no imports from
the ORM) so this revision never changes when the models do.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 18:16:40.773780
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# JSON is TEXT on SQLite and json on PostgreSQL (kept as written: see storage.tables.JsonText);
# SQLite's 64-bit INTEGER is BIGINT there.
_JSON = sa.Text().with_variant(postgresql.JSON(), "postgresql")
_BIG = sa.Integer().with_variant(sa.BigInteger(), "postgresql")
# PostgreSQL's triggers call a function; this one refuses the change with the trigger's message.
PG_APPEND_ONLY_FUNCTION = (
    "CREATE OR REPLACE FUNCTION reviewdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation'; END $$"
)


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("import_rowid", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("file_name", sa.String(length=512), nullable=False),
        sa.Column("format", sa.String(length=64), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", _BIG, nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("traces", sa.Integer(), nullable=False),
        sa.Column("spans", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("errors", _JSON, nullable=False),
        sa.CheckConstraint("status IN ('running', 'done', 'cancelled', 'failed')", name=op.f("ck_imports_status")),
        sa.PrimaryKeyConstraint("import_rowid", name=op.f("pk_imports")),
    )
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imports_content_sha256"), ["content_sha256"], unique=False)

    op.create_table(
        "label_schemas",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_causes", _JSON, nullable=False),
        sa.Column("scores", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_label_schemas")),
    )
    op.create_table(
        "traces",
        sa.Column("trace_rowid", sa.Integer(), nullable=False),
        sa.Column("trace_id", sa.String(length=128), nullable=False),
        sa.Column("span_count", sa.Integer(), nullable=False),
        sa.Column("first_import_rowid", sa.Integer(), nullable=True),
        sa.Column("last_import_rowid", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["first_import_rowid"],
            ["imports.import_rowid"],
            name=op.f("fk_traces_first_import_rowid_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["last_import_rowid"],
            ["imports.import_rowid"],
            name=op.f("fk_traces_last_import_rowid_imports"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("trace_rowid", name=op.f("pk_traces")),
        sa.UniqueConstraint("trace_id", name=op.f("uq_traces_trace_id")),
    )
    op.create_table(
        "cases",
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("trace_rowid", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=256), nullable=True),
        sa.Column("release", sa.String(length=256), nullable=True),
        sa.Column("session_id", sa.String(length=256), nullable=True),
        sa.Column("user_id", sa.String(length=256), nullable=True),
        sa.Column("tenant", sa.String(length=256), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("error_type", sa.String(length=256), nullable=True),
        sa.Column("model", sa.String(length=256), nullable=True),
        sa.Column("provider", sa.String(length=128), nullable=True),
        sa.Column("input_tokens", _BIG, nullable=True),
        sa.Column("output_tokens", _BIG, nullable=True),
        sa.Column("total_tokens", _BIG, nullable=True),
        sa.Column("cost_usd", sa.Float(), nullable=True),
        sa.Column("tool_calls", sa.Integer(), nullable=False),
        sa.Column("tool_errors", sa.Integer(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("user_request", sa.Text(), nullable=True),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("source_format", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('ok', 'error')", name=op.f("ck_cases_status")),
        sa.ForeignKeyConstraint(
            ["trace_rowid"], ["traces.trace_rowid"], name=op.f("fk_cases_trace_rowid_traces"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_rowid", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_cases_case_id")),
        sa.UniqueConstraint("trace_rowid", name=op.f("uq_cases_trace_rowid")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_cost_usd"), ["cost_usd"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_latency_ms"), ["latency_ms"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_release"), ["release"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_started_at"), ["started_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_tenant"), ["tenant"], unique=False)
        batch_op.create_index("ix_cases_workflow_started", ["workflow", "started_at"], unique=False)

    op.create_table(
        "spans",
        sa.Column("span_rowid", _BIG, nullable=False),
        sa.Column("trace_rowid", sa.Integer(), nullable=False),
        sa.Column("span_id", sa.String(length=128), nullable=False),
        sa.Column("parent_span_id", sa.String(length=128), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("otel_kind", sa.Integer(), nullable=False),
        sa.Column("start_ns", _BIG, nullable=True),
        sa.Column("end_ns", _BIG, nullable=True),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("status_message", sa.Text(), nullable=True),
        sa.Column("attributes", _JSON, nullable=False),
        sa.Column("events", _JSON, nullable=False),
        sa.Column("resource", _JSON, nullable=False),
        sa.Column("scope", _JSON, nullable=False),
        sa.Column("links", _JSON, nullable=False),
        sa.Column("import_rowid", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_rowid"], ["imports.import_rowid"], name=op.f("fk_spans_import_rowid_imports"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["trace_rowid"], ["traces.trace_rowid"], name=op.f("fk_spans_trace_rowid_traces"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("span_rowid", name=op.f("pk_spans")),
        sa.UniqueConstraint("trace_rowid", "span_id", name="uq_spans_trace_span"),
    )
    op.create_table(
        "case_root_causes",
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("root_cause", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_rowid"], ["cases.case_rowid"], name=op.f("fk_case_root_causes_case_rowid_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_rowid", "root_cause", name=op.f("pk_case_root_causes")),
    )
    with op.batch_alter_table("case_root_causes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_root_causes_root_cause"), ["root_cause"], unique=False)

    op.create_table(
        "label_events",
        sa.Column("event_rowid", _BIG, nullable=False),
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reviewer", sa.String(length=256), nullable=False),
        sa.Column("change", _JSON, nullable=False),
        sa.Column("seconds_spent", sa.Float(), nullable=True),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_rowid"], ["cases.case_rowid"], name=op.f("fk_label_events_case_rowid_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["schema_version"], ["label_schemas.version"], name=op.f("fk_label_events_schema_version_label_schemas")
        ),
        sa.PrimaryKeyConstraint("event_rowid", name=op.f("pk_label_events")),
    )
    with op.batch_alter_table("label_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_label_events_case_rowid"), ["case_rowid"], unique=False)
        batch_op.create_index(batch_op.f("ix_label_events_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_label_events_reviewer"), ["reviewer"], unique=False)

    op.create_table(
        "labels",
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=True),
        sa.Column("escalate", sa.Boolean(), nullable=False),
        sa.Column("reviewer", sa.String(length=256), nullable=True),
        sa.Column("labeled_at", sa.DateTime(), nullable=True),
        sa.Column("data", _JSON, nullable=False),
        sa.Column("last_event_rowid", _BIG, nullable=False),
        sa.CheckConstraint("verdict IS NULL OR verdict IN ('pass', 'fail', 'unsure')", name=op.f("ck_labels_verdict")),
        sa.ForeignKeyConstraint(
            ["case_rowid"], ["cases.case_rowid"], name=op.f("fk_labels_case_rowid_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["last_event_rowid"], ["label_events.event_rowid"], name=op.f("fk_labels_last_event_rowid_label_events")
        ),
        sa.PrimaryKeyConstraint("case_rowid", name=op.f("pk_labels")),
    )
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_labels_labeled_at"), ["labeled_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_labels_verdict"), ["verdict"], unique=False)
    # The event log is the audit trail: it only grows. (Deletes stay possible for retention
    # purges, which remove whole cases.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER label_events_append_only BEFORE UPDATE ON label_events FOR EACH ROW"
            " EXECUTE FUNCTION reviewdesk_append_only('label events are append-only')"
        )
    else:
        op.execute(
            "CREATE TRIGGER label_events_append_only BEFORE UPDATE ON label_events "
            "BEGIN SELECT RAISE(ABORT, 'label events are append-only'); END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute("DROP TRIGGER IF EXISTS label_events_append_only" + (" ON label_events" if postgres else ""))
    with op.batch_alter_table("labels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_labels_verdict"))
        batch_op.drop_index(batch_op.f("ix_labels_labeled_at"))

    op.drop_table("labels")
    with op.batch_alter_table("label_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_label_events_reviewer"))
        batch_op.drop_index(batch_op.f("ix_label_events_created_at"))
        batch_op.drop_index(batch_op.f("ix_label_events_case_rowid"))

    op.drop_table("label_events")
    with op.batch_alter_table("case_root_causes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_root_causes_root_cause"))

    op.drop_table("case_root_causes")
    op.drop_table("spans")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_workflow_started")
        batch_op.drop_index(batch_op.f("ix_cases_tenant"))
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_started_at"))
        batch_op.drop_index(batch_op.f("ix_cases_session_id"))
        batch_op.drop_index(batch_op.f("ix_cases_release"))
        batch_op.drop_index(batch_op.f("ix_cases_model"))
        batch_op.drop_index(batch_op.f("ix_cases_latency_ms"))
        batch_op.drop_index(batch_op.f("ix_cases_cost_usd"))

    op.drop_table("cases")
    op.drop_table("traces")
    op.drop_table("label_schemas")
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imports_content_sha256"))

    op.drop_table("imports")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS reviewdesk_append_only()")

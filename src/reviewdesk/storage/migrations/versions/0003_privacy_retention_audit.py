"""data protection: workspace settings, redaction numbering and counts, audit log

``workspace_settings`` holds the redaction rules and retention period the workspace carries with
it, and the workspace's random key for the redaction hashes (made here); ``redaction_tokens`` the
placeholder number of each redacted value per trace (by keyed hash, never the value);
``import_redactions`` how many values of each kind each import replaced; ``audit_log`` imports,
exports, purges and settings changes, append-only like the label events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 19:30:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_JSON = sa.Text().with_variant(postgresql.JSON(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_workspace_settings")),
    )
    # The key of the redaction hashes, made here rather than at the first import, so that two
    # processes importing into a new workspace at once cannot both make one.
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.get_bind().execute(
            sa.text(
                "INSERT INTO workspace_settings (key, value, updated_at)"
                " VALUES ('redaction.secret', to_json(CAST(:key AS text)), CURRENT_TIMESTAMP)"
            ),
            {"key": secrets.token_hex(32)},
        )
    else:
        op.execute(
            "INSERT INTO workspace_settings (key, value, updated_at)"
            " VALUES ('redaction.secret', json_quote(lower(hex(randomblob(32)))), CURRENT_TIMESTAMP)"
        )
    op.create_table(
        "redaction_tokens",
        sa.Column("trace_id", sa.String(length=128), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("trace_id", "kind", "digest", name=op.f("pk_redaction_tokens")),
    )
    op.create_table(
        "import_redactions",
        sa.Column("import_rowid", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_rowid"],
            ["imports.import_rowid"],
            name=op.f("fk_import_redactions_import_rowid_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("import_rowid", "kind", name=op.f("pk_import_redactions")),
    )
    op.create_table(
        "audit_log",
        sa.Column("audit_rowid", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=256), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("details", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("audit_rowid", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)
    # An audit log that can be edited proves nothing: it only grows (purges keep it too).
    if postgres:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_append_only_{event.lower()} BEFORE {event} ON audit_log FOR EACH ROW"
                " EXECUTE FUNCTION reviewdesk_append_only('the audit log is append-only')"
            )
        return
    op.execute(
        "CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


def downgrade() -> None:
    on = " ON audit_log" if op.get_bind().dialect.name == "postgresql" else ""
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only_delete" + on)
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only_update" + on)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))
    op.drop_table("audit_log")
    op.drop_table("import_redactions")
    op.drop_table("redaction_tokens")
    op.drop_table("workspace_settings")

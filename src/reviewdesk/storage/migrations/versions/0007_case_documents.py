"""case documents: the dated documents each case retrieved; indexes for a workflow's medians

``case_documents`` lists, per case, each retrieved document that has an update time, by its
document key (``domain.case.document_key``), so "a newer version of this document is in the
workspace" is one index seek (docs/CONTEXT.md, *Stale document*). Existing cases are listed when
the workspace is next opened for writing (``services.case_rebuild``), which needs the case JSON
read in Python, not SQL. The two indexes on ``cases`` make a workflow's median latency and cost
an index walk.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("case_rowid", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("doc_key", sa.String(length=255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_rowid"],
            ["cases.case_rowid"],
            name=op.f("fk_case_documents_case_rowid_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_rowid", "position", name=op.f("pk_case_documents")),
    )
    op.create_index("ix_case_documents_key_updated", "case_documents", ["doc_key", "updated_at"])
    op.create_index("ix_cases_workflow_latency", "cases", ["workflow", "latency_ms"])
    op.create_index("ix_cases_workflow_cost", "cases", ["workflow", sa.text("coalesce(cost_usd, estimated_cost_usd)")])


def downgrade() -> None:
    op.drop_index("ix_cases_workflow_cost", table_name="cases")
    op.drop_index("ix_cases_workflow_latency", table_name="cases")
    op.drop_index("ix_case_documents_key_updated", table_name="case_documents")
    op.drop_table("case_documents")

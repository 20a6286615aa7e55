"""estimated cost: a column for the cost estimated from list prices

``cases.estimated_cost_usd`` holds ``usage.cost_estimate.usd`` of the case's JSON, so lists sort by
cost (recorded, else estimated) and the statistics sum estimated and recorded cost apart, in SQL.
Existing cases get their estimate when the workspace is next opened (``services.prices``), which
needs the case rules, not SQL.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 14:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("estimated_cost_usd", sa.Float(), nullable=True))
    # Sorting by cost is by the recorded cost, else the estimate: an index on that expression keeps
    # "costliest first" an index scan (storage.queries orders by the same expression).
    op.create_index("ix_cases_cost", "cases", [sa.text("coalesce(cost_usd, estimated_cost_usd)")])


def downgrade() -> None:
    op.drop_index("ix_cases_cost", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("estimated_cost_usd")

"""monthly roll-ups of the billing ledger (issue 13): billing_month_rollup, filled from the ledger"""

import sqlalchemy as sa
from alembic import op

from billing.models import truncate_guard_pg
from billing.rollups import rebuild_rollups

revision, down_revision = "million13_rollup", "alerts15_alerts"
branch_labels, depends_on = None, None


def upgrade() -> None:
    op.create_table(
        "billing_month_rollup",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("group_key", sa.String(length=400), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("cards", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("partner", sa.BigInteger(), nullable=False),
        sa.Column("regency", sa.BigInteger(), nullable=False),
        sa.Column("entry_rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "group_key", "slot", name="uq_billing_month_rollup"),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(truncate_guard_pg("billing_month_rollup"))

    rebuild_rollups(op.get_bind())


def downgrade() -> None:
    op.drop_table("billing_month_rollup")

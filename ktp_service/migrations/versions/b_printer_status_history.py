"""printer status changes (state and reasons when they change), for availability per day"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ktp_service.models

revision, down_revision = "b_printer_status_history", "b1_month_documents"
branch_labels = depends_on = None


def upgrade() -> None:
    op.create_table(
        "printer_status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("printer_id", sa.Integer(), nullable=False),
        sa.Column("at", ktp_service.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["printer_id"], ["printer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_printer_status_change_at"), "printer_status_change", ["at"], unique=False)
    op.create_index(
        op.f("ix_printer_status_change_printer_id"), "printer_status_change", ["printer_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_printer_status_change_printer_id"), table_name="printer_status_change")
    op.drop_index(op.f("ix_printer_status_change_at"), table_name="printer_status_change")
    op.drop_table("printer_status_change")

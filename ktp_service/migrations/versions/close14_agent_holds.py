"""print agents and the month close (issue 14): jobs taken back from an agent by a supervisor, the agents'
refused reports about them, and months closed although agents still held cards of them"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ktp_service.models

revision, down_revision = "close14_agent_holds", "standard15_service_standard"
branch_labels = depends_on = None

TS = ktp_service.models.UTCDateTime


def upgrade() -> None:
    op.add_column("print_job", sa.Column("agent_recalled_at", TS(timezone=True), nullable=True))
    op.add_column(
        "print_job", sa.Column("agent_recalled_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
    )
    op.add_column(
        "print_job", sa.Column("agent_recall_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
    )
    op.create_table(
        "agent_report_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("print_agent.id"), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("print_job.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("printer_time", TS(timezone=True), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("received_at", TS(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "attempt", "event"),
    )
    op.create_index("ix_agent_report_conflict_agent_id", "agent_report_conflict", ["agent_id"])
    op.create_index("ix_agent_report_conflict_job_id", "agent_report_conflict", ["job_id"])
    op.create_table(
        "month_close_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", TS(timezone=True), nullable=False),
        sa.Column("cards", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month"),
    )


def downgrade() -> None:
    op.drop_table("month_close_override")
    op.drop_table("agent_report_conflict")
    for column in ("agent_recall_note", "agent_recalled_by", "agent_recalled_at"):
        op.drop_column("print_job", column)

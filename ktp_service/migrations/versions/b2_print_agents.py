"""print agents at offices (issue 14): the agent table, its printers, jobs bound to an agent and the
agents' idempotent status reports"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import ktp_service.models

revision, down_revision = "b2_print_agents", "b1_money_received_entries"
branch_labels = depends_on = None

TS = ktp_service.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "print_agent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("office.id"), nullable=False),
        sa.Column("credential_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("enrollment_code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("enrollment_expires_at", TS(timezone=True), nullable=True),
        sa.Column("enrolled_at", TS(timezone=True), nullable=True),
        sa.Column("revoked_at", TS(timezone=True), nullable=True),
        sa.Column("last_contact_at", TS(timezone=True), nullable=True),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("queue_depth", sa.Integer(), nullable=True),
        sa.Column("printer_states", sa.JSON(), nullable=False),
        sa.Column("created_at", TS(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("office_id", "name"),
        sa.UniqueConstraint("credential_hash"),
        sa.UniqueConstraint("enrollment_code_hash"),
    )
    op.create_index("ix_print_agent_office_id", "print_agent", ["office_id"])
    # Added in place (no table rebuild: print_job is referenced by cards, stock and the outbox). SQLite
    # takes a REFERENCES clause on a new nullable column; PostgreSQL gets a named constraint.
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in ("printer", "print_job"):
        if sqlite:
            op.execute(f"ALTER TABLE {table} ADD COLUMN agent_id INTEGER REFERENCES print_agent (id)")
        else:
            op.add_column(
                table, sa.Column("agent_id", sa.Integer(), sa.ForeignKey("print_agent.id"), nullable=True)
            )
        op.create_index(f"ix_{table}_agent_id", table, ["agent_id"])
    for column in ("agent_fetched_at", "agent_acknowledged_at", "agent_reported_at"):
        op.add_column("print_job", sa.Column(column, TS(timezone=True), nullable=True))
    op.create_table(
        "agent_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), sa.ForeignKey("print_agent.id"), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("print_job.id"), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("event", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("received_at", TS(timezone=True), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "attempt", "event"),
    )
    op.create_index("ix_agent_report_agent_id", "agent_report", ["agent_id"])
    op.create_index("ix_agent_report_job_id", "agent_report", ["job_id"])


def downgrade() -> None:
    op.drop_table("agent_report")
    for column in ("agent_reported_at", "agent_acknowledged_at", "agent_fetched_at"):
        op.drop_column("print_job", column)
    for table in ("print_job", "printer"):
        op.drop_index(f"ix_{table}_agent_id", table)
        with op.batch_alter_table(table) as batch:  # drops the column's foreign key with it
            batch.drop_column("agent_id")
    op.drop_table("print_agent")

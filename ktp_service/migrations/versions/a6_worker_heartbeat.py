"""print workers' identities (host, configured name, slot held by one live process) and their heartbeats"""


import sqlalchemy as sa
import sqlmodel
from alembic import op

import ktp_service.models

revision, down_revision = "a6_worker_heartbeat", "a8_chain_checkpoints"
branch_labels = depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column("heartbeat_at", ktp_service.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("started_at", ktp_service.models.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("host", "name", "slot"),
        sa.UniqueConstraint("identity"),
    )


def downgrade() -> None:
    op.drop_table("worker_slot")

"""the service standard (issue 15): working week and service hours, promised times per issuance reason,
and the administrator's changes to the holiday calendar"""

import sqlalchemy as sa
from alembic import op

from ktp_service.models import UTCDateTime

revision, down_revision = "standard15_service_standard", "b3_handover"
branch_labels, depends_on = None, None


def upgrade() -> None:
    op.create_table(
        "service_standard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workdays", sa.String(length=7), nullable=False),
        sa.Column("opens", sa.String(length=5), nullable=False),
        sa.Column("closes", sa.String(length=5), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "service_promise",
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("days >= 0 AND hours >= 0 AND days + hours > 0", name="ck_service_promise_time"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("reason"),
    )
    op.create_table(
        "service_holiday",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("action IN ('add', 'remove')", name="ck_service_holiday_action"),
        sa.ForeignKeyConstraint(["created_by_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("service_holiday", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_holiday_day"), ["day"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("service_holiday", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_holiday_day"))
    op.drop_table("service_holiday")
    op.drop_table("service_promise")
    op.drop_table("service_standard")

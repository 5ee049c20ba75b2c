"""alerts (issue 15, part 4): the alert table (one open alert per kind and subject, a partial unique index),
users' e-mail addresses, and an office's own low-stock threshold"""

import sqlalchemy as sa
from alembic import op

from ktp_service.models import UTCDateTime

revision, down_revision = "alerts15_alerts", "village14_offices"
branch_labels, depends_on = None, None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("subject_name", sa.String(length=120), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("raised_at", UTCDateTime(), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=True),
        sa.Column("cleared_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledge_note", sa.String(length=300), nullable=False),
        sa.Column("mailed_at", UTCDateTime(), nullable=True),
        sa.Column("mail_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("mail_next_at", UTCDateTime(), nullable=True),
        sa.Column("mail_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["office_id"], ["office.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_office_id"), ["office_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_raised_at"), ["raised_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_cleared_at"), ["cleared_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_acknowledged_at"), ["acknowledged_at"], unique=False)
    op.create_index(
        "uq_alert_open",
        "alert",
        ["kind", "subject"],
        unique=True,
        sqlite_where=sa.text("cleared_at IS NULL"),
        postgresql_where=sa.text("cleared_at IS NULL"),
    )
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(sa.Column("low_stock_threshold", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_column("low_stock_threshold")
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("email")
    op.drop_index("uq_alert_open", table_name="alert")
    op.drop_table("alert")

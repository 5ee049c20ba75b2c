"""tokens name a random per-user subject and carry a per-user token version; administrators can demand a
password change; console sessions are kept on the server"""

import uuid

import sqlalchemy as sa
from alembic import op

from ktp_service.models import UTCDateTime

revision, down_revision = "a7_accounts_sessions", "a6_worker_heartbeat"
branch_labels = depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on both databases. Changing app_user on SQLite any other way means rebuilding it,
    # and dropping the old table is refused while print jobs and history rows point at its users. So the
    # new NOT NULL columns come with a server default, and ``subject`` gets its values row by row.
    op.add_column("app_user", sa.Column("subject", sa.String(length=36), nullable=False, server_default=""))
    op.add_column("app_user", sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "app_user",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    conn = op.get_bind()
    user = sa.table("app_user", sa.column("id", sa.Integer()), sa.column("subject", sa.String()))
    for (user_id,) in conn.execute(sa.select(user.c.id)).all():
        conn.execute(sa.update(user).where(user.c.id == user_id).values(subject=str(uuid.uuid4())))
    if conn.dialect.name == "postgresql":
        op.alter_column("app_user", "subject", server_default=None)  # every new user brings its own
    op.create_index(op.f("ix_app_user_subject"), "app_user", ["subject"], unique=True)

    op.create_table(
        "console_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_console_session_user_id"), "console_session", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_console_session_user_id"), table_name="console_session")
    op.drop_table("console_session")
    op.drop_index(op.f("ix_app_user_subject"), table_name="app_user")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("token_version")
        batch.drop_column("subject")

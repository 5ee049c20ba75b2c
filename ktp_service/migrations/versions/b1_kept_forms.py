"""kept_form: form fields kept on the server for a few minutes (a form sent after the session ended, a form
refused with errors), encrypted with a key only the browser's cookie holds"""

import sqlalchemy as sa
from alembic import op

from ktp_service.models import UTCDateTime

revision, down_revision = "b1_kept_forms", "b_printer_status_history"
branch_labels = depends_on = None


def upgrade() -> None:
    op.create_table(
        "kept_form",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_kept_form_user_id"), "kept_form", ["user_id"], unique=False)
    op.create_index(op.f("ix_kept_form_expires_at"), "kept_form", ["expires_at"], unique=False)
    op.create_index(op.f("ix_console_session_ended_at"), "console_session", ["ended_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_console_session_ended_at"), table_name="console_session")
    op.drop_index(op.f("ix_kept_form_expires_at"), table_name="kept_form")
    op.drop_index(op.f("ix_kept_form_user_id"), table_name="kept_form")
    op.drop_table("kept_form")

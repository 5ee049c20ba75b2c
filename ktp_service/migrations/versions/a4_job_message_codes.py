"""print jobs keep what they tell a person as a message code and its parameters, translated when shown;
stored Indonesian texts become codes where they are known, ``legacy_text`` (carrying the old text) otherwise"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision, down_revision = "a4_job_message_codes", "a3_billing_guards"
branch_labels = depends_on = None

# The fixed texts the service stored before this revision, written out here so this migration means the
# same thing whatever the catalogue becomes. Texts with values in them (printer errors) stay legacy_text.
KNOWN_TEXTS = {
    "Menunggu persetujuan supervisor.": "awaiting_approval",
    "Dibatalkan.": "canceled_by_clerk",
    "Pembatalan diminta ke printer.": "cancel_requested",
    "Dibatalkan di printer.": "canceled_at_printer",
    "Kartu selesai dicetak.": "card_printed",
    "Dinyatakan rusak oleh supervisor.": "spoiled_by_confirmation",
}
REFUSED_PREFIX = "Ditolak supervisor."


def as_code(text: str) -> tuple[str, dict[str, Any]]:
    if text in KNOWN_TEXTS:
        return KNOWN_TEXTS[text], {}
    if text.startswith(REFUSED_PREFIX):
        note = text.removeprefix(REFUSED_PREFIX).strip()
        return "refused_by_supervisor", ({"note": note} if note else {})
    return "legacy_text", {"text": text}


def upgrade() -> None:
    op.add_column("print_job", sa.Column("message_code", sa.String(length=48), nullable=True))
    op.add_column(
        "print_job", sa.Column("message_params", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
    )
    job = sa.table(
        "print_job",
        sa.column("id", sa.Integer),
        sa.column("message", sa.String),
        sa.column("message_code", sa.String),
        sa.column("message_params", sa.JSON),
    )
    conn = op.get_bind()
    for row in conn.execute(sa.select(job.c.id, job.c.message).where(job.c.message != "")):
        code, params = as_code(row.message)
        conn.execute(
            job.update().where(job.c.id == row.id).values(message_code=code, message_params=params)
        )
    op.drop_column("print_job", "message")


def downgrade() -> None:
    op.add_column(
        "print_job", sa.Column("message", sa.String(length=300), nullable=False, server_default="")
    )
    op.drop_column("print_job", "message_params")
    op.drop_column("print_job", "message_code")

"""month-end documents as records: signatories with history, the stored and signed final documents with their
per-year numbers, the partner's own invoice number, and the signing date of contract versions (issue 11)

The three new tables are append-only like the ledger (a change of signatory or invoice number is a new row;
a document is made once): PostgreSQL refuses UPDATE, DELETE and TRUNCATE, SQLite UPDATE and DELETE."""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "b1_month_documents", "a5_ascii_digits"
branch_labels = depends_on = None

TABLES = ("billing_signatory", "billing_document", "billing_partner_invoice")


def upgrade() -> None:
    op.add_column("billing_contract_version", sa.Column("signed_on", sa.Date(), nullable=True))
    op.create_table(
        "billing_signatory",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("nip", sa.String(length=18), nullable=False),
        sa.Column("rank", sa.String(length=80), nullable=False),
        sa.Column("position", sa.String(length=160), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("npwp", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_billing_signatory_side", "billing_signatory", ["side"])
    op.create_table(
        "billing_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("made_at", sa.String(length=27), nullable=False),
        sa.Column("made_by", sa.String(length=100), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("month", "kind", name="uq_billing_document_month_kind"),
        sa.UniqueConstraint("kind", "year", "sequence", name="uq_billing_document_sequence"),
    )
    op.create_index("ix_billing_document_month", "billing_document", ["month"])
    op.create_table(
        "billing_partner_invoice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("invoice_number", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_billing_partner_invoice_month", "billing_partner_invoice", ["month"])
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            # ktp_refuse_change() comes from a1, ktp_refuse_truncate() from a8.
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ktp_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ktp_refuse_truncate()"
            )
    else:
        for table in TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
    with op.batch_alter_table("billing_contract_version") as batch:
        batch.drop_column("signed_on")

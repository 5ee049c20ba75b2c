"""money received becomes a list of entries: who recorded each, a payment reference (STS number) recorded
once, reversal by a reversing entry, rows never changed or deleted; the partner's own count per month

Existing rows stay valid: an empty reference becomes NULL, and references are written as they are now
compared (spaces trimmed, upper case). A reference already stored more than once (possible only through the
bug this fixes) keeps every row, numbered by ``reference_reentry``, and is named in the migration's log:
finance reverses the extra entries, which the list now shows."""

import logging

import sqlalchemy as sa
from alembic import op

revision, down_revision = "b1_money_received_entries", "b1_kept_forms"
branch_labels = depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# Written out here rather than imported, so this migration means the same thing whatever the code becomes.
APPEND_ONLY = ("billing_money_received", "billing_partner_count")


def upgrade() -> None:
    conn = op.get_bind()
    postgres = conn.dialect.name == "postgresql"
    with op.batch_alter_table("billing_money_received") as batch:
        batch.add_column(sa.Column("reference_reentry", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("recorded_by", sa.String(length=100), nullable=False, server_default=""))
        batch.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=500), nullable=True))
        batch.alter_column("reference", existing_type=sa.String(length=100), nullable=True)

    seen: dict[str, int] = {}
    rows = conn.execute(sa.text("SELECT id, reference FROM billing_money_received ORDER BY id")).all()
    for row_id, reference in rows:
        normal = " ".join((reference or "").split()).upper() or None
        reentry = seen.get(normal, 0) if normal else 0
        if normal:
            seen[normal] = reentry + 1
            if reentry:
                log.warning(
                    "money received #%s repeats payment reference %s: reverse it if it is a duplicate",
                    row_id,
                    normal,
                )
        conn.execute(
            sa.text("UPDATE billing_money_received SET reference = :r, reference_reentry = :n WHERE id = :i"),
            {"r": normal, "n": reentry, "i": row_id},
        )

    with op.batch_alter_table("billing_money_received") as batch:
        batch.create_unique_constraint(
            "uq_billing_money_received_reference", ["reference", "reference_reentry"]
        )
        batch.create_unique_constraint("uq_billing_money_received_reverses_id", ["reverses_id"])
        batch.create_foreign_key(
            "fk_billing_money_received_reverses_id", "billing_money_received", ["reverses_id"], ["id"]
        )

    op.create_table(
        "billing_partner_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("cards", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.String(length=27), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_billing_partner_count_month", "billing_partner_count", ["month"], unique=False)

    if postgres:
        # ktp_refuse_change() comes from a1, ktp_refuse_truncate() from a8.
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ktp_refuse_change()"
            )
        op.execute(
            "CREATE TRIGGER billing_partner_count_no_truncate BEFORE TRUNCATE ON billing_partner_count "
            "FOR EACH STATEMENT EXECUTE FUNCTION ktp_refuse_truncate()"
        )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in APPEND_ONLY:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    op.drop_index("ix_billing_partner_count_month", table_name="billing_partner_count")
    op.drop_table("billing_partner_count")
    with op.batch_alter_table("billing_money_received") as batch:
        batch.drop_constraint("fk_billing_money_received_reverses_id", type_="foreignkey")
        batch.drop_constraint("uq_billing_money_received_reverses_id", type_="unique")
        batch.drop_constraint("uq_billing_money_received_reference", type_="unique")
    # Reversals have no place in the old shape: each goes with the entry it reversed (together they add up
    # to nothing, so every total stays what it was); an empty reference stands for none again.
    op.execute(
        "DELETE FROM billing_money_received WHERE reverses_id IS NOT NULL OR id IN "
        "(SELECT reverses_id FROM billing_money_received WHERE reverses_id IS NOT NULL)"
    )
    op.execute("UPDATE billing_money_received SET reference = '' WHERE reference IS NULL")
    with op.batch_alter_table("billing_money_received") as batch:
        batch.alter_column("reference", existing_type=sa.String(length=100), nullable=False)
        batch.drop_column("reason")
        batch.drop_column("reverses_id")
        batch.drop_column("recorded_by")
        batch.drop_column("reference_reentry")

"""billing guards: a billing_period row is never deleted and a closed one (its statement stored) never changes;
reconciliation notes keep the difference they were written for; card transactions carry their terms' hash"""


import sqlalchemy as sa
from alembic import op

revision, down_revision = "a3_billing_guards", "a2_append_only_ledger"
branch_labels = depends_on = None

# Written out here rather than imported, so this migration means the same thing whatever the code becomes.
# Opening a month (INSERT) and closing it (one UPDATE of a row whose statement_json is still NULL) stay
# allowed; a deleted or reopened month would take late postings into a month already signed.
REFUSED = "billing_period rows are kept and a closed month is fixed"


def upgrade() -> None:
    # The difference a reconciliation note was written for: it explains the line only while unchanged.
    op.add_column("billing_reconciliation_note", sa.Column("difference", sa.BigInteger(), nullable=True))
    # Each card transaction carries the hash of the terms that priced it (part of its chained content).
    op.add_column("billing_transaction", sa.Column("pricing_sha256", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION billing_period_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_OP = 'DELETE' OR OLD.statement_json IS NOT NULL THEN "
            f"RAISE EXCEPTION '{REFUSED}: % of month % refused', TG_OP, OLD.month; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER billing_period_guard BEFORE UPDATE OR DELETE ON billing_period "
            "FOR EACH ROW EXECUTE FUNCTION billing_period_refuse_change()"
        )
    else:
        op.execute(
            "CREATE TRIGGER billing_period_no_delete BEFORE DELETE ON billing_period "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE refused'); END"
        )
        op.execute(
            "CREATE TRIGGER billing_period_closed_no_update BEFORE UPDATE ON billing_period "
            f"WHEN OLD.statement_json IS NOT NULL BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE refused'); END"
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_reconciliation_note") as batch:
        batch.drop_column("difference")
    with op.batch_alter_table("billing_transaction") as batch:
        batch.drop_column("pricing_sha256")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS billing_period_guard ON billing_period")
        op.execute("DROP FUNCTION IF EXISTS billing_period_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS billing_period_no_delete")
        op.execute("DROP TRIGGER IF EXISTS billing_period_closed_no_update")

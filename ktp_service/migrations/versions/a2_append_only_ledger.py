"""the billing ledger is append-only: the database refuses UPDATE and DELETE on its transactions and entries"""


from alembic import op

revision, down_revision = "a2_append_only_ledger", "a1_append_only_audit"
branch_labels = depends_on = None

# Written out here rather than imported, so this migration means the same thing whatever the code becomes.
LEDGER = ("billing_transaction", "billing_entry")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # ktp_refuse_change() comes from a1_append_only_audit.
        for table in LEDGER:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ktp_refuse_change()"
            )
    else:
        for table in LEDGER:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
                )


def downgrade() -> None:
    for table in LEDGER:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        else:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")

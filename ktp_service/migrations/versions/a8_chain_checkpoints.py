"""signed checkpoints of the billing chain head (append-only); PostgreSQL refuses TRUNCATE of the audit trail
and of every billing table"""


import sqlalchemy as sa
from alembic import op

revision, down_revision = "a8_chain_checkpoints", "a4_job_message_codes"
branch_labels = depends_on = None

# Written out here rather than imported, so this migration means the same thing whatever the code becomes.
# TRUNCATE fires no row trigger, so the append-only triggers of a1/a2/a3 did not stop it.
GUARDED = (
    "audit_event",
    "billing_contract_version",
    "billing_chain_head",
    "billing_period",
    "billing_transaction",
    "billing_entry",
    "billing_billed_card",
    "billing_event_conflict",
    "billing_money_received",
    "billing_reconciliation_note",
    "billing_checkpoint",
)


def upgrade() -> None:
    op.create_table(
        "billing_checkpoint",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.String(length=27), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=True),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # ktp_refuse_change() comes from a1.
        op.execute(
            "CREATE TRIGGER billing_checkpoint_append_only BEFORE UPDATE OR DELETE ON billing_checkpoint "
            "FOR EACH ROW EXECUTE FUNCTION ktp_refuse_change()"
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION ktp_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% keeps its rows: TRUNCATE refused', TG_TABLE_NAME; END $$"
        )
        for table in GUARDED:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ktp_refuse_truncate()"
            )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER billing_checkpoint_no_{action.lower()} BEFORE {action} ON billing_checkpoint "
                f"BEGIN SELECT RAISE(ABORT, 'billing_checkpoint is append-only: {action} refused'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ktp_refuse_truncate()")
    op.drop_table("billing_checkpoint")

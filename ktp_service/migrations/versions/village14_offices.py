"""village service points (issue 14): an office's parent office (a desa/kelurahan office under its kecamatan
office) and an index on the resident's kelurahan/desa code (a village office's clerks see its residents)"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = "village14_offices", "close14_agent_holds"
branch_labels, depends_on = None, None


def upgrade() -> None:
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_office_parent_id"), ["parent_id"], unique=False)
        batch_op.create_foreign_key("fk_office_parent_id_office", "office", ["parent_id"], ["id"])
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_kode_desa"), ["kode_desa"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_kode_desa"))
    with op.batch_alter_table("office", schema=None) as batch_op:
        batch_op.drop_constraint("fk_office_parent_id_office", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_office_parent_id"))
        batch_op.drop_column("parent_id")

"""the card's last step (issue 15): handovers of printed cards (with the survey token of their receipt),
residents who died or moved out of the regency, IKM survey answers (one per receipt); blank cards delivered, sent between offices and counted (stock opname)"""

import sqlalchemy as sa
from alembic import op

from ktp_service.models import UTCDateTime

revision, down_revision = "b3_handover", "b2_print_agents"
branch_labels, depends_on = None, None


def upgrade() -> None:
    op.create_table('card_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('clerk_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=16), nullable=False),
    sa.Column('proxy_name', sa.String(length=80), nullable=True),
    sa.Column('proxy_nik', sa.String(length=16), nullable=True),
    sa.Column('proxy_relation', sa.String(length=40), nullable=True),
    sa.Column('proxy_letter', sa.String(length=60), nullable=True),
    sa.Column('old_card_id', sa.Integer(), nullable=True),
    sa.Column('old_card_destroyed_at', UTCDateTime(), nullable=True),
    sa.Column('survey_token', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], ),
    sa.ForeignKeyConstraint(['clerk_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['job_id'], ['print_job.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['old_card_id'], ['card.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('card_id'),
    sa.UniqueConstraint('job_id')
    )
    with op.batch_alter_table('card_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_handover_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_handover_office_id'), ['office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_handover_survey_token'), ['survey_token'], unique=True)

    op.create_table('resident_departure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('document_number', sa.String(length=60), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=False),
    sa.Column('recorded_at', UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], ),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['resident_id'], ['resident.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('resident_id')
    )
    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handover_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('answered_at', UTCDateTime(), nullable=False),
    sa.Column('u1', sa.Integer(), nullable=True),
    sa.Column('u2', sa.Integer(), nullable=True),
    sa.Column('u3', sa.Integer(), nullable=True),
    sa.Column('u4', sa.Integer(), nullable=True),
    sa.Column('u5', sa.Integer(), nullable=True),
    sa.Column('u6', sa.Integer(), nullable=True),
    sa.Column('u7', sa.Integer(), nullable=True),
    sa.Column('u8', sa.Integer(), nullable=True),
    sa.Column('u9', sa.Integer(), nullable=True),
    sa.Column('complaint', sa.String(length=1000), nullable=True),
    sa.Column('complaint_read_at', UTCDateTime(), nullable=True),
    sa.Column('complaint_read_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('u1 IS NULL OR (u1 BETWEEN 1 AND 4)', name='ck_survey_answer_u1'),
    sa.CheckConstraint('u2 IS NULL OR (u2 BETWEEN 1 AND 4)', name='ck_survey_answer_u2'),
    sa.CheckConstraint('u3 IS NULL OR (u3 BETWEEN 1 AND 4)', name='ck_survey_answer_u3'),
    sa.CheckConstraint('u4 IS NULL OR (u4 BETWEEN 1 AND 4)', name='ck_survey_answer_u4'),
    sa.CheckConstraint('u5 IS NULL OR (u5 BETWEEN 1 AND 4)', name='ck_survey_answer_u5'),
    sa.CheckConstraint('u6 IS NULL OR (u6 BETWEEN 1 AND 4)', name='ck_survey_answer_u6'),
    sa.CheckConstraint('u7 IS NULL OR (u7 BETWEEN 1 AND 4)', name='ck_survey_answer_u7'),
    sa.CheckConstraint('u8 IS NULL OR (u8 BETWEEN 1 AND 4)', name='ck_survey_answer_u8'),
    sa.CheckConstraint('u9 IS NULL OR (u9 BETWEEN 1 AND 4)', name='ck_survey_answer_u9'),
    sa.ForeignKeyConstraint(['complaint_read_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['handover_id'], ['card_handover.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handover_id')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_answered_at'), ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answer_office_id'), ['office_id'], unique=False)


    op.create_table('stock_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('counted', sa.Integer(), nullable=False),
    sa.Column('book_balance', sa.Integer(), nullable=False),
    sa.Column('difference', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.CheckConstraint('counted >= 0', name='ck_stock_count_counted'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stock_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_count_office_id'), ['office_id'], unique=False)

    op.create_table('stock_transfer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('from_office_id', sa.Integer(), nullable=False),
    sa.Column('to_office_id', sa.Integer(), nullable=False),
    sa.Column('quantity_sent', sa.Integer(), nullable=False),
    sa.Column('sent_at', UTCDateTime(), nullable=False),
    sa.Column('sent_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('quantity_received', sa.Integer(), nullable=True),
    sa.Column('received_at', UTCDateTime(), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('receive_note', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['from_office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['received_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['sent_by_id'], ['app_user.id'], ),
    sa.ForeignKeyConstraint(['to_office_id'], ['office.id'], ),
    sa.CheckConstraint('quantity_sent > 0', name='ck_stock_transfer_sent'),
    sa.CheckConstraint('quantity_received IS NULL OR quantity_received >= 0', name='ck_stock_transfer_received'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stock_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_transfer_from_office_id'), ['from_office_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_transfer_to_office_id'), ['to_office_id'], unique=False)

    op.create_table('stock_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('movement_id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('supplier', sa.String(length=120), nullable=False),
    sa.Column('batch', sa.String(length=60), nullable=True),
    sa.Column('serial_from', sa.String(length=40), nullable=True),
    sa.Column('serial_to', sa.String(length=40), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['movement_id'], ['stock_movement.id'], ),
    sa.ForeignKeyConstraint(['office_id'], ['office.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('movement_id')
    )
    with op.batch_alter_table('stock_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_delivery_office_id'), ['office_id'], unique=False)


def downgrade() -> None:

    with op.batch_alter_table('stock_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_delivery_office_id'))

    op.drop_table('stock_delivery')
    with op.batch_alter_table('stock_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_transfer_to_office_id'))
        batch_op.drop_index(batch_op.f('ix_stock_transfer_from_office_id'))

    op.drop_table('stock_transfer')
    with op.batch_alter_table('stock_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_count_office_id'))

    op.drop_table('stock_count')
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_office_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answer_answered_at'))

    op.drop_table('survey_answer')
    op.drop_table('resident_departure')
    with op.batch_alter_table('card_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_handover_survey_token'))
        batch_op.drop_index(batch_op.f('ix_card_handover_office_id'))
        batch_op.drop_index(batch_op.f('ix_card_handover_at'))

    op.drop_table('card_handover')

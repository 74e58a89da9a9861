"""IATI proposals: commitments, amendments and disbursements read from IATI files, for a co-chair to decide

One row per IATI activity and transaction (unique), so nothing is proposed twice. The
reporting organisation the export names is kept in the `setting` table (no change here).

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
from uxo_swg.db import ScaledDecimal

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('iati_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.String(length=255), nullable=False),
    sa.Column('transaction_key', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('change', sa.String(length=10), nullable=False),
    sa.Column('agreement_ref', sa.String(length=60), nullable=False),
    sa.Column('activity_title', sa.String(length=300), nullable=False),
    sa.Column('reporting_org', sa.String(length=300), nullable=False),
    sa.Column('donor_name', sa.String(length=300), nullable=False),
    sa.Column('donor_ref', sa.String(length=100), nullable=False),
    sa.Column('donor_id', sa.Integer(), nullable=True),
    sa.Column('recipient_name', sa.String(length=300), nullable=False),
    sa.Column('recipient_ref', sa.String(length=100), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('dated_on', sa.Date(), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=True),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', ScaledDecimal(4), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('province_code', sa.String(), nullable=True),
    sa.Column('lines', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=False),
    sa.Column('records', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_iati_proposal_decided_by_id_user')),
    sa.ForeignKeyConstraint(['donor_id'], ['organisation.id'], name=op.f('fk_iati_proposal_donor_id_organisation')),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_iati_proposal_proposed_by_id_user')),
    sa.ForeignKeyConstraint(['province_code'], ['province.code'], name=op.f('fk_iati_proposal_province_code_province')),
    sa.ForeignKeyConstraint(['recipient_id'], ['organisation.id'], name=op.f('fk_iati_proposal_recipient_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_iati_proposal')),
    sa.UniqueConstraint('activity_id', 'transaction_key', name=op.f('uq_iati_proposal_activity_id_transaction_key'))
    )
    with op.batch_alter_table('iati_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_iati_proposal_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('iati_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_iati_proposal_status'))

    op.drop_table('iati_proposal')

"""operator returns and reconciliation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from uxo_swg.db import ScaledDecimal  # noqa: F401

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reconciliation_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('disbursement_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_reconciliation_decision_decided_by_id_user')),
    sa.ForeignKeyConstraint(['disbursement_id'], ['disbursement.id'], name=op.f('fk_reconciliation_decision_disbursement_id_disbursement')),
    sa.ForeignKeyConstraint(['receipt_id'], ['return_receipt.id'], name=op.f('fk_reconciliation_decision_receipt_id_return_receipt')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_decision')),
    sa.UniqueConstraint('receipt_id', 'disbursement_id', name=op.f('uq_reconciliation_decision_receipt_id_disbursement_id'))
    )
    with op.batch_alter_table('reconciliation_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_decision_disbursement_id'), ['disbursement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reconciliation_decision_receipt_id'), ['receipt_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reconciliation_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_decision_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_reconciliation_decision_disbursement_id'))

    op.drop_table('reconciliation_decision')

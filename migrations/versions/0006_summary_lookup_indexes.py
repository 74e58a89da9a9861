"""indexes for summaries: receipts by date, disbursements by agreement ref, donor and recipient or channel

A summary reads the receipts of its window by date and looks up, for each one with an
agreement ref, the disbursements it may match (counting rule 5). The single-column index on
`disbursement.agreement_ref` becomes the first column of the new one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CHANNEL = sa.text("via_id IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.drop_index('ix_disbursement_agreement_ref')
        batch_op.create_index('ix_disbursement_agreement_ref_donor_recipient', ['agreement_ref', 'donor_id', 'recipient_id'],
                              unique=False)
        batch_op.create_index('ix_disbursement_agreement_ref_donor_via', ['agreement_ref', 'donor_id', 'via_id'], unique=False,
                              sqlite_where=CHANNEL, postgresql_where=CHANNEL)
    with op.batch_alter_table('return_receipt', schema=None) as batch_op:
        batch_op.create_index('ix_return_receipt_received_on', ['received_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('return_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_return_receipt_received_on')
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.drop_index('ix_disbursement_agreement_ref_donor_via')
        batch_op.drop_index('ix_disbursement_agreement_ref_donor_recipient')
        batch_op.create_index('ix_disbursement_agreement_ref', ['agreement_ref'], unique=False)

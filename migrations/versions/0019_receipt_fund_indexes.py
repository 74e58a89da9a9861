"""indexes for a summary's matching of receipts (issue 11)

`return_receipt (donor_id)` and `(via_id)`: a summary matches every receipt naming a pooled
fund, as donor or as channel, against the fund's allocations since its first record (rule
11). Without them that read goes through all the receipts ever stored; with them, through
the fund's own.

`disbursement (agreement_ref, donor_id, via_id)` where there is a channel (dropped by 0007,
back): on PostgreSQL a summary now looks up a receipt's candidate disbursements (rule 5)
twice per receipt, by recipient through the (ref, donor, recipient) index and by channel
through this one, instead of reading every disbursement of the ref and donor and checking
recipient and channel on each.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('return_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_receipt_donor_id'), ['donor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_receipt_via_id'), ['via_id'], unique=False)
    channel = sa.text("via_id IS NOT NULL")
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.create_index('ix_disbursement_agreement_ref_donor_via', ['agreement_ref', 'donor_id', 'via_id'], unique=False,
                              sqlite_where=channel, postgresql_where=channel)


def downgrade() -> None:
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.drop_index('ix_disbursement_agreement_ref_donor_via')
    with op.batch_alter_table('return_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_receipt_via_id'))
        batch_op.drop_index(batch_op.f('ix_return_receipt_donor_id'))

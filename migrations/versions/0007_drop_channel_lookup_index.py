"""drop the partial index on disbursement (agreement_ref, donor_id, via_id)

A summary now looks up a receipt's candidate disbursements (counting rule 5) in one
statement, by agreement ref and donor, and checks recipient and channel on the few rows
found: the index on (agreement_ref, donor_id, recipient_id) serves it on both databases,
and the partial index on the channel was no longer read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.drop_index('ix_disbursement_agreement_ref_donor_via')


def downgrade() -> None:
    channel = sa.text("via_id IS NOT NULL")
    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.create_index('ix_disbursement_agreement_ref_donor_via', ['agreement_ref', 'donor_id', 'via_id'], unique=False,
                              sqlite_where=channel, postgresql_where=channel)

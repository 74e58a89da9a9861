"""indexes for the lists read in SQL (issue 14)

`pledge.announced_on`: the pledge list's default order, so PostgreSQL can read a page in
that order instead of sorting every pledge. `return_receipt (return_id, received_on)`: the
reconciliation asks which operators reported receipts in a quarter's window, one index
seek per return instead of reading every receipt of the window.

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-30
"""
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pledge_announced_on'), ['announced_on'], unique=False)
    with op.batch_alter_table('return_receipt', schema=None) as batch_op:
        batch_op.create_index('ix_return_receipt_return_id_received_on', ['return_id', 'received_on'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('return_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_return_receipt_return_id_received_on')
    with op.batch_alter_table('pledge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pledge_announced_on'))

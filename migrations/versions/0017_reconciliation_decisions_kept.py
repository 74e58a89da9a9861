"""reconciliation decisions are kept: undone or replaced, never overwritten; one in force per pair

A co-chair may undo a decision or decide otherwise; the decision made before stays, marked
undone (`undone_at`, `undone_by_id`) and, when another replaced it, naming that one
(`replaced_by_id`). The unique constraint on (receipt, disbursement) becomes a unique index on
the decisions in force (`undone_at IS NULL`), so two first decisions at once still store one.
Existing decisions are all in force: nothing to repair.

Revision ID: 0017
Revises: 0012
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None

IN_FORCE = sa.text("undone_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('reconciliation_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('undone_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reconciliation_decision_undone_by_id_user'), 'user',
                                    ['undone_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_reconciliation_decision_replaced_by_id_reconciliation_decision'),
                                    'reconciliation_decision', ['replaced_by_id'], ['id'])
        batch_op.drop_constraint('uq_reconciliation_decision_receipt_id_disbursement_id', type_='unique')
    with op.batch_alter_table('reconciliation_decision', schema=None) as batch_op:
        batch_op.create_index('uq_reconciliation_decision_in_force', ['receipt_id', 'disbursement_id'], unique=True,
                              sqlite_where=IN_FORCE, postgresql_where=IN_FORCE)


def downgrade() -> None:
    # Only the decisions in force go back: the table had room for one decision per pair.
    op.execute("DELETE FROM reconciliation_decision WHERE undone_at IS NOT NULL")
    with op.batch_alter_table('reconciliation_decision', schema=None) as batch_op:
        batch_op.drop_index('uq_reconciliation_decision_in_force')
    with op.batch_alter_table('reconciliation_decision', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_reconciliation_decision_receipt_id_disbursement_id',
                                          ['receipt_id', 'disbursement_id'])
        batch_op.drop_constraint(batch_op.f('fk_reconciliation_decision_replaced_by_id_reconciliation_decision'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_reconciliation_decision_undone_by_id_user'), type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('undone_by_id')
        batch_op.drop_column('undone_at')

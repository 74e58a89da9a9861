"""people reached on return outputs (by sex, age and disability), and the work plan's targets

A return's output line gains five nullable counts: women, men, girls, boys and people with
a disability. Lines stored before this migration keep them NULL: their people figures are
unknown, never 0. The new table `target` holds the annual work plan's targets per year,
pillar and indicator; like a requirement, a new target supersedes the current one and none
is deleted.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa
from uxo_swg.db import ScaledDecimal

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

PEOPLE = ('women', 'men', 'girls', 'boys', 'with_disability')


def upgrade() -> None:
    with op.batch_alter_table('return_output', schema=None) as batch_op:
        for name in PEOPLE:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))

    op.create_table('target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('pillar_code', sa.String(), nullable=False),
    sa.Column('indicator', sa.String(length=60), nullable=False),
    sa.Column('target', ScaledDecimal(4), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_target_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['pillar_code'], ['pillar.code'], name=op.f('fk_target_pillar_code_pillar')),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['target.id'], name=op.f('fk_target_superseded_by_id_target')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target'))
    )
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_year'), ['year'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_year'))
    op.drop_table('target')
    with op.batch_alter_table('return_output', schema=None) as batch_op:
        for name in reversed(PEOPLE):
            batch_op.drop_column(name)

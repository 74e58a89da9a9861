"""pledges workspace

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from uxo_swg.db import ScaledDecimal  # noqa: F401

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A requirement is cancelled (or superseded), never deleted; an import rollback cancels it.
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('requirement', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')

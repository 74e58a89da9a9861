"""the summary cache: a data version moved by every change, and the computed documents

`data_version` holds one row whose counter every transaction that changes stored data
moves at its commit (uxo_swg/data_version.py); `summary_cache` keeps a computed summary
document per scope, data version and code fingerprint, so that twenty people opening the
same summary cost one computation (issue 14).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('counter', sa.BigInteger(), nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'counter': 0, 'epoch': uuid.uuid4().hex}])
    op.create_table('summary_cache',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=100), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_cache')),
    sa.UniqueConstraint('scope', 'data_version', 'fingerprint', name=op.f('uq_summary_cache_scope_data_version_fingerprint'))
    )


def downgrade() -> None:
    op.drop_table('summary_cache')
    op.drop_table('data_version')

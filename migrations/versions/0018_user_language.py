"""the language a user chose for the interface

`user.language` holds "lo" or "en" once the user picks a language with the switch in the
header; NULL (every user stored before this migration) means the browser's language.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-10
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')

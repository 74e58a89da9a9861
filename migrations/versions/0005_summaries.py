"""summaries: reports, published versions (frozen snapshots), comments, pillars reviewers follow

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
from uxo_swg.db import ScaledDecimal  # noqa: F401

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('summary_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=3), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('pillar_code', sa.String(length=20), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_report')),
    sa.UniqueConstraint('kind', 'period', 'pillar_code', name=op.f('uq_summary_report_kind_period_pillar_code'))
    )
    op.create_table('reviewer_pillar',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('pillar_code', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['pillar_code'], ['pillar.code'], name=op.f('fk_reviewer_pillar_pillar_code_pillar')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reviewer_pillar_user_id_user')),
    sa.PrimaryKeyConstraint('user_id', 'pillar_code', name=op.f('pk_reviewer_pillar'))
    )
    op.create_table('summary_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('after_version', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author', sa.String(length=254), nullable=False),
    sa.Column('body', sa.String(length=4000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_summary_comment_author_id_user')),
    sa.ForeignKeyConstraint(['report_id'], ['summary_report.id'], name=op.f('fk_summary_comment_report_id_summary_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_comment'))
    )
    with op.batch_alter_table('summary_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_comment_report_id'), ['report_id'], unique=False)

    op.create_table('summary_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_by', sa.String(length=254), nullable=False),
    sa.Column('figures_json', sa.Text(), nullable=False),
    sa.Column('records_json', sa.Text(), nullable=False),
    sa.Column('rates_json', sa.Text(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('decisions', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_summary_version_published_by_id_user')),
    sa.ForeignKeyConstraint(['report_id'], ['summary_report.id'], name=op.f('fk_summary_version_report_id_summary_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_summary_version')),
    sa.UniqueConstraint('report_id', 'number', name=op.f('uq_summary_version_report_id_number'))
    )
    with op.batch_alter_table('summary_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_summary_version_report_id'), ['report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('summary_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_version_report_id'))
    op.drop_table('summary_version')
    with op.batch_alter_table('summary_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_summary_comment_report_id'))
    op.drop_table('summary_comment')
    op.drop_table('reviewer_pillar')
    op.drop_table('summary_report')

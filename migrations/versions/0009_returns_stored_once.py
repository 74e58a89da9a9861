"""returns stored once: one current version per operator and quarter, unique version numbers, a lock row

Two confirmations at once (a double click, two colleagues) used to store the same return
twice or number two versions alike. The database now refuses both: a partial unique index
allows one current version (superseded_by_id IS NULL) per operator and quarter, and
(operator_id, quarter, version_no) is unique. The file's hash is not unique: sending again
an earlier version's file is how an operator goes back to it (it becomes the next version).
Imports lock a `return_lock` row per operator and quarter before looking at the versions.

Both are unique indexes (SQLite adds an index without rebuilding the table).

A database that the race had already damaged is repaired first, nothing deleted: the
versions of each operator and quarter are numbered 1, 2, 3 ... in the order they were
stored, each superseded by the next, the last one current; every change is written to the
audit log as done by this migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""
import json
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

CURRENT = sa.text("superseded_by_id IS NULL")


def _repair(connection) -> None:
    """Renumber and re-chain the versions of every operator and quarter stored out of order."""
    rows = connection.execute(sa.text(
        "SELECT id, operator_id, quarter, version_no, superseded_by_id FROM operator_return "
        "ORDER BY operator_id, quarter, id")).all()
    groups: dict[tuple[int, str], list] = {}
    for row in rows:
        groups.setdefault((row.operator_id, row.quarter), []).append(row)
    audit = []
    now = datetime.now(timezone.utc)
    for versions in groups.values():
        for number, row in enumerate(versions, start=1):
            following = versions[number].id if number < len(versions) else None
            if (row.version_no, row.superseded_by_id) == (number, following):
                continue
            connection.execute(sa.text("UPDATE operator_return SET version_no = :v, superseded_by_id = :s WHERE id = :id"),
                               {"v": number, "s": following, "id": row.id})
            audit.append({"at": now, "actor": "migration 0009", "via": "migration", "action": "update",
                          "entity": "operator_return", "entity_id": str(row.id),
                          "before": json.dumps({"superseded_by_id": row.superseded_by_id, "version_no": row.version_no}),
                          "after": json.dumps({"superseded_by_id": following, "version_no": number})})
    if audit:
        connection.execute(sa.text("INSERT INTO audit_log (at, actor, via, action, entity, entity_id, before, after) "
                                   "VALUES (:at, :actor, :via, :action, :entity, :entity_id, :before, :after)"), audit)


def upgrade() -> None:
    op.create_table('return_lock',
    sa.Column('operator_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('operator_id', 'quarter', name=op.f('pk_return_lock'))
    )
    _repair(op.get_bind())
    with op.batch_alter_table('operator_return', schema=None) as batch_op:
        batch_op.create_index('uq_operator_return_version', ['operator_id', 'quarter', 'version_no'], unique=True)
        batch_op.create_index('uq_operator_return_current', ['operator_id', 'quarter'], unique=True,
                              sqlite_where=CURRENT, postgresql_where=CURRENT)


def downgrade() -> None:
    with op.batch_alter_table('operator_return', schema=None) as batch_op:
        batch_op.drop_index('uq_operator_return_current')
        batch_op.drop_index('uq_operator_return_version')
    op.drop_table('return_lock')

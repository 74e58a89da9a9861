"""agreement lines and amendments, cash or in-kind support, pooled funds, expenditure funded by

An agreement (commitment) now has yearly lines of year, pillar and amount, like a pledge,
and dated amendments (increase, decrease, terminate). Every existing agreement becomes one
line: the year of its signature, its pillar and its amount, copied exactly (the stored
integer) before the two columns are dropped; each copied line is written to the audit log.
Agreements and disbursements gain `support` (cash, the default, or in-kind); organisations
gain whether they are CCM State Parties and the month their fiscal year starts; an
expenditure line gains who funded it (`funded_by_id`, or `own_funds`). The organisation
kind `pooled-fund` needs no schema change (kinds are not constrained in the database).

Downgrade folds the lines of an agreement back into one amount (their sum; the pillar of
its first line, or `unallocated` when the lines have several) and loses its amendments.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
import json
from datetime import datetime, timezone
from decimal import Decimal

from alembic import op
import sqlalchemy as sa
from uxo_swg.db import ScaledDecimal

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

AMOUNT_SCALE = 4  # models.AMOUNT_SCALE when this migration was written

# The tables as this migration sees them; amounts move as the stored integers, exactly.
_commitment = sa.table(
    'commitment', sa.column('id', sa.Integer), sa.column('signed_on', sa.Date),
    sa.column('pillar_code', sa.String), sa.column('amount', sa.BigInteger),
)
_line = sa.table(
    'commitment_line', sa.column('id', sa.Integer), sa.column('commitment_id', sa.Integer),
    sa.column('year', sa.Integer), sa.column('pillar_code', sa.String), sa.column('amount', sa.BigInteger),
)
_audit = sa.table(
    'audit_log', sa.column('at', sa.DateTime(timezone=True)), sa.column('user_id', sa.Integer),
    sa.column('actor', sa.String), sa.column('via', sa.String), sa.column('action', sa.String),
    sa.column('entity', sa.String), sa.column('entity_id', sa.String), sa.column('before', sa.String),
    sa.column('after', sa.String),
)


def upgrade() -> None:
    op.create_table('commitment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('pillar_code', sa.String(), nullable=False),
    sa.Column('amount', ScaledDecimal(4), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_commitment_line_commitment_id_commitment')),
    sa.ForeignKeyConstraint(['pillar_code'], ['pillar.code'], name=op.f('fk_commitment_line_pillar_code_pillar')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_line')),
    sa.UniqueConstraint('commitment_id', 'year', 'pillar_code', name=op.f('uq_commitment_line_commitment_id_year_pillar_code'))
    )
    with op.batch_alter_table('commitment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_line_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_line_year'), ['year'], unique=False)

    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('amended_on', sa.Date(), nullable=False),
    sa.Column('change', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('pillar_code', sa.String(), nullable=True),
    sa.Column('amount', ScaledDecimal(4), nullable=True),
    sa.Column('new_end', sa.Date(), nullable=True),
    sa.Column('notes', sa.String(length=2000), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_amendment_commitment_id_commitment')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['import_batch.id'], name=op.f('fk_amendment_import_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['pillar_code'], ['pillar.code'], name=op.f('fk_amendment_pillar_code_pillar')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_amended_on'), ['amended_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_amendment_commitment_id'), ['commitment_id'], unique=False)

    _copy_agreements_into_lines()

    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('commitment', schema=None) as batch_op:
            batch_op.add_column(sa.Column('support', sa.String(length=10), nullable=False, server_default='cash'))
        _rebuild_commitment_on_sqlite(with_amount=False)
    else:
        with op.batch_alter_table('commitment', schema=None) as batch_op:
            batch_op.add_column(sa.Column('support', sa.String(length=10), nullable=False, server_default='cash'))
            batch_op.drop_constraint(batch_op.f('fk_commitment_pillar_code_pillar'), type_='foreignkey')
            batch_op.drop_column('pillar_code')
            batch_op.drop_column('amount')

    with op.batch_alter_table('disbursement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support', sa.String(length=10), nullable=False, server_default='cash'))

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ccm_state_party', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('fiscal_year_start', sa.Integer(), nullable=True))

    with op.batch_alter_table('return_expenditure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('own_funds', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_foreign_key(batch_op.f('fk_return_expenditure_funded_by_id_organisation'), 'organisation',
                                    ['funded_by_id'], ['id'])


def _commitment_table(*, with_amount: bool) -> sa.Table:
    """Return the commitment table after this migration, or before it (with its amount and pillar)."""
    metadata = sa.MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    })
    for name, key in (('organisation', 'id'), ('pledge', 'id'), ('import_batch', 'id'), ('pillar', 'code')):
        sa.Table(name, metadata, sa.Column(key, sa.Integer if key == 'id' else sa.String, primary_key=True))
    money = [
        sa.Column('pillar_code', sa.String(), sa.ForeignKey('pillar.code'), nullable=False),
        sa.Column('amount', ScaledDecimal(4), nullable=False),
    ] if with_amount else [sa.Column('support', sa.String(length=10), nullable=False, server_default='cash')]
    return sa.Table(
        'commitment', metadata,
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('ref', sa.String(length=60), nullable=False, unique=True),
        sa.Column('pledge_id', sa.Integer(), sa.ForeignKey('pledge.id'), nullable=True, index=True),
        sa.Column('donor_id', sa.Integer(), sa.ForeignKey('organisation.id'), nullable=False, index=True),
        sa.Column('recipient_id', sa.Integer(), sa.ForeignKey('organisation.id'), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False, index=True),
        sa.Column('start_on', sa.Date(), nullable=False),
        sa.Column('end_on', sa.Date(), nullable=False),
        *money,
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('notes', sa.String(length=2000), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('import_batch_id', sa.Integer(), sa.ForeignKey('import_batch.id'), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )


def _rebuild_commitment_on_sqlite(*, with_amount: bool) -> None:
    """Rebuild `commitment` in SQLite's own order, so the rows that refer to it stay valid.

    SQLite cannot drop a column that has a foreign key, and batch mode's rebuild (copy, drop
    the table, rename the copy) fails while disbursements and lines refer to agreements:
    the drop counts them as violations that the rename never clears. Here the checks wait
    for the commit (the pragma ends with the transaction), and putting the rows back into
    a table named `commitment` clears each violation the drop counted.
    """
    conn = op.get_bind()
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    table = _commitment_table(with_amount=with_amount)
    columns = ", ".join(c.name for c in table.columns)
    conn.exec_driver_sql(f"CREATE TABLE _commitment_0008 AS SELECT {columns} FROM commitment")
    conn.exec_driver_sql("DROP TABLE commitment")
    table.create(conn)
    conn.exec_driver_sql(f"INSERT INTO commitment ({columns}) SELECT {columns} FROM _commitment_0008")
    conn.exec_driver_sql("DROP TABLE _commitment_0008")


def _copy_agreements_into_lines() -> None:
    """Give every agreement one line (year signed, pillar, amount), audited as done by the migration."""
    conn = op.get_bind()
    agreements = conn.execute(
        sa.select(_commitment.c.id, _commitment.c.signed_on, _commitment.c.pillar_code, _commitment.c.amount)
        .order_by(_commitment.c.id)
    ).all()
    if not agreements:
        return
    conn.execute(_line.insert(), [
        {"commitment_id": a.id, "year": a.signed_on.year, "pillar_code": a.pillar_code, "amount": a.amount}
        for a in agreements
    ])
    lines = conn.execute(sa.select(_line).order_by(_line.c.id)).all()
    now = datetime.now(timezone.utc)
    conn.execute(_audit.insert(), [
        {
            "at": now, "user_id": None, "actor": "migration 0008", "via": "migration", "action": "insert",
            "entity": "commitment_line", "entity_id": str(line.id), "before": None,
            "after": json.dumps({
                "id": line.id, "commitment_id": line.commitment_id, "year": line.year,
                "pillar_code": line.pillar_code, "amount": str(Decimal(line.amount).scaleb(-AMOUNT_SCALE)),
            }),
        }
        for line in lines
    ])


def downgrade() -> None:
    with op.batch_alter_table('return_expenditure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_return_expenditure_funded_by_id_organisation'), type_='foreignkey')
        batch_op.drop_column('own_funds')
        batch_op.drop_column('funded_by_id')

    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a rebuild would trip on the rows referring to them.
    with op.batch_alter_table('organisation', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('fiscal_year_start')
        batch_op.drop_column('ccm_state_party')

    with op.batch_alter_table('disbursement', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('support')

    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amount', ScaledDecimal(4), nullable=True))
        batch_op.add_column(sa.Column('pillar_code', sa.String(), nullable=True))
    conn = op.get_bind()
    folded: dict[int, tuple[int, str]] = {}
    for line in conn.execute(sa.select(_line).order_by(_line.c.id)):
        total, pillar = folded.get(line.commitment_id, (0, line.pillar_code))
        folded[line.commitment_id] = (total + line.amount, pillar if pillar == line.pillar_code else 'unallocated')
    for commitment_id, (total, pillar) in folded.items():
        conn.execute(_commitment.update().where(_commitment.c.id == commitment_id).values(amount=total, pillar_code=pillar))
    conn.execute(_commitment.update().where(_commitment.c.amount.is_(None)).values(amount=0, pillar_code='unallocated'))
    if conn.dialect.name == 'sqlite':
        _rebuild_commitment_on_sqlite(with_amount=True)
    else:
        with op.batch_alter_table('commitment', schema=None) as batch_op:
            batch_op.alter_column('amount', existing_type=ScaledDecimal(4), nullable=False)
            batch_op.alter_column('pillar_code', existing_type=sa.String(), nullable=False)
            batch_op.create_foreign_key(batch_op.f('fk_commitment_pillar_code_pillar'), 'pillar', ['pillar_code'], ['code'])
            batch_op.drop_column('support')

    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_commitment_id'))
        batch_op.drop_index(batch_op.f('ix_amendment_amended_on'))
    op.drop_table('amendment')

    with op.batch_alter_table('commitment_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_line_year'))
        batch_op.drop_index(batch_op.f('ix_commitment_line_commitment_id'))
    op.drop_table('commitment_line')

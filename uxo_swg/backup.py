"""Backups of the database that can be put back: SQLite's online backup API, PostgreSQL's pg_dump.

A backup is one file with a sha256 checksum file beside it (`FILE.sha256`, the format of
`sha256sum`). A restore checks the checksum and the backup's migration (its
`alembic_version`): a backup made by a newer version of the application is refused, an
older one is upgraded to this version's migrations after it is put back.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError

from .data_version import new_epoch
from .db import make_engine
from .migrate import alembic_config, upgrade

#: Nightly backups are named uxo_swg-2025-10-03.sqlite (or .dump for PostgreSQL's custom format).
NIGHTLY = re.compile(r"^uxo_swg-\d{4}-\d{2}-\d{2}\.(sqlite|dump)$")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done, and why."""


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> Path:
    database = sa.engine.make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url}: an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _pg_schema(url: str) -> str | None:
    """Return the schema named by the URL's search_path option (the test suite's), or None for the whole database."""
    options = sa.engine.make_url(url).query.get("options", "")
    found = re.search(r"-c\s*search_path=([A-Za-z_][A-Za-z0-9_]*)", options if isinstance(options, str) else " ".join(options))
    return found.group(1) if found else None


def _pg_env(url: str) -> dict[str, str]:
    """Return the environment that points pg_dump and pg_restore at the URL's database (password not on the command line)."""
    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    for key, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                       ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value:
            env[key] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found: install the PostgreSQL client tools of the server's major version "
                          f"(Debian: apt-get install postgresql-client) so that {name} is on the PATH, then run this again")
    return path


def _run(command: list[str], url: str) -> str:
    done = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def sha256_of(path: Path) -> str:
    """Return the sha256 checksum of a file, in hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_database(url: str, output: Path) -> Path:
    """Write a consistent copy of the database to `output`, and its checksum beside it; return the path."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    partial.unlink(missing_ok=True)
    if _is_sqlite(url):
        source = sqlite3.connect(_sqlite_path(url))
        target = sqlite3.connect(partial)
        try:
            source.backup(target)  # the online backup API: a consistent copy while others write
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            target.close()
            source.close()
    else:
        schema = _pg_schema(url)
        _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", *([f"--schema={schema}"] if schema else [])], url)
    partial.replace(output)
    Path(f"{output}.sha256").write_text(f"{sha256_of(output)}  {output.name}\n")
    return output


def nightly_backup(url: str, folder: Path, keep: int, day: date) -> tuple[Path, list[Path]]:
    """Back up the database as the day's copy in `folder` and delete the oldest beyond `keep`; return both."""
    extension = "sqlite" if _is_sqlite(url) else "dump"
    path = backup_database(url, Path(folder) / f"uxo_swg-{day.isoformat()}.{extension}")
    copies = sorted(p for p in Path(folder).iterdir() if NIGHTLY.match(p.name))
    removed = copies[:-keep] if keep > 0 else []
    for old in removed:
        old.unlink(missing_ok=True)
        Path(f"{old}.sha256").unlink(missing_ok=True)
    return path, removed


def verify_checksum(path: Path) -> bool:
    """Check the backup against its .sha256 file; return False when there is none, raise when it differs."""
    checksum = Path(f"{path}.sha256")
    if not checksum.exists():
        return False
    expected = checksum.read_text().split()[0] if checksum.read_text().split() else ""
    if sha256_of(path) != expected:
        raise BackupError(f"{path.name} does not match its checksum in {checksum.name}: the file is damaged or "
                          "was changed; nothing was restored")
    return True


def backup_revision(path: Path) -> str | None:
    """Return the migration a backup was made at (its alembic_version), or None when it has none."""
    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            connection.close()
    if path.read_bytes()[:5] != b"PGDMP":
        raise BackupError(f"{path.name} is neither an SQLite database nor a pg_dump custom-format archive")
    text = subprocess.run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
                          capture_output=True, text=True).stdout
    found = re.search(r"^COPY [^\n]*alembic_version[^\n]*\n([^\n\\]+)\n", text, re.MULTILINE)
    return found.group(1).strip() if found else None


def _archive_schema(path: Path) -> str | None:
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True).stdout
    found = re.search(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", listing, re.MULTILINE)
    return found.group(1) if found else None


def _tables(url: str, schema: str | None = None) -> list[str]:
    engine = make_engine(url)
    try:
        return sa.inspect(engine).get_table_names(schema=schema)
    finally:
        engine.dispose()


def restore_database(path: Path, url: str, *, force: bool = False) -> str:
    """Put a backup back into the database at `url` (empty unless `force`), upgraded to this version; say what was done."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    checked = verify_checksum(path)
    revision = backup_revision(path)
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    if revision is None:
        raise BackupError(f"{path.name} holds no alembic_version: it is not a backup of this application's database")
    try:
        script.get_revision(revision)
    except CommandError:
        raise BackupError(f"{path.name} was made at migration {revision}, which this version of the application does not "
                          f"know (its latest is {head}): restore it with the newer version that made it") from None
    existing = _tables(url, _pg_schema(url) if not _is_sqlite(url) else None)
    if existing and not force:
        raise BackupError(f"the database is not empty ({len(existing)} tables): restore into an empty database, or pass "
                          "--force to replace everything in it")
    if _is_sqlite(url):
        source, target = sqlite3.connect(f"file:{path}?mode=ro", uri=True), sqlite3.connect(_sqlite_path(url))
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _pg_restore(path, url, replace=bool(existing))
    said = f"restored {path.name} ({'checksum verified' if checked else 'no checksum file beside it: not verified'})"
    if revision != head:
        upgrade(url)
        said += f", upgraded from migration {revision} to {head}"
    _forget_summaries(url)
    return said


def _forget_summaries(url: str) -> None:
    """Draw a new data-version epoch: no summary computed before the restore can match the data put back."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            new_epoch(conn)
    finally:
        engine.dispose()


def _pg_restore(path: Path, url: str, *, replace: bool) -> None:
    """Restore a custom-format archive: one schema (renamed to the URL's when it differs) or the whole database."""
    schema, archived = _pg_schema(url), _archive_schema(path)
    command = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
    if schema is None and archived is not None:
        raise BackupError(f"{path.name} holds schema {archived} only: restore it with a DATABASE_URL whose options set "
                          f"search_path={archived} (or to another schema name)")
    engine = make_engine(url)
    try:
        if archived is None:
            if schema is not None:
                raise BackupError(f"{path.name} is a backup of a whole database: restore it with a DATABASE_URL that "
                                  "sets no search_path")
            _run(command + (["--clean", "--if-exists"] if replace else []) + [f"--dbname={_pg_env(url)['PGDATABASE']}",
                                                                            str(path)], url)
            return
        with engine.begin() as conn:
            taken = conn.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = :n"), {"n": archived}).first()
            if archived != schema and taken:
                raise BackupError(f"{path.name} holds schema {archived}, which exists in this database next to {schema}: "
                                  "restore it into another database")
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        _run(command + [f"--dbname={_pg_env(url)['PGDATABASE']}", str(path)], url)
        if archived != schema:
            with engine.begin() as conn:
                conn.execute(sa.text(f'ALTER SCHEMA "{archived}" RENAME TO "{schema}"'))
    finally:
        engine.dispose()

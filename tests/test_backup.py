"""Backups made by the job and the command, put back into an empty database with the same figures."""
from __future__ import annotations

import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlmodel import select

from conftest import PG_URL
from uxo_swg import create_app
from uxo_swg.backup import BackupError, backup_database, backup_revision, restore_database
from uxo_swg.db import get_session, make_engine, scratch_schema
from uxo_swg.migrate import alembic_config
from uxo_swg.models import JobHistory
from uxo_swg.scheduler import run_job
from uxo_swg.summaries import services

HEAD = "0017"
SCOPES = [services.scope_of("twg", "2025-Q3", "clearance"), services.scope_of("swg", "2025-H1")]


def summaries(app) -> list[dict]:
    with app.app_context():
        return [services.compute_summary(scope, session=get_session())[0] for scope in SCOPES]


@contextmanager
def empty_database(tmp_path: Path):
    """Yield the URL of another empty database: a new SQLite file, or a new PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / f'restored-{uuid.uuid4().hex[:6]}.sqlite'}"
        return
    with scratch_schema(PG_URL, "r") as url:
        yield url


def _drop_everything(url: str) -> None:
    """Lose the database (the disaster a backup is for): every table of the file or schema."""
    engine = make_engine(url)
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        meta = sa.MetaData()
        meta.reflect(conn)
        meta.drop_all(conn)
    engine.dispose()


def test_the_nightly_backup_restored_into_an_empty_database_gives_the_same_summaries(demo_app, tmp_path, database_url):
    demo_app.config.update(BACKUP_FOLDER=str(tmp_path / "backups"), BACKUP_KEEP=2)
    before = summaries(demo_app)
    assert before[0]["totals"]["disbursed"] not in (None, "0.00")
    with demo_app.app_context():
        said = run_job("backup", "2025-10-03", session=get_session())
    suffix = "sqlite" if not PG_URL else "dump"
    backup = tmp_path / "backups" / f"uxo_swg-2025-10-03.{suffix}"
    assert f"wrote {backup}" in said
    assert (tmp_path / "backups" / f"{backup.name}.sha256").read_text().endswith(f"  {backup.name}\n")
    assert backup_revision(backup) == HEAD
    demo_app.extensions["engine"].dispose()
    _drop_everything(database_url)  # the database is lost
    said = restore_database(backup, database_url)
    assert said == f"restored {backup.name} (checksum verified)"
    restored = create_app("test", DATABASE_URL=database_url)
    try:
        assert summaries(restored) == before
    finally:
        restored.extensions["engine"].dispose()


def test_restore_into_another_empty_database(demo_app, tmp_path):
    before = summaries(demo_app)
    backup = backup_database(demo_app.config["DATABASE_URL"], tmp_path / "copy.bak")
    with empty_database(tmp_path) as url:
        if PG_URL:  # the archive holds the source schema, which is still there: said plainly, nothing done
            with pytest.raises(BackupError, match="restore it into another database"):
                restore_database(backup, url)
            return
        restore_database(backup, url)
        restored = create_app("test", DATABASE_URL=url)
        assert summaries(restored) == before
        restored.extensions["engine"].dispose()


def test_copies_beyond_the_number_kept_are_deleted(app, tmp_path):
    app.config.update(BACKUP_FOLDER=str(tmp_path / "nightly"), BACKUP_KEEP=2)
    with app.app_context():
        s = get_session()
        for day in ("2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"):
            said = run_job("backup", day, session=s)
        assert "already done" in run_job("backup", "2026-01-02", session=s)
        history = s.exec(select(JobHistory.period, JobHistory.outcome).order_by(JobHistory.id)).all()
    suffix = "sqlite" if not PG_URL else "dump"
    assert f"removed uxo_swg-2025-12-31.{suffix}" in said
    assert sorted(p.name for p in (tmp_path / "nightly").iterdir()) == [
        f"uxo_swg-2026-01-01.{suffix}", f"uxo_swg-2026-01-01.{suffix}.sha256",
        f"uxo_swg-2026-01-02.{suffix}", f"uxo_swg-2026-01-02.{suffix}.sha256"]
    assert history == [(d, "done") for d in ("2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02")]


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(demo_app, runner, tmp_path, database_url):
    backup = tmp_path / "demo.bak"
    result = runner.invoke(args=["backup", "--output", str(backup)])
    assert result.exit_code == 0, result.output
    assert f"wrote {backup}" in result.output
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code != 0
    assert "the database is not empty" in result.output and "--force" in result.output
    result = runner.invoke(args=["restore", str(backup), "--force"])
    assert result.exit_code == 0, result.output
    assert "restored demo.bak (checksum verified)" in result.output


def test_restore_refuses_a_damaged_file(app, tmp_path, database_url):
    backup = backup_database(database_url, tmp_path / "x.bak")
    data = bytearray(backup.read_bytes())
    data[-1] ^= 0xFF
    backup.write_bytes(bytes(data))
    with empty_database(tmp_path) as url:
        with pytest.raises(BackupError, match="does not match its checksum"):
            restore_database(backup, url)


def test_a_backup_from_a_newer_version_is_refused_and_an_older_one_upgraded(database_url, tmp_path):
    command.upgrade(alembic_config(database_url), "0007")
    old = backup_database(database_url, tmp_path / "old.bak")
    assert backup_revision(old) == "0007"
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))  # as a later release would leave it
    engine.dispose()
    newer = backup_database(database_url, tmp_path / "newer.bak")
    _drop_everything(database_url)
    with pytest.raises(BackupError, match=f"newer.bak was made at migration 0099, which this version .*its latest is {HEAD}"):
        restore_database(newer, database_url)
    said = restore_database(old, database_url)
    assert said == f"restored old.bak (checksum verified), upgraded from migration 0007 to {HEAD}"
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == HEAD
        assert conn.execute(sa.text("SELECT count(*) FROM notice")).scalar_one() == 0  # the new tables are there
    engine.dispose()


def test_without_pg_dump_the_message_says_how(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match=r"pg_dump was not found: install the PostgreSQL client tools .* on the PATH"):
        backup_database("postgresql://postgres@127.0.0.1:5432/none", tmp_path / "x.dump")


@contextmanager
def new_database(prefix: str):
    """Yield the URL of a new, empty PostgreSQL database (dropped afterwards): the whole-database case."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    server = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.mark.skipif(not PG_URL or not shutil.which("pg_dump"), reason="PostgreSQL with pg_dump only")
def test_a_whole_postgresql_database_is_restored_into_a_new_one(tmp_path):
    from uxo_swg.demo import load_demo
    from uxo_swg.migrate import upgrade

    with new_database("uxo_b") as source, new_database("uxo_r") as target:
        upgrade(source)
        app = create_app("test", DATABASE_URL=source)
        with app.app_context():
            load_demo(session=get_session())
        before = summaries(app)
        app.extensions["engine"].dispose()
        backup = backup_database(source, tmp_path / "whole.dump")
        assert restore_database(backup, target) == "restored whole.dump (checksum verified)"
        with pytest.raises(BackupError, match="the database is not empty"):
            restore_database(backup, target)
        assert restore_database(backup, target, force=True) == "restored whole.dump (checksum verified)"
        restored = create_app("test", DATABASE_URL=target)
        try:
            assert summaries(restored) == before
        finally:
            restored.extensions["engine"].dispose()

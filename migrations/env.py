"""Alembic environment: the models' metadata, batch mode for SQLite, sa.String for AutoString."""
from __future__ import annotations

import os

from alembic import context
from sqlmodel import SQLModel

from uxo_swg import models  # noqa: F401  (every table must be imported before reading metadata)
from uxo_swg.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL")
    if not url:
        from config import config_for

        url = config_for().DATABASE_URL
    return url


def render_item(type_, obj, autogen_context):
    """Render SQLModel's AutoString as plain sa.String so migrations import nothing extra."""
    from sqlmodel.sql.sqltypes import AutoString

    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and obj.__class__.__name__ == "ScaledDecimal":
        autogen_context.imports.add("from uxo_swg.db import ScaledDecimal")
        return f"ScaledDecimal({obj.scale})"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Compare ScaledDecimal by the integer it is stored as."""
    if metadata_type.__class__.__name__ == "ScaledDecimal":
        return inspected_type.__class__.__name__.upper() not in {"BIGINTEGER", "BIGINT", "INTEGER"}
    return None


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        engine = make_engine(_database_url())
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
        compare_type=compare_type,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

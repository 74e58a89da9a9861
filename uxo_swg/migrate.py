"""Alembic, driven from the application: upgrade, and the configuration tests read."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    """Return an Alembic configuration for the database URL."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str) -> None:
    """Create or upgrade the database to the latest migration."""
    command.upgrade(alembic_config(database_url), "head")

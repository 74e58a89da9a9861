"""`uxo-swg backup --output FILE` and `uxo-swg restore FILE [--force]`."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..backup import BackupError, backup_database, restore_database


@click.command("backup")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the backup file to write (a .sha256 checksum file is written beside it)")
@with_appcontext
def backup_command(output: Path) -> None:
    """Write a consistent copy of the database (SQLite backup API, or pg_dump's custom format)."""
    try:
        path = backup_database(current_app.config["DATABASE_URL"], output)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {path} ({path.stat().st_size:,} bytes) and {path.name}.sha256")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace everything in a database that is not empty")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Put a backup back into an empty database and upgrade it to this version's migrations."""
    current_app.extensions["engine"].dispose()  # no connection of ours stays open on the database being replaced
    try:
        said = restore_database(path, current_app.config["DATABASE_URL"], force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(said)


COMMANDS = [backup_command, restore_command]

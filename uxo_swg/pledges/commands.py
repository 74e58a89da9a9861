"""`uxo-swg import-register FILE.xlsx`: the pledge register from the command line."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session


@click.command("import-register")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="validate and show what would be stored, store nothing")
def import_register_command(path: Path, dry_run: bool) -> None:
    """Import a pledge register workbook (spec section 2): all of it, or nothing."""
    from .importing import import_register

    result = import_register(path.read_bytes(), path.name, session=get_session(), actor="cli", via="cli",
                             commit=not dry_run, max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    for problem in result.problems:
        click.echo(f"{path.name}: {'warning: ' if problem.level == 'warning' else ''}{problem}", err=True)
    if result.errors:
        click.echo(f"{len(result.errors)} error(s): nothing was stored", err=True)
        sys.exit(1)
    if result.already_imported:
        click.echo(result.describe())
        return
    if dry_run:
        click.echo(f"dry run, nothing stored; would store: {result.describe()}")
        return
    click.echo(f"import {result.batch_id} stored from {path.name}: {result.describe()}")


COMMANDS = [import_register_command]

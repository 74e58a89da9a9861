"""`uxo-swg import-return FILE.xlsx`: the same parser and service as the web upload."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session


@click.command("import-return")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_return_command(path: Path) -> None:
    """Import an operator's quarterly return (spec section 3); print what was stored or every problem."""
    from importers.workbook import WorkbookRejected

    from .services import ReturnRefused, import_return

    data = path.read_bytes()
    try:
        result = import_return(data, path.name, session=get_session(), actor="cli", via="cli",
                               max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    except WorkbookRejected as rejected:
        click.echo(f"{path.name}: refused: {rejected}", err=True)
        click.echo("nothing was stored", err=True)
        sys.exit(1)
    except ReturnRefused as refused:
        for problem in refused.problems:
            click.echo(f"{path.name}: {problem.level}: {problem}", err=True)
        if refused.more:
            click.echo(f"{path.name}: ... and {refused.more} more problem(s)", err=True)
        click.echo("nothing was stored", err=True)
        sys.exit(1)
    ret = result.operator_return
    from .files import keep_file

    keep_file(data, current_app.config["UPLOAD_FOLDER"])  # downloadable from the return's page
    if result.status == "duplicate":
        click.echo(f"{path.name}: this file is already stored as version {ret.version_no} of {ret.quarter}; nothing new to store")
        return
    for problem in result.reading.problems:
        click.echo(f"{path.name}: warning: {problem}", err=True)
    totals = result.reading.totals
    counts = ", ".join(f"{t.rows} {sheet.lower()} row(s)" for sheet, t in totals.items())
    replaced = f", replacing version {result.superseded.version_no}" if result.superseded else ""
    click.echo(f"stored {result.reading.header.operator_name} {ret.quarter} version {ret.version_no}{replaced}: {counts}")


COMMANDS = [import_return_command]

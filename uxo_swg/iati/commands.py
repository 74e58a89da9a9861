"""`uxo-swg export iati` and `uxo-swg import-iati`: IATI 2.03 files from the command line."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import get_session


@click.group("export")
def export_group() -> None:
    """Write the register's records in an exchange format."""


@export_group.command("iati")
@with_appcontext
@click.option("--year", type=int, default=None, help="only what happened in this calendar year (default: everything)")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the XML file to write")
def export_iati_command(year: int | None, output: Path) -> None:
    """Write IATI 2.03 activities: one per agreement, and per pledge with no agreement (spec section 9)."""
    from .export import ExportRefused, export_activities
    from .services import reporting_org

    session = get_session()
    try:
        xml, records = export_activities(session=session, reporting=reporting_org(session=session), year=year)
    except ExportRefused as refused:
        raise click.ClickException(str(refused)) from None
    output.write_bytes(xml)
    kinds = Counter(r.kind for r in records)
    types = Counter(t.type for r in records for t in r.transactions)
    click.echo(f"{len(records)} activities ({kinds['agreement']} agreements, {kinds['pledge']} pledges with no agreement, "
               f"{kinds['other']} other) with {sum(types.values())} transactions (commitments {types['2']}, "
               f"disbursements {types['3']}, expenditure {types['4']}, incoming funds {types['1']}) written to {output}; "
               "valid against IATI 2.03")


@click.command("import-iati")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="read the file and say what would be proposed; store nothing")
@click.option("--accept", is_flag=True, help="accept every proposal of the file at once, as a co-chair would one by one")
def import_iati_command(path: Path, dry_run: bool, accept: bool) -> None:
    """Read a donor's IATI activities file (2.01 to 2.03) and propose its Lao mine-action records for review."""
    from .services import accept_all, import_iati

    if dry_run and accept:
        raise click.UsageError("--dry-run and --accept exclude each other")
    session = get_session()
    report = import_iati(path.read_bytes(), path.name, session=session, actor="cli", via="cli", commit=not dry_run,
                         max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
    for error in report.errors:
        click.echo(f"{path.name}: {error}", err=True)
    if report.errors:
        click.echo("nothing was stored", err=True)
        sys.exit(1)
    click.echo(f"{'dry run, nothing stored: ' if dry_run else ''}{path.name}: {report.describe()}")
    for line in report.skipped_lines():
        click.echo(f"  skipped: {line}")
    if accept:
        accepted, refused = accept_all(report.keys, session=session, actor="cli", via="cli")
        click.echo(f"accepted {len(accepted)} proposal(s)")
        for message in refused:
            click.echo(f"not accepted: {message}", err=True)
        if refused:
            sys.exit(1)


COMMANDS = [export_group, import_iati_command]

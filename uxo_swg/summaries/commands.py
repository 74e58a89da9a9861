"""`uxo-swg summary twg|swg`: a summary's figures as JSON, an Excel workbook or a printable HTML page."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from ..db import get_session
from . import services
from .exports import PILLAR_NAMES, PROVINCE_NAMES, workbook

FORMATS = click.Choice(["json", "xlsx", "html"])


@click.group("summary")
def summary_group() -> None:
    """Print or write a funding summary (the live figures, as a draft shows them)."""


def _emit(scope: services.Scope, fmt: str, output: Path | None) -> None:
    session = get_session()
    doc, _ = services.compute_summary(scope, session=session)
    report = services.find_report(scope, session=session)
    narrative, decisions = (report.narrative, report.decisions) if report else ("", "")
    if fmt == "json":
        data = (json.dumps(doc, indent=2) + "\n").encode()
    elif fmt == "xlsx":
        if output is None:
            raise click.UsageError("an Excel workbook needs --output FILE.xlsx")
        data = workbook(doc, narrative, decisions)
    else:
        css = (Path(current_app.static_folder) / "app.css").read_text(encoding="utf-8")
        with current_app.test_request_context():
            data = render_template("summaries/standalone.html", scope=scope, doc=doc, css=css, records_url=None,
                                   pillar_names=PILLAR_NAMES, province_names=PROVINCE_NAMES,
                                   status="Draft: the data as it was when this file was made.").encode()
    for missing in doc["missing_rates"]:
        click.echo(f"warning: left out: {missing['message']}: load one with `uxo-swg import-rates`", err=True)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        click.echo(f"{scope.title} written to {output}", err=True)


@summary_group.command("twg")
@with_appcontext
@click.option("--pillar", required=True, help="clearance, va, re, im, policy or unallocated")
@click.option("--quarter", required=True, help="for example 2025-Q3")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="write to FILE instead of printing")
def twg_command(pillar: str, quarter: str, fmt: str, output: Path | None) -> None:
    """A quarterly TWG summary of one pillar."""
    try:
        scope = services.scope_of("twg", quarter.strip().upper(), pillar.strip().lower())
    except services.SummaryError as error:
        raise click.BadParameter(str(error)) from error
    _emit(scope, fmt, output)


@summary_group.command("swg")
@with_appcontext
@click.option("--half", required=True, help="for example 2025-H1")
@click.option("--format", "fmt", type=FORMATS, default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="write to FILE instead of printing")
def swg_command(half: str, fmt: str, output: Path | None) -> None:
    """A biannual SWG summary of every pillar."""
    try:
        scope = services.scope_of("swg", half.strip().upper())
    except services.SummaryError as error:
        raise click.BadParameter(str(error)) from error
    _emit(scope, fmt, output)


COMMANDS = [summary_group]

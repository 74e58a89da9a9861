"""`uxo-swg summary twg|swg`: a summary's figures as JSON, an Excel workbook or a printable HTML page."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from ..cli import output_options, write_result
from ..db import get_session
from . import services
from .exports import PILLAR_NAMES, PROVINCE_NAMES, summary_csv, workbook



@click.group("summary")
def summary_group() -> None:
    """Print or write a funding summary (the live figures, as a draft shows them)."""


def _emit(scope: services.Scope, fmt: str, output: Path | None) -> None:
    session = get_session()
    doc, _charts = services.draft_summary(scope, session=session)
    report = services.find_report(scope, session=session)
    narrative, decisions = (report.narrative, report.decisions) if report else ("", "")
    if fmt == "json":
        data = (json.dumps(doc, indent=2) + "\n").encode()
    elif fmt == "xlsx":
        if output is None:
            raise click.UsageError("an Excel workbook needs --output FILE.xlsx")
        data = workbook(doc, narrative, decisions)
    elif fmt == "csv":  # the workbook's sheets one after the other
        data = summary_csv(doc, narrative, decisions)
    else:
        css = (Path(current_app.static_folder) / "app.css").read_text(encoding="utf-8")
        with current_app.test_request_context():
            data = render_template("summaries/standalone.html", scope=scope, doc=doc, css=css, records_url=None,
                                   pillar_names=PILLAR_NAMES, province_names=PROVINCE_NAMES,
                                   status="Draft: the data as it was when this file was made.").encode()
    write_result(data, output, scope.title, doc["missing_rates"])


def _scope(kind: str, text: str, pillar: str | None = None, param: str | None = None) -> services.Scope:
    try:
        return services.scope_of(kind, text.strip().upper(), pillar)
    except services.SummaryError as error:
        raise click.BadParameter(str(error), param_hint=param) from error


@summary_group.command("twg")
@with_appcontext
@click.option("--pillar", required=True, help="clearance, va, re, im, policy or unallocated")
@click.option("--quarter", required=True, help="for example 2025-Q3")
@output_options
def twg_command(pillar: str, quarter: str, fmt: str, output: Path | None) -> None:
    """A quarterly TWG summary of one pillar."""
    _emit(_scope("twg", quarter, pillar.strip().lower()), fmt, output)


@summary_group.command("swg")
@with_appcontext
@click.option("--half", required=True, help="for example 2025-H1")
@output_options
def swg_command(half: str, fmt: str, output: Path | None) -> None:
    """A biannual SWG summary of every pillar."""
    _emit(_scope("swg", half), fmt, output)


@summary_group.command("year")
@with_appcontext
@click.option("--year", required=True, help="a calendar year, for example 2025")
@output_options
def year_command(year: str, fmt: str, output: Path | None) -> None:
    """An annual SWG summary of a calendar year (with each donor's own fiscal year)."""
    _emit(_scope("year", year, param="--year"), fmt, output)


@summary_group.command("clear-cache")
@with_appcontext
def clear_cache_command() -> None:
    """Forget every computed summary, drill-down and home-page count (after the database was changed by hand)."""
    from ..data_version import new_epoch

    session = get_session()
    new_epoch(session.connection())
    session.commit()
    click.echo("every summary and drill-down will be computed again from the data as it is now")


COMMANDS = [summary_group]

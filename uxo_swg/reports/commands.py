"""`uxo-swg report article7|monitor`: the treaty report's tables and the Monitor's, as JSON, Excel, CSV or HTML."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from ..cli import output_options, write_result
from ..db import get_session
from ..domain.monitor import METHODS
from . import services
from .exports import article7_tables, monitor_tables, report_csv, report_title, report_workbook, template_names



@click.group("report")
def report_group() -> None:
    """Print or write a report the sector files (spec section 9), from the live records."""


def _year(text: str) -> int:
    try:
        return services.year_of(text)
    except services.ReportError as error:
        raise click.BadParameter(str(error), param_hint="--year") from error


def _emit(kind: str, doc: dict[str, Any], fmt: str, output: Path | None) -> None:
    title = report_title(kind, doc)
    tables = article7_tables(doc) if kind == "article7" else monitor_tables(doc)
    if fmt == "json":
        data = (json.dumps(doc, indent=2) + "\n").encode()
    elif fmt == "xlsx":
        if output is None:
            raise click.UsageError("an Excel workbook needs --output FILE.xlsx")
        data = report_workbook(tables)
    elif fmt == "csv":
        data = report_csv(tables)
    else:
        css = (Path(current_app.static_folder) / "app.css").read_text(encoding="utf-8")
        with current_app.test_request_context():
            data = render_template("reports/standalone.html", kind=kind, doc=doc, css=css, title=title,
                                   **template_names()).encode()
    write_result(data, output, title, doc["missing_rates"])


@report_group.command("article7")
@with_appcontext
@click.option("--year", required=True, help="a calendar year, for example 2025")
@output_options
def article7_command(year: str, fmt: str, output: Path | None) -> None:
    """The treaty report's resource tables (CCM Article 7) for a calendar year."""
    number = _year(year)
    doc = services.article7_report(number, session=get_session())
    _emit("article7", doc, fmt, output)


@report_group.command("monitor")
@with_appcontext
@click.option("--year", required=True, help="a calendar year, for example 2025")
@click.option("--rates", "method", type=click.Choice(METHODS), default="value-date", show_default=True,
              help="value-date: each amount at the rate of its date; annual-average: the mean of the year's rates")
@output_options
def monitor_command(year: str, method: str, fmt: str, output: Path | None) -> None:
    """Support by donor in national currency and USD, as the Landmine and Cluster Munition Monitor tabulates it."""
    number = _year(year)
    doc = services.monitor_report(number, method, session=get_session())
    _emit("monitor", doc, fmt, output)


COMMANDS = [report_group]

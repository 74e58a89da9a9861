"""Reports pages: the treaty report's tables (CCM Article 7) and the Monitor's, with their downloads."""
from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, render_template, request

from ..db import get_session
from ..exports import CSV_MIMETYPE, XLSX_MIMETYPE
from ..i18n import message_text
from ..permissions import roles_required
from ..summaries.routes import DRAFT_READERS
from . import services
from .exports import article7_tables, monitor_tables, page_title, report_csv, report_workbook, template_names

bp = Blueprint("reports", __name__, url_prefix="/reports")
# The reports show live figures, as summary drafts do: the same readers.
READERS = DRAFT_READERS


bp.context_processor(template_names)


def _year(text: str) -> int:
    try:
        return services.year_of(text)
    except services.ReportError:
        abort(404)


def _method() -> str:
    try:
        return services.method_of(request.args.get("rates"))
    except services.ReportError:
        abort(404)


@bp.get("/")
@roles_required(*READERS)
def index():
    error = None
    try:
        year = services.year_of(request.args["year"]) if request.args.get("year") else date.today().year - 1
    except services.ReportError as problem:
        error, year = message_text(problem), date.today().year - 1
    return render_template("reports/index.html", year=year, error=error)


@bp.get("/article7/<year>")
@roles_required(*READERS)
def article7(year: str):
    doc = services.article7_report(_year(year), session=get_session())
    return render_template("reports/report.html", kind="article7", doc=doc, title=page_title("article7", doc))


@bp.get("/monitor/<year>")
@roles_required(*READERS)
def monitor(year: str):
    doc = services.monitor_report(_year(year), _method(), session=get_session())
    return render_template("reports/report.html", kind="monitor", doc=doc, title=page_title("monitor", doc))


@bp.get("/article7/<year>/export.<fmt>")
@roles_required(*READERS)
def article7_export(year: str, fmt: str):
    doc = services.article7_report(_year(year), session=get_session())
    return _download(doc, article7_tables(doc), fmt, f"ccm-article7-{doc['year']}")


@bp.get("/monitor/<year>/export.<fmt>")
@roles_required(*READERS)
def monitor_export(year: str, fmt: str):
    doc = services.monitor_report(_year(year), _method(), session=get_session())
    return _download(doc, monitor_tables(doc), fmt, f"monitor-{doc['year']}-{doc['rates']}")


def _download(doc: dict, tables: list, fmt: str, stem: str) -> Response:
    if fmt == "json":
        data, mimetype = json.dumps(doc, indent=2), "application/json"
    elif fmt == "xlsx":
        data, mimetype = report_workbook(tables), XLSX_MIMETYPE
    elif fmt == "csv":
        data, mimetype = report_csv(tables), CSV_MIMETYPE
    else:
        abort(404)
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})

"""Operator returns: status per quarter, template download, upload with preview, confirm, history."""
from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from importers.workbook import WorkbookRejected

from ..db import get_session
from ..domain.periods import PeriodError, bad_quarter
from ..domain.returns import DAYS_TO_REPORT, return_due_on
from ..exports import XLSX_MIMETYPE
from ..i18n import located_text, message_text
from ..permissions import roles_required, sees_everything
from ..paging import Page
from ..pledges.queries import organisation_names
from . import jobs  # noqa: F401  (registers the hourly clean-up of previews)
from . import files, previews, services
from .forms import ConfirmForm, UploadForm
from .template import build_template, template_filename, template_lists

bp = Blueprint("returns", __name__, url_prefix="/returns")
ROLES = ("admin", "co-chair", "operator")


def _quarter():
    text = request.values.get("quarter")
    try:
        return services.quarter_or_default(text, date.today())
    except PeriodError as error:
        abort(400, description=message_text(bad_quarter(text or "", error, services.default_quarter(date.today()))))


def _max_bytes() -> int:
    return current_app.config["MAX_CONTENT_LENGTH"]


@bp.get("/")
@roles_required(*ROLES)
def index():
    quarter = _quarter()
    session = get_session()
    rows = services.quarter_status(quarter, session=session, user=current_user, today=date.today())
    return render_template("returns/index.html", quarter=quarter, rows=rows, due=return_due_on(quarter),
                           days=DAYS_TO_REPORT, form=UploadForm(),
                           operators=services.operators_for(current_user, session=session))


@bp.get("/template")
@roles_required(*ROLES)
def template():
    quarter = _quarter()
    session = get_session()
    operators = {str(o.id): o for o in services.operators_for(current_user, session=session)}
    wanted = request.args.get("operator") or (str(current_user.organisation_id) if not sees_everything(current_user) else "")
    operator = operators.get(wanted)
    if operator is None:
        flash(_("Choose the operator whose return template you want."), "error")
        return redirect(url_for("returns.index", quarter=str(quarter)))
    data = build_template(operator.name, quarter, template_lists(session=session))
    return send_file(io.BytesIO(data), mimetype=XLSX_MIMETYPE, as_attachment=True,
                     download_name=template_filename(operator.name, quarter))


@bp.post("/upload")
@roles_required(*ROLES)
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        flash("; ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("returns.index"))
    upload_file = form.file.data
    data = upload_file.read(_max_bytes() + 1)
    filename = upload_file.filename or "return.xlsx"
    session = get_session()
    folder = current_app.config["UPLOAD_FOLDER"]
    token = previews.new_token()
    try:
        with previews.row_keeper(token, folder) as keep_row:
            reading = services.preview_return(data, session=session, user=current_user, max_bytes=_max_bytes(),
                                              keep_row=keep_row)
    except WorkbookRejected as rejected:
        return render_template("returns/preview.html", rejected=message_text(rejected), filename=filename, preview=None), 422
    duplicate = services.find_duplicate(data, reading, session=session) if reading.ok else None
    preview = previews.preview_of(reading, filename, current_user.id, token)
    previews.keep(preview, data if reading.ok and duplicate is None else None, folder)
    return _render_preview(preview, duplicate, page=1), 200 if reading.ok else 422


@bp.get("/preview/<token>")
@roles_required(*ROLES)
def preview_page(token: str):
    """Another page of a kept preview's problems (the file is not read again)."""
    preview = previews.load(token, current_user.id, current_app.config["UPLOAD_FOLDER"])
    if preview is None:  # deleted after a day, or someone else's
        flash(_("That preview is no longer kept: upload the file again."), "error")
        return redirect(url_for("returns.index"))
    page = request.args.get("page", 1, type=int)
    return _render_preview(preview, None, page=page), 200 if preview.ok else 422


def _render_preview(preview: previews.Preview, duplicate, page: int) -> str:
    pages = Page.of(preview.problems, page, previews.PROBLEMS_PER_PAGE)
    stored = None
    if preview.stored_return_id is not None:
        stored = services.visible_return(preview.stored_return_id, session=get_session(), user=current_user)
    rows = {sheet: previews.rows_page(preview, sheet, request.args.get(f"{sheet}_page", 1, type=int),
                                      current_app.config["UPLOAD_FOLDER"]) for sheet in previews.ROW_SHEETS}
    return render_template("returns/preview.html", preview=preview, filename=preview.filename, duplicate=duplicate or stored,
                           problems=pages, confirm=ConfirmForm(token=preview.token) if preview.confirmable else None,
                           rejected=None, rows=rows, rows_per_page=previews.ROWS_PER_PAGE,
                           names=organisation_names(session=get_session()))


@bp.post("/confirm")
@roles_required(*ROLES)
def confirm():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    folder = current_app.config["UPLOAD_FOLDER"]
    preview = previews.load(form.token.data, current_user.id, folder)
    data = previews.kept_bytes(preview, folder) if preview is not None else None
    if data is None:
        return _already_stored(preview, folder)
    try:
        result = services.import_return(data, preview.filename, session=get_session(), user=current_user,
                                        actor=current_user.email, via="import", max_bytes=_max_bytes())
    except (WorkbookRejected, services.ReturnRefused):
        flash(_("The file no longer passes the checks (the reference data changed): upload it again to see why."), "error")
        return redirect(url_for("returns.index"))
    except services.ReturnConflict as conflict:
        flash(_("Nothing was stored: %(reason)s.", reason=conflict), "error")
        return redirect(url_for("returns.index"))
    ret = result.operator_return
    files.keep_file(data, folder)  # the sender can download what it sent
    previews.mark_stored(preview, ret.id, folder)
    if result.status == "duplicate":
        flash(_("This file is already stored as version %(number)s; nothing new was stored.", number=ret.version_no), "info")
    else:
        flash(_("Stored %(operator)s %(quarter)s, version %(number)s.", operator=result.reading.header.operator_name,
                quarter=ret.quarter, number=ret.version_no), "info")
        for problem in result.reading.problems:  # e.g. an amount with no usable rate yet (counting rule 1)
            flash(_("Warning: %(problem)s", problem=located_text(problem)), "warning")
    return redirect(url_for("returns.show", return_id=ret.id))


def _already_stored(preview: previews.Preview | None, folder: str):
    """A confirmation whose upload is gone: stored by an earlier click, or expired."""
    if preview is not None and preview.stored_return_id is not None:
        ret = services.visible_return(preview.stored_return_id, session=get_session(), user=current_user)
        if ret is not None:
            flash(_("This file is already stored as version %(number)s; nothing new was stored.", number=ret.version_no),
                  "info")
            return redirect(url_for("returns.show", return_id=ret.id))
    flash(_("That upload is no longer waiting: upload the file again."), "error")
    return redirect(url_for("returns.index"))


@bp.get("/<int:return_id>")
@roles_required(*ROLES)
def show(return_id: int):
    session = get_session()
    found = services.visible_return(return_id, session=session, user=current_user)
    if found is None:
        abort(404)
    from ..models import Organisation

    history = services.return_history(found, session=session)
    operator = session.get(Organisation, found.operator_id)
    folder = current_app.config["UPLOAD_FOLDER"]
    kept = {v.version.id for v in history if files.kept_file(v.version.sha256, folder)}
    return render_template("returns/show.html", current=found, history=history, operator=operator, kept=kept)


@bp.get("/<int:return_id>/file")
@roles_required(*ROLES)
def download(return_id: int):
    """The file as the operator sent it, to those who may see the return."""
    found = services.visible_return(return_id, session=get_session(), user=current_user)
    if found is None:
        abort(404)
    path = files.kept_file(found.sha256, current_app.config["UPLOAD_FOLDER"])
    if path is None:
        flash(_("The file of this version was not kept (it was stored before files were kept): ask the operator for it."),
              "error")
        return redirect(url_for("returns.show", return_id=return_id))
    return send_file(path, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=found.filename or "return.xlsx")

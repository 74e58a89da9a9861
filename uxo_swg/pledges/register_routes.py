"""The pledge register import: upload, preview every problem or what would be stored, commit, roll back."""
from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..confirming import ask, confirmed
from ..db import get_session
from ..i18n import message_text
from ..models import ImportBatch
from ..permissions import roles_required
from .forms import ConfirmForm, RegisterForm
from .importing import RollbackRefused, import_register, rollback_import
from .queries import import_batches
from .routes import EDITORS, bp


def _upload_path(sha256: str) -> Path | None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256 or ""):
        return None
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "register"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{sha256}.xlsx"


@bp.route("/register/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def register_import():
    form = RegisterForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = Path(upload.filename or "register.xlsx").name
        result = import_register(data, filename, session=get_session(), actor=current_user.email,
                                 user_id=current_user.id, commit=False,
                                 max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        if result.sha256 and not result.errors and not result.already_imported:
            path = _upload_path(result.sha256)
            path.write_bytes(data)  # kept for the commit step and as the record of what was imported
            path.with_suffix(".name").write_text(filename, encoding="utf-8")
    confirm = ConfirmForm(sha256=result.sha256) if result else None
    status = 422 if result and result.errors else 200
    return render_template("pledges/register_import.html", form=form, result=result, confirm=confirm), status


@bp.post("/register/import/commit")
@roles_required(*EDITORS)
def register_commit():
    form = ConfirmForm()
    path = _upload_path(form.sha256.data) if form.validate_on_submit() else None
    if path is None or not path.exists():
        flash(_("That file is no longer waiting to be imported: upload it again."), "error")
        return redirect(url_for("pledges.register_import"))
    result = import_register(path.read_bytes(), _filename_of(path), session=get_session(), actor=current_user.email,
                             user_id=current_user.id, commit=True)
    if result.errors:
        # The stored data changed between the preview and the commit: show the new problems.
        return render_template("pledges/register_import.html", form=RegisterForm(), result=result, confirm=None), 422
    flash(_("Import %(number)s: %(what)s.", number=result.batch_id, what=result.describe()), "info")
    return redirect(url_for("pledges.register_imports"))


def _filename_of(path: Path) -> str:
    name = path.with_suffix(".name")
    return name.read_text(encoding="utf-8") if name.exists() else path.name


@bp.get("/register/imports")
@roles_required(*EDITORS)
def register_imports():
    return render_template("pledges/register_imports.html", batches=import_batches(session=get_session()), form=ConfirmForm())


@bp.post("/register/imports/<int:batch_id>/rollback")
@roles_required("co-chair", "admin")
def register_rollback(batch_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not confirmed():
        batch = get_session().get(ImportBatch, batch_id) or abort(404)
        return ask(_("Roll back import %(number)s (%(file)s)?", number=batch.id, file=batch.filename),
                   _("Every record this import created is cancelled: the records stay, marked cancelled, and are no "
                     "longer counted in any figure. Importing the same file again reinstates them."),
                   _("Yes, roll back import %(number)s", number=batch.id), url_for("pledges.register_imports"))
    try:
        batch = rollback_import(batch_id, session=get_session(), actor=current_user.email, user_id=current_user.id)
    except RollbackRefused as refused:
        flash(message_text(refused), "error")
    else:
        flash(_("Import %(number)s (%(file)s) rolled back: its records are cancelled and no longer counted.", number=batch.id,
                file=batch.filename), "info")
    return redirect(url_for("pledges.register_imports"))

"""The work plan's targets: list, record, replace (a new target supersedes the old one), cancel."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from importers.operator_return import INDICATORS

from ..db import get_session
from ..i18n import label_text, message_text
from ..models import Target
from ..permissions import roles_required
from .forms import TargetForm
from .listing import choices
from .queries import pillars
from .routes import EDITORS, bp, cancel_and_return
from .services import ActionRefused, Conflict
from .targets import TargetFilters, find_targets, save_target


@bp.get("/targets/")
@roles_required(*EDITORS)
def targets():
    session = get_session()
    filters = TargetFilters(year=request.args.get("year", type=int) or None, pillar=request.args.get("pillar") or None,
                            cancelled=request.args.get("status") == "cancelled")
    return render_template("pledges/targets.html", targets=find_targets(filters, session=session), filters=filters,
                           pillars=pillars(session=session))


@bp.route("/targets/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def target_create():
    return _target(None)


@bp.route("/targets/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def target_edit(record_id: int):
    return _target(record_id)


def _target(record_id: int | None):
    session = get_session()
    record = (session.get(Target, record_id) or abort(404)) if record_id else None
    form = TargetForm(obj=record) if request.method == "GET" and record else TargetForm()
    choices(form, session=session)
    form.indicator.choices = [("", _("(choose)"))] + [(i, label_text(i, "indicator")) for i in INDICATORS]
    if request.method == "GET" and record:
        form.target.data = format(record.target.normalize(), "f")
        form.version.data = record.version
    error = None
    conflict = False
    if form.validate_on_submit():
        values = {"year": form.year.data, "pillar_code": form.pillar_code.data, "indicator": form.indicator.data,
                  "target": form.target.value, "source": (form.source.data or "").strip()}
        try:
            save_target(values, session=session, replaces_id=record_id, version=form.version_number() if record_id else None)
        except (ActionRefused, Conflict) as refused:
            session.rollback()
            error, conflict = message_text(refused), isinstance(refused, Conflict)
        else:
            flash(_("Target saved; the one it replaces is kept as superseded.") if record_id else _("Target saved."), "info")
            return redirect(url_for("pledges.targets", year=values["year"]))
    status = 409 if conflict else (400 if error or form.errors else 200)
    return render_template("pledges/record_form.html", form=form, record=record, kind="targets", label="target",
                           error=error), status


@bp.post("/targets/<int:record_id>/cancel")
@roles_required(*EDITORS)
def target_cancel(record_id: int):
    return cancel_and_return(Target, record_id, url_for("pledges.targets"), _l("Target"))

"""The admins' Jobs page: schedules, next runs, the history of runs, and "run now"."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..i18n import message_text
from ..permissions import roles_required
from ..scheduler import JOBS
from . import backups, ratewatch, reminders  # noqa: F401  (register the scheduled jobs)
from .services import history, job_views, run_now

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


@bp.get("/")
@roles_required("admin")
def index():
    session = get_session()
    selected = request.args.get("job", "")
    return render_template("jobs/index.html", jobs=job_views(datetime.now(timezone.utc), session=session),
                           runs=history(selected if selected in JOBS else None, session=session), selected=selected)


@bp.post("/<name>/run")
@roles_required("admin")
def run(name: str):
    if name not in JOBS:
        abort(404)
    period = request.form.get("period", "").strip() or None
    try:
        said = run_now(name, period, session=get_session(), actor=current_user.email)
    except ValueError as error:
        flash(_("%(job)s: the period %(period)r cannot be read (%(error)s); nothing was run.", job=name, period=period,
                error=message_text(error)), "error")
    except Exception as error:  # the run is in the history as failed; its claim was released
        what = f"{type(error).__name__}: {error}"
        flash(_("%(job)s failed: %(error)s. It can be run again.", job=name, error=what), "error")
    else:
        flash(message_text(said), "info")
    return redirect(url_for("jobs.index"))

"""Pledges: list, record (several years in one form), show with USD value and status, change, cancel."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..models import Commitment, Disbursement, Pledge
from ..permissions import roles_required
from .forms import ConfirmForm, PledgeForm
from .listing import choices, export, filters_from_request, paginate, wants_export
from .queries import STATUSES, Filters, active_organisations, find_pledges, organisation_names, pillars, summarise_pledges, usd_total
from .services import ActionRefused, Conflict, PledgeData, cancel, save_pledge

bp = Blueprint("pledges", __name__)
EDITORS = ("admin", "co-chair")


def list_context(**extra):
    """Return what every filtered list template needs."""
    session = get_session()
    return {"organisations": active_organisations(session=session), "pillars": pillars(session=session),
            "statuses": STATUSES, "filters": filters_from_request(), **extra}


@bp.get("/pledges/")
@roles_required(*EDITORS)
def index():
    session = get_session()
    filters = filters_from_request()
    summaries = find_pledges(filters, session=session)
    names = organisation_names(session=session)
    if wants_export():
        rows = [[s.pledge.ref, names[s.pledge.donor_id], s.pledge.announced_on, s.pledge.announced_at, s.pledge.currency,
                 s.value.amount, s.value.usd, s.value.conversion.rate if s.value.conversion else None,
                 s.value.conversion.rate_date if s.value.conversion else None, s.committed_usd, s.disbursed_usd, s.status]
                for s in summaries]
        return export("Pledges", ["Pledge ref", "Donor", "Announced on", "Announced at", "Currency", "Amount", "Amount (USD)",
                                  "Rate (per USD)", "Rate date", "Committed (USD)", "Disbursed (USD)", "Status"],
                      rows, money_columns=[5, 6, 9, 10])
    page = paginate(summaries, {
        "announced": lambda s: s.pledge.announced_on, "ref": lambda s: s.pledge.ref,
        "donor": lambda s: names[s.pledge.donor_id].casefold(), "usd": lambda s: s.value.usd,
        "status": lambda s: STATUSES.index(s.status)}, default="announced")
    total, missing = usd_total(summaries)
    return render_template("pledges/index.html", page=page, names=names, total=total, missing=missing,
                           **list_context())


def _pledge_form(pledge: Pledge | None = None) -> PledgeForm:
    session = get_session()
    form = PledgeForm(obj=pledge) if request.method == "GET" and pledge else PledgeForm()
    if request.method == "GET" and pledge:
        form.fill_lines(summarise_pledges([pledge], Filters(), session=session)[0].lines, pledge.currency)
        form.version.data = pledge.version
    elif request.method == "GET":
        form.currency.data = "USD"
    choices(form, session=session)
    return form


def _save_pledge(form: PledgeForm, pledge: Pledge | None):
    data = PledgeData(ref=form.ref.data.strip(), donor_id=form.donor_id.data, recipient_id=form.recipient_id.data or None,
                      announced_on=form.announced_on.data, announced_at=(form.announced_at.data or "").strip(),
                      currency=form.currency.data, ccm_specific=bool(form.ccm_specific.data),
                      notes=(form.notes.data or "").strip(), lines=form.line_values())
    saved = save_pledge(data, session=get_session(), pledge_id=pledge.id if pledge else None,
                        version=form.version_number() if pledge else None)
    flash(_("Pledge %(ref)s saved.", ref=saved.ref), "info")
    return redirect(url_for("pledges.show", pledge_id=saved.id))


@bp.route("/pledges/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create():
    form = _pledge_form()
    error = None
    if form.validate_on_submit():
        try:
            return _save_pledge(form, None)
        except ActionRefused as refused:
            error = str(refused)
    return render_template("pledges/form.html", form=form, pledge=None, error=error), 400 if error or form.errors else 200


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(pledge_id: int):
    pledge = get_session().get(Pledge, pledge_id) or abort(404)
    form = _pledge_form(pledge)
    error = None
    if form.validate_on_submit():
        try:
            return _save_pledge(form, pledge)
        except (ActionRefused, Conflict) as refused:
            get_session().rollback()
            error = str(refused)
    return render_template("pledges/form.html", form=form, pledge=pledge, error=error), 409 if error and "changed by" in error else (400 if error or form.errors else 200)


@bp.get("/pledges/<int:pledge_id>")
@roles_required(*EDITORS)
def show(pledge_id: int):
    session = get_session()
    pledge = session.get(Pledge, pledge_id) or abort(404)
    summary = summarise_pledges([pledge], Filters(), session=session)[0]
    form = ConfirmForm(version=pledge.version)
    history_url = (url_for("audit.index", entity="pledge", entity_id=pledge.id)
                   if "audit.index" in current_app.view_functions else None)
    return render_template("pledges/show.html", s=summary, history_url=history_url, names=organisation_names(session=session),
                           form=form)


@bp.post("/pledges/<int:pledge_id>/cancel")
@roles_required(*EDITORS)
def cancel_pledge(pledge_id: int):
    return cancel_and_return(Pledge, pledge_id, url_for("pledges.show", pledge_id=pledge_id), _l("Pledge"))


def cancel_and_return(model, record_id: int, back: str, label: Any, *, action=None, done: Any = None):
    """Cancel the record named in the URL (confirmed with its version) and go back to its page.

    `action(record_id, version, session=...)` cancels it: the shared `cancel` service by default.
    """
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        version = int(form.version.data)
    except (TypeError, ValueError):
        version = None
    try:
        if action is None:
            cancel(model, record_id, version, session=get_session())
        else:
            action(record_id, version, session=get_session())
    except (ActionRefused, Conflict) as refused:
        get_session().rollback()
        flash(str(refused), "error")
    else:
        done = done or _("It stays in the records, marked cancelled, and is no longer counted.")
        flash(_("%(record)s cancelled. %(what_follows)s", record=label, what_follows=done), "info")
    return redirect(back)


from . import agreement_routes, records, register_routes, target_routes  # noqa: E402,F401  (their routes join this blueprint)

__all__ = ["bp", "Commitment", "Disbursement"]

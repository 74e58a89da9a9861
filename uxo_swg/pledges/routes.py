"""Pledges: list, record (several years in one form), show with USD value and status, change, cancel."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import message_text
from ..confirming import ask, confirmed
from ..db import get_session
from ..models import Commitment, Disbursement, Pledge, Requirement
from ..permissions import roles_required
from .forms import ConfirmForm, PledgeForm
from ..rates import rate_book
from .list_queries import PLEDGE_SORTS, pledge_page
from .listing import choices, donor_kinds, export, filters_from_request, requested_order, wants_export
from .queries import STATUSES, Filters, active_organisations, find_pledges, organisation_names, pillars, summarise_pledges
from .services import ActionRefused, Conflict, PledgeData, cancel, reinstate, save_pledge

bp = Blueprint("pledges", __name__)
EDITORS = ("admin", "co-chair")
REINSTATABLE = (Pledge, Commitment, Disbursement, Requirement)


def list_context(**extra):
    """Return what every filtered list template needs."""
    session = get_session()
    all_pillars = pillars(session=session)
    organisations = active_organisations(session=session)
    donors = donor_kinds(funds_pay=True)
    return {"organisations": organisations, "donors": [o for o in organisations if o.kind in donors],
            "pillars": all_pillars,  # their names in the request's language: i18n's pillar_names, province_names
            "statuses": STATUSES, "filters": filters_from_request(), **extra}


@bp.get("/pledges/")
@roles_required(*EDITORS)
def index():
    session = get_session()
    filters = filters_from_request()
    if wants_export():  # every matching pledge, summarised one by one
        summaries = find_pledges(filters, session=session)
        names = organisation_names(session=session)
        rows = [[s.pledge.ref, names[s.pledge.donor_id], s.pledge.announced_on, s.pledge.announced_at, s.pledge.currency,
                 s.value.amount, s.value.usd, s.value.conversion.rate if s.value.conversion else None,
                 s.value.conversion.rate_date if s.value.conversion else None, s.committed_usd, s.disbursed_usd, s.status]
                for s in summaries]
        return export("Pledges", ["Pledge ref", "Donor", "Announced on", "Announced at", "Currency", "Amount", "Amount (USD)",
                                  "Rate (per USD)", "Rate date", "Committed (USD)", "Disbursed (USD)", "Status"],
                      rows, money_columns=[5, 6, 9, 10])
    page, groups = pledge_page(filters, requested_order(PLEDGE_SORTS, "announced"), session=session,
                               rates=rate_book(session=session))
    return render_template("pledges/index.html", page=page, names=organisation_names(session=session), total=groups.total,
                           missing=groups.missing, **list_context())


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
            error = message_text(refused)
    return render_template("pledges/form.html", form=form, pledge=None, error=error), 400 if error or form.errors else 200


@bp.route("/pledges/<int:pledge_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(pledge_id: int):
    pledge = get_session().get(Pledge, pledge_id) or abort(404)
    form = _pledge_form(pledge)
    error = None
    conflict = False
    if form.validate_on_submit():
        try:
            return _save_pledge(form, pledge)
        except (ActionRefused, Conflict) as refused:
            get_session().rollback()
            error, conflict = message_text(refused), isinstance(refused, Conflict)
    return render_template("pledges/form.html", form=form, pledge=pledge, error=error), 409 if conflict else (400 if error or form.errors else 200)


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


@bp.post("/pledges/<int:pledge_id>/reinstate")
@roles_required(*EDITORS)
def reinstate_pledge(pledge_id: int):
    return reinstate_and_return(Pledge, pledge_id, url_for("pledges.show", pledge_id=pledge_id), _l("Pledge"))


def _posted_version(form: ConfirmForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def cancel_and_return(model, record_id: int, back: str, label: Any, *, action=None, done: Any = None):
    """Cancel the record named in the URL (confirmed with its version) and go back to its page.

    The first post answers with a page that asks; the cancel happens when that page is confirmed.
    `action(record_id, version, session=...)` cancels it: the shared `cancel` service by default.
    """
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    done = done or _("It stays in the records, marked cancelled, and is no longer counted.")
    if not confirmed():
        record = get_session().get(model, record_id) or abort(404)
        what = str(label).lower()
        name = (_("%(record)s %(ref)s", record=what, ref=record.ref) if getattr(record, "ref", None)
                else _("this %(record)s", record=what))
        later = [_("It can be reinstated later.")] if model in REINSTATABLE else []
        consequence = " ".join([done, *later, _("The audit log keeps who did it and when.")])
        return ask(_("Cancel %(name)s?", name=name), consequence, _("Yes, cancel %(name)s", name=name), back)
    try:
        if action is None:
            cancel(model, record_id, _posted_version(form), session=get_session())
        else:
            action(record_id, _posted_version(form), session=get_session())
    except (ActionRefused, Conflict) as refused:
        get_session().rollback()
        flash(message_text(refused), "error")
    else:
        flash(_("%(record)s cancelled. %(what_follows)s", record=label, what_follows=done), "info")
    return redirect(back)


def reinstate_and_return(model, record_id: int, back: str, label: Any):
    """Count a cancelled record again (posted with its version) and go back to its page."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        reinstate(model, record_id, _posted_version(form), session=get_session())
    except (ActionRefused, Conflict) as refused:
        get_session().rollback()
        flash(_("%(record)s not reinstated: %(reason)s.", record=label, reason=refused), "error")
    else:
        flash(_("%(record)s reinstated: it is counted again. The audit log keeps its cancellation.", record=label), "info")
    return redirect(back)


from . import agreement_routes, records, register_routes, target_routes  # noqa: E402,F401  (their routes join this blueprint)

__all__ = ["bp", "Commitment", "Disbursement"]

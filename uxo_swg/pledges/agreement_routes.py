"""Agreements: record or change one with its yearly lines, its page with its history, amendments."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..db import get_session
from ..i18n import label_text, message_text, pillar_name
from ..domain.agreements import AmendmentRefused
from ..models import Amendment, Commitment
from ..permissions import roles_required
from .agreements import AgreementData, AmendmentData, cancel_amendment, history, record_amendment, save_agreement
from .forms import AmendmentForm, CommitmentForm
from .listing import choices
from .queries import organisation_names, pillars
from .records import _linked_choices, _prefill
from .routes import EDITORS, bp, cancel_and_return
from .services import ActionRefused, Conflict


def _agreement_form(agreement: Commitment | None) -> CommitmentForm:
    session = get_session()
    form = CommitmentForm(obj=agreement) if request.method == "GET" and agreement else CommitmentForm()
    if request.method == "GET" and agreement:
        form.fill_lines(history(agreement, session=session).lines, agreement.currency)
        form.version.data = agreement.version
        form.pledge_id.data = agreement.pledge_id or 0
    choices(form, session=session)
    _linked_choices(form)
    if request.method == "GET" and not agreement:
        _prefill(form)
    return form


def _edit(agreement_id: int | None):
    session = get_session()
    agreement = (session.get(Commitment, agreement_id) or abort(404)) if agreement_id else None
    form = _agreement_form(agreement)
    error = None
    conflict = False
    if form.validate_on_submit():
        data = AgreementData(ref=form.ref.data.strip(), pledge_id=form.pledge_id.data or None, donor_id=form.donor_id.data,
                             recipient_id=form.recipient_id.data, signed_on=form.signed_on.data, start_on=form.start_on.data,
                             end_on=form.end_on.data, currency=form.currency.data, support=form.support.data,
                             notes=(form.notes.data or "").strip(), lines=form.line_values())
        try:
            saved = save_agreement(data, session=session, agreement_id=agreement_id,
                                   version=form.version_number() if agreement_id else None)
        except (ActionRefused, Conflict) as refused:
            session.rollback()
            error, conflict = message_text(refused), isinstance(refused, Conflict)
        else:
            flash(_("Agreement %(ref)s saved.", ref=saved.ref), "info")  # back to the pledge it carries out, whose status it moves
            return redirect(url_for("pledges.show", pledge_id=saved.pledge_id) if saved.pledge_id
                            else url_for("pledges.agreement_show", record_id=saved.id))
    status = 409 if conflict else (400 if error or form.errors else 200)
    return render_template("pledges/agreement_form.html", form=form, agreement=agreement, error=error), status


@bp.route("/agreements/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def agreement_create():
    return _edit(None)


@bp.route("/agreements/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def agreement_edit(record_id: int):
    return _edit(record_id)


def _amendment_form(agreement: Commitment, lines: list) -> AmendmentForm:
    form = AmendmentForm()
    codes = [p.code for p in pillars(session=get_session())]
    signed = sorted({ln.pillar_code for ln in lines})
    form.pillar.choices = [("", _("(the agreement's only pillar)") if len(signed) == 1 else _("(choose)"))] + [
        (code, pillar_name(code)) for code in codes]
    return form


def _show(agreement: Commitment, form: AmendmentForm | None = None, error: str | None = None, status: int = 200):
    session = get_session()
    story = history(agreement, session=session)
    form = form or _amendment_form(agreement, story.lines)
    history_url = (url_for("audit.index", entity="commitment", entity_id=agreement.id)
                   if "audit.index" in current_app.view_functions else None)
    return render_template("pledges/agreement_show.html", h=story, a=agreement, form=form, error=error,
                           names=organisation_names(session=session), history_url=history_url), status


@bp.get("/agreements/<int:record_id>")
@roles_required(*EDITORS)
def agreement_show(record_id: int):
    return _show(get_session().get(Commitment, record_id) or abort(404))


FIELDS = {"Amended on": "amended_on", "Change": "change", "Year": "year", "Pillar": "pillar", "Amount": "amount",
          "New end": "new_end", "Notes": "notes"}


@bp.post("/agreements/<int:record_id>/amendments")
@roles_required(*EDITORS)
def amendment_create(record_id: int):
    session = get_session()
    agreement = session.get(Commitment, record_id) or abort(404)
    form = _amendment_form(agreement, history(agreement, session=session).lines)
    if not form.validate_on_submit():
        return _show(agreement, form, status=400)
    amount = form.amount_value(agreement.currency)
    if form.amount.errors:
        return _show(agreement, form, status=400)
    data = AmendmentData(amended_on=form.amended_on.data, change=form.change.data, year=form.year.data,
                         pillar=form.pillar.data or None, amount=amount, new_end=form.new_end.data, notes=form.notes.data)
    try:
        record_amendment(agreement.id, data, session=session)
    except AmendmentRefused as refused:
        session.rollback()
        field = getattr(form, FIELDS.get(refused.column, ""), None)
        if field is not None:
            field.errors = [*field.errors, message_text(refused)]
        return _show(agreement, form, error=message_text(refused), status=400)
    flash(_("%(change)s of agreement %(ref)s recorded.", change=label_text(data.change, "change").capitalize(),
            ref=agreement.ref), "info")
    return redirect(url_for("pledges.agreement_show", record_id=agreement.id))


@bp.post("/amendments/<int:amendment_id>/cancel")
@roles_required(*EDITORS)
def amendment_cancel(amendment_id: int):
    amendment = get_session().get(Amendment, amendment_id) or abort(404)
    return cancel_and_return(Amendment, amendment_id, url_for("pledges.agreement_show", record_id=amendment.commitment_id),
                             _l("Amendment"), action=cancel_amendment,
                             done=_("It was entered in error: it stays in the history, marked cancelled."))

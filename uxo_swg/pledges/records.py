"""Agreements (commitments), disbursements and requirements: lists, forms, cancelling (agreement forms: agreement_routes)."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlmodel import col, select

from ..db import get_session
from ..i18n import label_text, message_text
from ..models import Commitment, CommitmentLine, Disbursement, Pledge, Requirement
from ..permissions import roles_required
from .forms import ConfirmForm, DisbursementForm, RequirementForm, plain_amount
from .list_queries import AGREEMENT_SORTS, DISBURSEMENT_SORTS, agreement_page, disbursement_page
from .listing import choices, export, filters_from_request, paginate, requested_order, wants_export
from .queries import convert, find_commitments, find_disbursements, find_requirements, organisation_names, usd_total
from ..rates import rate_book
from .routes import EDITORS, bp, cancel_and_return, list_context, reinstate_and_return
from .services import ActionRefused, Conflict, save_record, save_requirement

KINDS = {
    "disbursements": (Disbursement, DisbursementForm, "disbursement"),
}


def _conv_columns(c: Any) -> list[Any]:
    conv = c.conversion
    return [c.amount, c.currency, c.usd, conv.rate if conv else None, conv.rate_date if conv else None,
            conv.source if conv else c.missing]


CONV_HEADERS = ["Amount", "Currency", "Amount (USD)", "Rate (per USD)", "Rate date", "Rate source"]


@bp.get("/agreements/")
@roles_required(*EDITORS)
def agreements():
    session = get_session()
    filters = filters_from_request()
    names = organisation_names(session=session)
    if wants_export():  # every matching agreement, one row per line, each converted at the signature date
        items = find_commitments(filters, session=session)
        refs = _pledge_refs({c.record.pledge_id for c in items})
        rates = rate_book(session=session)
        rows = [[c.record.ref, refs.get(c.record.pledge_id, ""), names[c.record.donor_id], names[c.record.recipient_id],
                 c.record.signed_on, c.record.start_on, c.record.end_on, ln.year, ln.pillar_code, c.record.support,
                 *_conv_columns(convert(rates, ln, ln.amount, c.currency, c.on)), "cancelled" if c.record.cancelled_at else ""]
                for c in items for ln in c.lines]
        return export("Agreements", ["Agreement ref", "Pledge ref", "Donor", "Recipient", "Signed on", "Start", "End", "Year",
                                     "Pillar", "Support", *CONV_HEADERS, "Status"], rows, money_columns=[10, 12])
    page, groups = agreement_page(filters, requested_order(AGREEMENT_SORTS, "signed"), session=session,
                                  rates=rate_book(session=session))
    refs = _pledge_refs({c.record.pledge_id for c in page.items})
    return render_template("pledges/agreements.html", page=page, names=names, refs=refs, total=groups.total,
                           missing=groups.missing, **list_context())


@bp.get("/disbursements/")
@roles_required(*EDITORS)
def disbursements():
    session = get_session()
    filters = filters_from_request()
    names = organisation_names(session=session)
    if wants_export():  # every matching disbursement
        items = find_disbursements(filters, session=session)
        refs = _pledge_refs({d.record.pledge_id for d in items})
        rows = [[d.record.agreement_ref or "", refs.get(d.record.pledge_id, ""), names[d.record.donor_id],
                 names[d.record.recipient_id], names.get(d.record.via_id, ""), d.record.paid_on, d.record.pillar_code,
                 d.record.province_code or "", d.record.support, *_conv_columns(d),
                 "cancelled" if d.record.cancelled_at else ""] for d in items]
        return export("Disbursements", ["Agreement ref", "Pledge ref", "Donor", "Recipient", "Via", "Paid on", "Pillar", "Province",
                                        "Support", *CONV_HEADERS, "Status"], rows, money_columns=[9, 11])
    page, groups = disbursement_page(filters, requested_order(DISBURSEMENT_SORTS, "paid"), session=session,
                                     rates=rate_book(session=session))
    refs = _pledge_refs({d.record.pledge_id for d in page.items})
    return render_template("pledges/disbursements.html", page=page, names=names, refs=refs, total=groups.total,
                           missing=groups.missing, **list_context())


@bp.get("/requirements/")
@roles_required(*EDITORS)
def requirements():
    session = get_session()
    items = find_requirements(filters_from_request(), session=session)
    if wants_export():
        rows = [[r.record.year, r.record.pillar_code, *_conv_columns(r), r.record.source,
                 "cancelled" if r.record.cancelled_at else ""] for r in items]
        return export("Requirements", ["Year", "Pillar", *CONV_HEADERS, "Source", "Status"], rows, money_columns=[2, 4])
    page = paginate(items, {"year": lambda r: (r.record.year, r.record.pillar_code), "usd": lambda r: r.usd}, default="year")
    total, missing = usd_total(items)
    return render_template("pledges/requirements.html", page=page, total=total, missing=missing, **list_context())


def _pledge_refs(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {p.id: p.ref for p in get_session().exec(select(Pledge).where(col(Pledge.id).in_(ids))).all()}


def _linked_choices(form: Any) -> None:
    session = get_session()
    pledges = session.exec(select(Pledge).where(col(Pledge.cancelled_at).is_(None)).order_by(Pledge.ref)).all()
    names = organisation_names(session=session)
    form.pledge_id.choices = [(0, _("(none)"))] + [(p.id, f"{p.ref} · {names[p.donor_id]} · {p.currency}") for p in pledges]
    if hasattr(form, "commitment_id"):
        agreements = session.exec(select(Commitment).where(col(Commitment.cancelled_at).is_(None)).order_by(Commitment.ref)).all()
        form.commitment_id.choices = [(0, _("(none)"))] + [(c.id, f"{c.ref} · {names[c.donor_id]} · {c.currency}") for c in agreements]


def _record_form(kind: str, record: Any | None):
    model, form_class, label = KINDS[kind]
    form = form_class(obj=record) if request.method == "GET" and record else form_class()
    choices(form, session=get_session())
    _linked_choices(form)
    if request.method == "GET":
        if record:
            form.amount.data = plain_amount(record.amount, record.currency)
            form.version.data = record.version
            for name in ("pledge_id", "commitment_id", "via_id", "province_code"):
                if hasattr(form, name) and getattr(record, name, None) is None:
                    getattr(form, name).data = "" if name == "province_code" else 0
        else:
            _prefill(form)
    return form


def _prefill(form: Any) -> None:
    """Start a new agreement or disbursement from the pledge (or agreement) it is made against."""
    session = get_session()
    agreement = session.get(Commitment, request.args.get("agreement", type=int) or 0)
    pledge = session.get(Pledge, request.args.get("pledge", type=int) or (agreement.pledge_id if agreement and agreement.pledge_id else 0))
    if hasattr(form, "commitment_id") and agreement:
        form.commitment_id.data = agreement.id
        form.recipient_id.data = agreement.recipient_id
        form.support.data = agreement.support
        pillars_signed = set(get_session().exec(select(CommitmentLine.pillar_code)
                                                .where(CommitmentLine.commitment_id == agreement.id)).all())
        if len(pillars_signed) == 1:
            form.pillar_code.data = pillars_signed.pop()
    if pledge:
        form.pledge_id.data = pledge.id
        form.donor_id.data = pledge.donor_id
        form.currency.data = pledge.currency
        if pledge.recipient_id and not (hasattr(form, "commitment_id") and agreement):
            form.recipient_id.data = pledge.recipient_id
    elif not form.currency.data:
        form.currency.data = "USD"


def _values(form: Any) -> dict[str, Any]:
    values = {name: f.data for name, f in form._fields.items() if name not in ("csrf_token", "submit", "version")}
    values["amount"] = form.amount.amount
    for name in ("pledge_id", "commitment_id", "via_id"):
        if name in values:
            values[name] = values[name] or None
    if "province_code" in values:
        values["province_code"] = values["province_code"] or None
    for name in ("ref", "notes"):
        if name in values:
            values[name] = (values[name] or "").strip()
    return values


def _back(kind: str, record: Any) -> str:
    return url_for("pledges.show", pledge_id=record.pledge_id) if record.pledge_id else url_for(f"pledges.{kind}")


def _edit(kind: str, record_id: int | None):
    model, _form, label = KINDS[kind]
    record = (get_session().get(model, record_id) or abort(404)) if record_id else None
    form = _record_form(kind, record)
    error = None
    conflict = False
    if form.validate_on_submit():
        try:
            saved = save_record(model, _values(form), session=get_session(), record_id=record_id,
                                version=form.version_number() if record_id else None)
        except (ActionRefused, Conflict) as refused:
            get_session().rollback()
            error, conflict = message_text(refused), isinstance(refused, Conflict)
        else:
            flash(_("%(record)s saved.", record=label_text(label, "record").capitalize()), "info")
            return redirect(_back(kind, saved))
    status = 409 if conflict else (400 if error or form.errors else 200)
    return render_template("pledges/record_form.html", form=form, record=record, kind=kind, label=label, error=error), status


@bp.post("/agreements/<int:record_id>/cancel")
@roles_required(*EDITORS)
def agreement_cancel(record_id: int):
    record = get_session().get(Commitment, record_id) or abort(404)
    return cancel_and_return(Commitment, record_id, _back("agreements", record), _l("Agreement"))


@bp.post("/agreements/<int:record_id>/reinstate")
@roles_required(*EDITORS)
def agreement_reinstate(record_id: int):
    record = get_session().get(Commitment, record_id) or abort(404)
    return reinstate_and_return(Commitment, record_id, _back("agreements", record), _l("Agreement"))


@bp.route("/disbursements/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def disbursement_create():
    return _edit("disbursements", None)


@bp.route("/disbursements/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def disbursement_edit(record_id: int):
    return _edit("disbursements", record_id)


@bp.post("/disbursements/<int:record_id>/cancel")
@roles_required(*EDITORS)
def disbursement_cancel(record_id: int):
    record = get_session().get(Disbursement, record_id) or abort(404)
    return cancel_and_return(Disbursement, record_id, _back("disbursements", record), _l("Disbursement"))


@bp.post("/disbursements/<int:record_id>/reinstate")
@roles_required(*EDITORS)
def disbursement_reinstate(record_id: int):
    record = get_session().get(Disbursement, record_id) or abort(404)
    return reinstate_and_return(Disbursement, record_id, _back("disbursements", record), _l("Disbursement"))


@bp.route("/requirements/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def requirement_create():
    return _requirement(None)


@bp.route("/requirements/<int:record_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def requirement_edit(record_id: int):
    return _requirement(record_id)


def _requirement(record_id: int | None):
    session = get_session()
    record = (session.get(Requirement, record_id) or abort(404)) if record_id else None
    form = RequirementForm(obj=record) if request.method == "GET" and record else RequirementForm()
    choices(form, session=session)
    if request.method == "GET" and record:
        form.amount.data = plain_amount(record.amount, record.currency)
        form.version.data = record.version
    elif request.method == "GET":
        form.currency.data = "USD"
    error = None
    conflict = False
    if form.validate_on_submit():
        values = {"year": form.year.data, "pillar_code": form.pillar_code.data, "amount": form.amount.amount,
                  "currency": form.currency.data, "source": (form.source.data or "").strip()}
        try:
            save_requirement(values, session=session, replaces_id=record_id, version=form.version_number() if record_id else None)
        except (ActionRefused, Conflict) as refused:
            session.rollback()
            error, conflict = message_text(refused), isinstance(refused, Conflict)
        else:
            flash(_("Requirement saved; the one it replaces is kept as superseded.") if record_id else _("Requirement saved."),
                  "info")
            return redirect(url_for("pledges.requirements", year=values["year"]))
    status = 409 if conflict else (400 if error or form.errors else 200)
    return render_template("pledges/record_form.html", form=form, record=record, kind="requirements", label="requirement",
                           error=error), status


@bp.post("/requirements/<int:record_id>/cancel")
@roles_required(*EDITORS)
def requirement_cancel(record_id: int):
    return cancel_and_return(Requirement, record_id, url_for("pledges.requirements"), _l("Requirement"))


@bp.post("/requirements/<int:record_id>/reinstate")
@roles_required(*EDITORS)
def requirement_reinstate(record_id: int):
    return reinstate_and_return(Requirement, record_id, url_for("pledges.requirements", status="cancelled"),
                                _l("Requirement"))


def confirm_form(record: Any) -> ConfirmForm:
    """Return the small form that cancels a record at its current version."""
    return ConfirmForm(version=record.version)


bp.add_app_template_global(confirm_form, "confirm_form")

"""IATI pages: download the export, upload a donor's file, and review the proposals it made."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlmodel import col, select

from ..db import get_session
from ..models import IatiProposal, Organisation, Province
from ..permissions import roles_required
from .export import ExportRefused, export_activities
from .forms import ExportForm, UploadForm
from .services import (
    ProposalRefused, accept_proposal, import_iati, pending_proposals, proposal_lines, reject_proposal, reporting_org,
)

bp = Blueprint("iati", __name__, url_prefix="/iati")
EDITORS = ("admin", "co-chair")


@bp.get("/")
@roles_required(*EDITORS)
def index():
    session = get_session()
    return render_template("iati/index.html", upload=UploadForm(), export=ExportForm(request.args),
                           reporting=reporting_org(session=session), pending=len(pending_proposals(session=session)),
                           report=None)


@bp.get("/export.xml")
@roles_required(*EDITORS)
def export():
    session = get_session()
    form = ExportForm(request.args)
    if not form.validate():
        flash(f"No export: {'; '.join(form.year.errors) or 'the year cannot be read'}.", "error")
        return redirect(url_for("iati.index"))
    year = form.year.data
    try:
        xml, _records = export_activities(session=session, reporting=reporting_org(session=session), year=year)
    except ExportRefused as refused:
        flash(f"No export: {refused}.", "error")
        return redirect(url_for("iati.index"))
    name = f"uxo-swg-iati-{year or 'all'}.xml"
    return Response(xml, mimetype="application/xml", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/import")
@roles_required(*EDITORS)
def upload():
    session = get_session()
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read()
        report = import_iati(data, Path(form.file.data.filename or "activities.xml").name, session=session,
                             actor=current_user.email, user_id=current_user.id,
                             max_bytes=current_app.config["MAX_CONTENT_LENGTH"])
        if report.committed and sum(report.proposed.values()):
            flash(f"{report.filename}: {report.describe()}. Review the proposals below.", "info")
            return redirect(url_for("iati.proposals"))
    status = 422 if report is not None and report.errors else (400 if form.errors else 200)
    return render_template("iati/index.html", upload=form, export=ExportForm(), reporting=reporting_org(session=session),
                           pending=len(pending_proposals(session=session)), report=report), status


@bp.get("/proposals")
@roles_required(*EDITORS)
def proposals():
    session = get_session()
    items = pending_proposals(session=session)
    orgs = session.exec(select(Organisation).where(col(Organisation.merged_into_id).is_(None)).order_by(Organisation.name)).all()
    names = {o.id: o.name for o in orgs}
    provinces = {p.code: p.name_en for p in session.exec(select(Province)).all()}
    decided = session.exec(select(IatiProposal).where(IatiProposal.status != "pending")
                           .order_by(col(IatiProposal.decided_at).desc()).limit(20)).all()
    return render_template("iati/proposals.html", items=items, decided=decided, names=names, provinces=provinces,
                           lines_of=proposal_lines, choices=[(0, "(choose)")] + [(o.id, o.name) for o in orgs])


@bp.post("/proposals/<int:proposal_id>/accept")
@roles_required(*EDITORS)
def accept(proposal_id: int):  # the CSRF token is checked for every POST (security.py)
    try:
        proposal = accept_proposal(proposal_id, session=get_session(), actor=current_user.email, user_id=current_user.id,
                                   donor_id=_chosen("donor_id"), recipient_id=_chosen("recipient_id"))
    except ProposalRefused as refused:
        flash(f"Proposal {proposal_id} not accepted: {refused}.", "error")
    else:
        flash(f"Proposal {proposal.id} accepted: stored as {proposal.records}.", "info")
    return redirect(url_for("iati.proposals"))


@bp.post("/proposals/<int:proposal_id>/reject")
@roles_required(*EDITORS)
def reject(proposal_id: int):
    try:
        reject_proposal(proposal_id, session=get_session(), actor=current_user.email, user_id=current_user.id,
                        note=request.form.get("note", ""))
    except ProposalRefused as refused:
        flash(f"Proposal {proposal_id}: {refused}.", "error")
    else:
        flash(f"Proposal {proposal_id} rejected: it will not be proposed again.", "info")
    return redirect(url_for("iati.proposals"))


def _chosen(name: str) -> int | None:
    value = request.form.get(name, type=int)
    if not value:
        return None
    return value if get_session().get(Organisation, value) is not None else None

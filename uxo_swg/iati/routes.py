"""IATI pages: download the export, upload a donor's file, and review the proposals it made."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlmodel import col, select

from ..db import get_session
from ..i18n import label_text
from ..models import IatiProposal, Organisation
from ..permissions import roles_required
from .export import ExportRefused, export_activities
from .forms import ExportForm, UploadForm
from .services import (
    ImportReport, ProposalRefused, accept_proposal, import_iati, pending_proposals, proposal_lines, reject_proposal,
    reporting_org,
)

bp = Blueprint("iati", __name__, url_prefix="/iati")
EDITORS = ("admin", "co-chair")


@bp.get("/")
@roles_required(*EDITORS)
def index():
    session = get_session()
    return render_template("iati/index.html", upload=UploadForm(), export=ExportForm(request.args), described=described,
                           reporting=reporting_org(session=session), pending=len(pending_proposals(session=session)),
                           report=None)


@bp.get("/export.xml")
@roles_required(*EDITORS)
def export():
    session = get_session()
    form = ExportForm(request.args)
    if not form.validate():
        flash(_("No export: %(reason)s.", reason="; ".join(form.year.errors) or _("the year cannot be read")), "error")
        return redirect(url_for("iati.index"))
    year = form.year.data
    try:
        xml, _records = export_activities(session=session, reporting=reporting_org(session=session), year=year)
    except ExportRefused as refused:
        flash(_("No export: %(reason)s.", reason=refused), "error")
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
            flash(_("%(file)s: %(what)s. Review the proposals below.", file=report.filename, what=described(report)), "info")
            return redirect(url_for("iati.proposals"))
    status = 422 if report is not None and report.errors else (400 if form.errors else 200)
    return render_template("iati/index.html", upload=form, export=ExportForm(), described=described, reporting=reporting_org(session=session),
                           pending=len(pending_proposals(session=session)), report=report), status


@bp.get("/proposals")
@roles_required(*EDITORS)
def proposals():
    session = get_session()
    items = pending_proposals(session=session)
    orgs = session.exec(select(Organisation).where(col(Organisation.merged_into_id).is_(None)).order_by(Organisation.name)).all()
    names = {o.id: o.name for o in orgs}
    decided = session.exec(select(IatiProposal).where(IatiProposal.status != "pending")
                           .order_by(col(IatiProposal.decided_at).desc()).limit(20)).all()
    return render_template("iati/proposals.html", items=items, decided=decided, names=names,
                           lines_of=proposal_lines, stored_as=stored_as, choices=[(0, _("(choose)"))] + [(o.id, o.name) for o in orgs])


@bp.post("/proposals/<int:proposal_id>/accept")
@roles_required(*EDITORS)
def accept(proposal_id: int):  # the CSRF token is checked for every POST (security.py)
    try:
        proposal = accept_proposal(proposal_id, session=get_session(), actor=current_user.email, user_id=current_user.id,
                                   donor_id=_chosen("donor_id"), recipient_id=_chosen("recipient_id"))
    except ProposalRefused as refused:
        flash(_("Proposal %(number)s not accepted: %(reason)s.", number=proposal_id, reason=refused), "error")
    else:
        flash(_("Proposal %(number)s accepted: stored as %(records)s.", number=proposal.id, records=stored_as(proposal.records)),
              "info")
    return redirect(url_for("iati.proposals"))


@bp.post("/proposals/<int:proposal_id>/reject")
@roles_required(*EDITORS)
def reject(proposal_id: int):
    try:
        reject_proposal(proposal_id, session=get_session(), actor=current_user.email, user_id=current_user.id,
                        note=request.form.get("note", ""))
    except ProposalRefused as refused:
        flash(_("Proposal %(number)s: %(reason)s.", number=proposal_id, reason=refused), "error")
    else:
        flash(_("Proposal %(number)s rejected: it will not be proposed again.", number=proposal_id), "info")
    return redirect(url_for("iati.proposals"))


def described(report: ImportReport) -> str:
    """Return what reading a file proposed, from how many activities, in the language of the page."""
    kinds = {"agreement": lambda n: ngettext("%(num)s agreement", "%(num)s agreements", n),
             "amendment": lambda n: ngettext("%(num)s amendment", "%(num)s amendments", n),
             "disbursement": lambda n: ngettext("%(num)s disbursement", "%(num)s disbursements", n)}
    made = ", ".join(kinds[kind](n) if kind in kinds else f"{n} {kind}" for kind, n in sorted(report.proposed.items()))
    return ngettext("%(num)s activity read, %(kept)s of them Lao mine action; proposed: %(made)s",
                    "%(num)s activities read, %(kept)s of them Lao mine action; proposed: %(made)s",
                    report.activities, kept=report.kept, made=made or _("nothing new"))


def stored_as(records: str) -> str:
    """Return what accepting a proposal stored ("commitment:12") with the kind of record in the language of the page."""
    kind, _colon, numbers = records.partition(":")
    return f"{label_text(kind, 'record')} {numbers}".strip()


def _chosen(name: str) -> int | None:
    value = request.form.get(name, type=int)
    if not value:
        return None
    return value if get_session().get(Organisation, value) is not None else None

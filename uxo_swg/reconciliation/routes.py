"""Reconciliation of operators' receipts with donor-side disbursements, per quarter (co-chairs)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..db import get_session
from ..domain.periods import PeriodError, bad_quarter, parse_quarter, quarter_of
from ..i18n import message_text
from ..paging import Page
from ..permissions import roles_required
from .forms import DecisionForm, UndoForm
from .services import DecisionError, decide, reconcile, undo

#: Rows per section and page: a quarter with 200,000 receipts still gives a page a browser can hold.
PAGE_SIZE = 50

bp = Blueprint("reconciliation", __name__, url_prefix="/reconciliation")


def _quarter(text: str | None):
    last_closed = quarter_of(date.today()).shift(-1)
    try:
        return parse_quarter(text) if text else last_closed
    except PeriodError as error:
        abort(400, description=message_text(bad_quarter(text, error, last_closed)))


@bp.get("/")
@roles_required("admin", "co-chair")
def index():
    quarter = _quarter(request.args.get("quarter"))
    asked = {name: request.args.get(f"{name}_page", 1, type=int) for name in ("open_receipts", "unacknowledged", "decisions")}
    r = reconcile(quarter, session=get_session(), pages=asked, size=PAGE_SIZE)
    pages = {"differing": Page.of(r.differing, request.args.get("differing_page", 1, type=int), PAGE_SIZE), **r.pages}
    return render_template("reconciliation/index.html", r=r, pages=pages, form=DecisionForm(), undo_form=UndoForm())


@bp.post("/decide")
@roles_required("admin", "co-chair")
def decide_pair():
    form = DecisionForm()
    quarter = _quarter(form.quarter.data)
    if not form.validate_on_submit():
        problems = "; ".join(f"{form[name].label.text}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items())
        flash(_("The decision was not recorded: %(problems)s", problems=problems), "error")
        return redirect(url_for("reconciliation.index", quarter=str(quarter)))
    try:
        decide(form.receipt_id.data, form.disbursement_id.data, form.decision.data, form.note.data or "",
               session=get_session(), user=current_user)
    except DecisionError as error:
        flash(message_text(error), "error")
    else:
        numbers = {"receipt": form.receipt_id.data, "disbursement": form.disbursement_id.data}
        if form.decision.data == "confirm":
            flash(_("Receipt %(receipt)s and disbursement %(disbursement)s confirmed as the same money.", **numbers), "info")
        else:
            flash(_("Receipt %(receipt)s and disbursement %(disbursement)s rejected as a match.", **numbers), "info")
    return redirect(url_for("reconciliation.index", quarter=str(quarter)))


@bp.post("/decisions/<int:decision_id>/undo")
@roles_required("admin", "co-chair")
def undo_decision(decision_id: int):
    form = UndoForm()
    quarter = _quarter(form.quarter.data)
    if not form.validate_on_submit():
        abort(400)
    try:
        undone = undo(decision_id, session=get_session(), user=current_user)
    except DecisionError as error:
        flash(message_text(error), "error")
    else:
        flash(_("The decision on receipt %(receipt)s and disbursement %(disbursement)s is undone: the counting rule "
                "applies to them again. The decision stays in the list below, marked undone.",
                receipt=undone.receipt_id, disbursement=undone.disbursement_id), "info")
    return redirect(url_for("reconciliation.index", quarter=str(quarter)) + "#decisions")

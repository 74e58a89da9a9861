"""Organisations: list and search, record, change, merge."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlmodel import func, select
from flask_babel import gettext as _

from ..db import get_session
from ..i18n import message_text
from ..models import ORGANISATION_KINDS, Organisation
from ..paging import Page, page_number
from ..permissions import roles_required
from ..pledges.listing import export, wants_export
from ..pledges.queries import active_organisations
from .forms import MergeForm, OrganisationForm, country_code
from .services import (
    ActionRefused, Conflict, OrganisationData, aliases_by_organisation, aliases_of, merge_organisations, organisations_query,
    save_organisation,
)

bp = Blueprint("organisations", __name__, url_prefix="/organisations")
EDITORS = ("admin", "co-chair")


@bp.get("/")
@roles_required(*EDITORS)
def index():
    session = get_session()
    text = request.args.get("q", "")
    kind = request.args.get("kind") if request.args.get("kind") in ORGANISATION_KINDS else None
    query = organisations_query(text, kind)
    names = {o.id: o.name for o in active_organisations(session=session)}
    if wants_export():  # every matching organisation
        orgs = list(session.exec(query).all())
        aliases = aliases_by_organisation([o.id for o in orgs], session=session)
        rows = [[o.name, o.kind, o.country or "", "; ".join(aliases[o.id]),
                 "" if o.ccm_state_party is None else ("Y" if o.ccm_state_party else "N"), o.fiscal_year_start or "",
                 o.contact or "", names.get(o.merged_into_id, "another record") if o.merged_into_id else ""] for o in orgs]
        return export("Organisations", ["Name", "Kind", "Country", "Aliases", "CCM state party", "Fiscal year starts",
                                        "Contact", "Merged into"], rows, money_columns=())
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    page = Page.counted(total, page_number(), lambda offset, limit: session.exec(query.offset(offset).limit(limit)).all())
    aliases = aliases_by_organisation([o.id for o in page.items], session=session)
    return render_template("organisations/index.html", orgs=page.items, page=page, q=text, kind=kind, kinds=ORGANISATION_KINDS,
                           names=names, aliases=aliases)


def _save(form: OrganisationForm, org: Organisation | None):
    data = OrganisationData(name=form.name.data.strip(), kind=form.kind.data,
                            country=country_code(form.country.data) if (form.country.data or "").strip() else None,
                            contact=(form.contact.data or "").strip() or None, aliases=form.alias_list(),
                            ccm_state_party=form.ccm_value(), fiscal_year_start=form.fiscal_value())
    saved = save_organisation(data, session=get_session(), org_id=org.id if org else None,
                              version=form.version_number() if org else None)
    flash(_("%(name)s saved.", name=saved.name), "info")
    return redirect(url_for("organisations.index", q=saved.name))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def create():
    return _form(None)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit(org_id: int):
    return _form(get_session().get(Organisation, org_id) or abort(404))


def _form(org: Organisation | None):
    session = get_session()
    form = OrganisationForm(obj=org) if request.method == "GET" and org else OrganisationForm()
    if request.method == "GET" and org:
        form.aliases.data = "\n".join(a.alias for a in aliases_of(org.id, session=session))
        form.version.data = org.version
        form.show(org)
    error = None
    conflict = False
    if form.validate_on_submit():
        try:
            return _save(form, org)
        except (ActionRefused, Conflict) as refused:
            session.rollback()
            error, conflict = message_text(refused), isinstance(refused, Conflict)
    merge = None
    if org is not None and not org.merged_into_id:
        merge = MergeForm(version=org.version)
        merge.survivor_id.choices = [(0, _("(choose)"))] + [(o.id, o.name) for o in active_organisations(session=session) if o.id != org.id]
    status = 409 if conflict else (400 if error or form.errors else 200)
    return render_template("organisations/form.html", form=form, org=org, error=error, merge=merge), status


@bp.post("/<int:org_id>/merge")
@roles_required(*EDITORS)
def merge(org_id: int):
    session = get_session()
    org = session.get(Organisation, org_id) or abort(404)
    form = MergeForm()
    form.survivor_id.choices = [(0, _("(choose)"))] + [(o.id, o.name) for o in active_organisations(session=session) if o.id != org.id]
    if not form.validate_on_submit():
        flash(_("Choose the organisation that stays."), "error")
        return redirect(url_for("organisations.edit", org_id=org_id))
    try:
        version = int(form.version.data)
    except (TypeError, ValueError):
        version = None
    try:
        survivor = merge_organisations(org_id, form.survivor_id.data, session=session, merged_version=version)
    except (ActionRefused, Conflict) as refused:
        session.rollback()
        flash(message_text(refused), "error")
        return redirect(url_for("organisations.edit", org_id=org_id))
    flash(_("%(name)s merged into %(survivor)s: its records now name %(survivor)s, and %(alias)s is an alias.",
            name=org.name, survivor=survivor.name, alias=repr(org.name)), "info")
    return redirect(url_for("organisations.index", q=survivor.name))

"""Administration pages: users, settings and exchange rates."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from ..accounts import AccountError, create_user
from ..api.tokens import TokenError, list_tokens, revoke_token
from ..db import get_session
from ..models import ExchangeRate, Organisation, User
from ..permissions import roles_required
from ..rates import ImportRefused, import_rates
from .forms import IatiSettingsForm, RatesForm, SettingsForm, UserForm
from .services import PUBLIC_SUMMARIES, AdminError, list_users, public_summaries_enabled, save_setting, set_user_active

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    session = get_session()
    form = UserForm()
    orgs = session.exec(select(Organisation).where(Organisation.merged_into_id.is_(None)).order_by(Organisation.name)).all()
    form.organisation_id.choices = [SelectChoice(0, _("(none)"))] + [SelectChoice(o.id, o.name) for o in orgs]
    if form.validate_on_submit():
        org_name = next((o.name for o in orgs if o.id == form.organisation_id.data), None)
        try:
            user = create_user(form.email.data, form.roles.data, form.password.data, organisation=org_name,
                               session=session, actor=current_user.email, via="form")
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(_("User %(email)s created.", email=user.email), "info")
            return redirect(url_for("admin.users"))
    org_names = {o.id: o.name for o in orgs}
    return render_template("admin/users.html", form=form, users=list_users(session=session), org_names=org_names)


@bp.post("/users/<int:user_id>/active")
@roles_required("admin")
def user_active(user_id: int):
    active = request.form.get("active") == "1"
    try:
        user = set_user_active(user_id, active, session=get_session(), acting_user=current_user)
    except AdminError as error:
        flash(str(error), "error")
    else:
        said = _("%(email)s is enabled.", email=user.email) if active else _("%(email)s is disabled.", email=user.email)
        flash(said, "info")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    session = get_session()
    form = SettingsForm()
    if request.method == "GET":
        form.public_summaries.data = public_summaries_enabled(session=session)
    if form.validate_on_submit():
        save_setting(PUBLIC_SUMMARIES, "1" if form.public_summaries.data else "0", session=session)
        flash(_("Settings saved."), "info")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form)


@bp.route("/rates", methods=["GET", "POST"])
@roles_required("admin")
def rates():
    session = get_session()
    form = RatesForm()
    problems = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            count = import_rates(upload.read(), upload.filename or "rates.csv", session=session,
                                 actor=current_user.email, via="import")
        except ImportRefused as refused:
            problems = refused.problems
        else:
            flash(_("%(count)s new rate(s) loaded.", count=count) if count
                  else _("Nothing new: every rate in that file is already loaded."), "info")
            return redirect(url_for("admin.rates"))
    latest = session.exec(select(ExchangeRate).order_by(ExchangeRate.rate_date.desc(), ExchangeRate.currency).limit(200)).all()
    return render_template("admin/rates.html", form=form, problems=problems, rates=latest)


@bp.route("/iati", methods=["GET", "POST"])
@roles_required("admin")
def iati():
    from ..iati.services import ReportingOrg, reporting_org, save_reporting_org

    session = get_session()
    form = IatiSettingsForm()
    current = reporting_org(session=session)
    if request.method == "GET" and current:
        form.ref.data, form.name.data, form.type.data = current.ref, current.name, current.type
    if form.validate_on_submit():
        save_reporting_org(ReportingOrg(form.ref.data, form.name.data, form.type.data), session=session)
        flash(_("The IATI reporting organisation is saved."), "info")
        return redirect(url_for("admin.iati"))
    return render_template("admin/iati.html", form=form), 400 if form.errors else 200


@bp.get("/tokens")
@roles_required("admin")
def tokens():
    return render_template("admin/tokens.html", tokens=list_tokens(session=get_session()))


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required("admin")
def token_revoke(token_id: int):
    try:
        token = revoke_token(token_id, session=get_session(), acting_user=current_user)
    except TokenError as error:
        flash(str(error), "error")
    else:
        flash(_("Token %(number)s is revoked: a script that sends it now gets 401.", number=token.id), "info")
    return redirect(url_for("admin.tokens"))

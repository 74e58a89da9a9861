"""Login, logout and password change."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ..accounts import AccountError
from ..db import get_session
from ..i18n import LANGUAGES, SESSION_KEY
from ..login_sessions import Browser
from ..security import error_page
from .forms import LoginForm, PasswordForm
from .services import Throttled, authenticate, change_password, choose_language, log_out

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _browser() -> Browser:
    return Browser(address=request.remote_addr or "?", user_agent=request.user_agent.string or "",
                   lifetime=timedelta(hours=current_app.config["LOGIN_SESSION_HOURS"]))


def _start(user) -> None:
    """Put the new login session in a fresh cookie: nothing of the anonymous one (its CSRF secret) is kept."""
    _clear_session()
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)  # Flask-WTF's copy of the old token
    login_user(user)


def _clear_session() -> None:
    """Empty the cookie session, keeping only the language the visitor chose."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language:
        session[SESSION_KEY] = language


@bp.post("/language")
def language():
    """Switch the interface language: kept on the user when logged in, in the session otherwise."""
    chosen = request.values.get("lang", "")
    if chosen not in LANGUAGES:
        abort(400)
    session[SESSION_KEY] = chosen
    if current_user.is_authenticated:
        choose_language(current_user._get_current_object(), chosen, session=get_session())
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, _browser(), session=get_session())
        except Throttled as throttled:
            minutes = max(1, -(-int(throttled.wait.total_seconds()) // 60))
            return error_page(429, ngettext("Too many failed attempts from your address. Wait %(num)d minute, "
                                            "then try again.",
                                            "Too many failed attempts from your address. Wait %(num)d minutes, "
                                            "then try again.", minutes),
                              headers={"Retry-After": str(int(throttled.wait.total_seconds()) + 1)})
        if user is None:
            form.password.errors.append(_("E-mail or password is not right, or the account is disabled."))
        else:
            _start(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    log_out(current_user, session=get_session())
    logout_user()
    _clear_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data, _browser(), session=get_session())
        except AccountError as error:
            form.current.errors.append(str(error))
        else:
            _start(current_user._get_current_object())  # every other session ended; this one has a new id
            flash(_("Your password is changed."), "info")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)

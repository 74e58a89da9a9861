"""Login, logout and password change."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..accounts import AccountError
from ..db import get_session
from .forms import LoginForm, PasswordForm
from .services import Throttled, authenticate, change_password

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "?", session=get_session())
        except Throttled:
            abort(429)
        if user is None:
            form.password.errors.append("E-mail or password is not right, or the account is disabled.")
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(current_user, form.current.data, form.new.data, session=get_session())
        except AccountError as error:
            form.current.errors.append(str(error))
        else:
            login_user(current_user)  # the session id changed with the hash
            flash("Your password is changed.", "info")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)

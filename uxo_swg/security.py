"""The web security baseline: login, CSRF, headers, the route guard and error pages."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from .audit import set_actor
from .db import get_session, is_busy
from .login_sessions import load_user
from .models import User
from .permissions import PUBLIC_ENDPOINTS

login_manager = LoginManager()
csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)

ERRORS = {
    401: (_l("Please log in"), _l("This needs a logged-in user.")),
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered and try again.")),
    403: (_l("Not allowed"), _l("Your account does not give access to this page or record.")),
    404: (_l("Not found"), _l("There is no such page or record, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    409: (_l("Changed meanwhile"), _l("Someone else changed this record since you opened it; nothing was saved. "
                                    "Reload the page to see the current values, then make your change again.")),
    413: (_l("File too large"), _l("The file is larger than the upload limit. Remove unused sheets or split it, then "
                                  "try again.")),
    429: (_l("Too many attempts"), _l("Too many failed attempts from your address. Wait a few minutes, then try again.")),
    500: (_l("Something went wrong"), _l("The error was logged. Nothing was half-saved: try again, or tell the "
                                        "secretariat.")),
    503: (_l("Busy, try again"), _l("The database is busy with another change (a large import, perhaps) and nothing "
                                   "was saved. Wait a few seconds, then send the form again.")),
}


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    # The cookie holds the id of a login session (user_session), never anything of the user.
    return load_user(session_id, session=get_session())


_l("Please log in to see this page.")  # for the catalogue: Flask-Login flashes it through localize_callback


def init_app(app: Flask) -> None:
    """Install login, CSRF, security headers, the login guard and error pages."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."  # translated when flashed
    login_manager.localize_callback = _
    login_manager.session_protection = "strong"
    csrf.init_app(app)

    @app.before_request
    def _guard():
        if token_authenticated():
            return None  # the API: a bearer token, checked by its blueprint; the cookie is never read
        endpoint = request.endpoint or ""
        if endpoint == "static":  # public files: no need to load the user (a query) for each of them
            return None
        if current_user.is_authenticated:
            set_actor(get_session(), actor=current_user.email, via="form", user_id=current_user.id)
            return None
        if endpoint in PUBLIC_ENDPOINTS or endpoint in app.config.get("EXTRA_PUBLIC_ENDPOINTS", set()):
            return None
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return error_page(401 if request.is_json else 403)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return error_page(400, _("The form had expired or was not sent from this site. Reload the page and submit it "
                                 "again."))

    @app.errorhandler(HTTPException)
    def _http(error):
        # A route that says what was wrong (abort(400, description=...)) has its sentence shown,
        # with a link back to the page without the query string that was wrong.
        said = error.description if error.description != type(error).description else None
        back = request.path if said and error.code == 400 and request.method == "GET" and request.args else None
        return error_page(error.code or 500, said, back=back)

    @app.errorhandler(StaleDataError)
    def _changed_meanwhile(error):
        # An UPDATE found the record at another version than it read: a simultaneous save won.
        _roll_back()
        return error_page(409)

    @app.errorhandler(sa.exc.OperationalError)
    def _database(error):
        _roll_back()
        if is_busy(error):
            app.logger.warning("database busy: %s", error.orig)
            return error_page(503, headers={"Retry-After": "5"})
        app.logger.exception("database error")
        return error_page(500)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return error_page(500)


def _roll_back() -> None:
    """Roll back the request's failed transaction, so the error page can read (the user, the menu)."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def token_authenticated() -> bool:
    """Return whether the request is for a path that answers bearer tokens, in JSON (the API), not cookies."""
    return any(request.path.startswith(prefix) for prefix in current_app.config.get("TOKEN_AUTH_PREFIXES", ()))


def error_page(code: int, message: str | None = None, headers: dict[str, str] | None = None, back: str | None = None):
    """Return the error page (or JSON) for the status code, with the sentence that says what to do."""
    title, default = ERRORS.get(code, (_l("Error"), _l("The request failed.")))
    if request.accept_mimetypes.best == "application/json" or token_authenticated():
        return jsonify(error=str(title), message=str(message or default)), code, headers or {}
    return render_template("errors/error.html", code=code, title=title, message=message or default,
                           back=back), code, headers or {}

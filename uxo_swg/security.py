"""The web security baseline: login, CSRF, headers, the route guard and error pages."""
from __future__ import annotations

from flask import Flask, g, jsonify, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from .audit import set_actor
from .db import get_session
from .models import User
from .permissions import PUBLIC_ENDPOINTS

login_manager = LoginManager()
csrf = CSRFProtect()

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)

ERRORS = {
    401: ("Please log in", "This needs a logged-in user."),
    400: ("Bad request", "The request could not be understood. Check what you entered and try again."),
    403: ("Not allowed", "Your account does not give access to this page or record."),
    404: ("Not found", "There is no such page or record, or it is not yours to see."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("File too large", "The file is larger than the upload limit. Remove unused sheets or split it, then try again."),
    429: ("Too many attempts", "Too many failed attempts. Wait 15 minutes, then try again."),
    500: ("Something went wrong", "The error was logged. Nothing was half-saved: try again, or tell the secretariat."),
}


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    ident, _, tail = user_id.partition(".")
    if not ident.isdigit():
        return None
    user = get_session().get(User, int(ident))
    if user is None or not user.active or user.get_id() != user_id:
        return None
    return user


def init_app(app: Flask) -> None:
    """Install login, CSRF, security headers, the login guard and error pages."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."
    login_manager.session_protection = "strong"
    csrf.init_app(app)

    @app.before_request
    def _guard():
        endpoint = request.endpoint or ""
        if current_user.is_authenticated:
            set_actor(get_session(), actor=current_user.email, via="form", user_id=current_user.id)
            return None
        if endpoint in PUBLIC_ENDPOINTS or endpoint in app.config.get("EXTRA_PUBLIC_ENDPOINTS", set()):
            return None
        if request.method == "GET":
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return _error_response(401 if request.is_json else 403)

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
        return _error_response(400, "The form had expired or was not sent from this site. Reload the page and submit it again.")

    @app.errorhandler(HTTPException)
    def _http(error):
        return _error_response(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error):
        app.logger.exception("unhandled error")
        return _error_response(500)


def _error_response(code: int, message: str | None = None):
    title, default = ERRORS.get(code, ("Error", "The request failed."))
    if request.accept_mimetypes.best == "application/json":
        return jsonify(error=title, message=message or default), code
    return render_template("errors/error.html", code=code, title=title, message=message or default), code

"""Login sessions kept on the server: revoked at logout, password change and disabling; a fresh cookie at login."""
from __future__ import annotations

import hashlib

from sqlmodel import select

from conftest import PASSWORD, csrf_token
from uxo_swg.db import get_session
from uxo_swg.models import User, UserSession


def _log_in(client, email, password=PASSWORD):
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def _copy_of_cookie(app, client):
    """Return a second browser holding a copy of the client's session cookie (a stolen or shared cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _cookie_contents(app, client):
    return app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)


def test_a_cookie_copied_before_logout_opens_nothing_after(app, client, make_user):
    email = make_user("reviewer")
    _log_in(client, email)
    thief = _copy_of_cookie(app, client)
    assert thief.get("/").status_code == 200  # the copy works while the session lives
    assert client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")}).status_code == 302
    refused = thief.get("/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert thief.post("/account/password", data={}).status_code in (400, 403)
    with app.app_context():
        rows = get_session().exec(select(UserSession)).all()
        assert len(rows) == 1 and rows[0].revoked_at is not None


def test_a_password_change_ends_every_copy_of_every_session(app, client, make_user):
    email = make_user("reviewer")
    _log_in(client, email)
    thief = _copy_of_cookie(app, client)
    token = csrf_token(client, "/account/password")
    changed = client.post("/account/password", data={"current": PASSWORD, "new": "another long password",
                                                     "confirm": "another long password", "csrf_token": token})
    assert changed.status_code == 302
    assert client.get("/").status_code == 200  # the browser that changed it goes on, with a new session
    assert thief.get("/").status_code == 302
    with app.app_context():
        rows = get_session().exec(select(UserSession).order_by(UserSession.id)).all()
        assert [r.revoked_at is None for r in rows] == [False, True]


def test_disabling_a_user_revokes_their_sessions_for_good(app, client, make_user):
    email = make_user("reviewer")
    _log_in(client, email)
    thief = _copy_of_cookie(app, client)
    admin = app.test_client()
    _log_in(admin, make_user("admin"))
    with app.app_context():
        user_id = get_session().exec(select(User.id).where(User.email == email)).one()
    token = csrf_token(admin, "/admin/users")
    assert admin.post(f"/admin/users/{user_id}/active", data={"active": "0", "csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302 and thief.get("/").status_code == 302
    assert admin.post(f"/admin/users/{user_id}/active", data={"active": "1", "csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302 and thief.get("/").status_code == 302  # re-enabling revives no old cookie
    with app.app_context():
        rows = get_session().exec(select(UserSession).where(UserSession.user_id == user_id)).all()
        assert len(rows) == 1 and rows[0].revoked_at is not None
    _log_in(client, email)  # the user logs in afresh
    assert client.get("/").status_code == 200


def test_the_csrf_secret_changes_at_login(app, client, make_user):
    email = make_user("reviewer")
    before_token = csrf_token(client)  # a token an attacker could have planted before the login
    before_secret = _cookie_contents(app, client)["csrf_token"]
    _log_in(client, email)
    csrf_token(client, "/account/password")
    assert _cookie_contents(app, client)["csrf_token"] != before_secret
    stale = client.post("/account/password", data={"current": PASSWORD, "new": "another long password",
                                                   "confirm": "another long password", "csrf_token": before_token})
    assert stale.status_code == 400 and "The form had expired" in stale.get_data(as_text=True)


def test_the_cookie_carries_a_random_session_id_and_nothing_of_the_password_hash(app, client, make_user):
    email = make_user("reviewer")
    _log_in(client, email)
    with app.app_context():
        session = get_session()
        user = session.exec(select(User).where(User.email == email)).one()
        stored = session.exec(select(UserSession).where(UserSession.user_id == user.id)).one()
    raw = client.get_cookie("session").value
    contents = _cookie_contents(app, client)
    hash_parts = user.password_hash.split("$")  # Argon2: $argon2id$v=19$m=...,t=...,p=...$salt$hash
    assert all(part not in raw and part not in str(contents) for part in hash_parts[-2:])
    session_id = contents["_user_id"]
    assert len(session_id) >= 40 and str(user.id) != session_id and email not in raw
    assert stored.token_hash == hashlib.sha256(session_id.encode()).hexdigest()  # the id itself is not stored
    assert stored.expires_at > stored.created_at
    other = app.test_client()
    _log_in(other, email)
    assert _cookie_contents(app, other)["_user_id"] != session_id  # one id per login, not per user

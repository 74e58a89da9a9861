"""Logging in with throttling, logging out, and changing one's password."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlmodel import Session, select

from ..accounts import MIN_PASSWORD_LENGTH, AccountError, hash_password, verify_password
from ..audit import set_actor
from ..db import write_transaction
from ..login_sessions import Browser, open_session, revoke, revoke_all
from ..models import LoginAttempt, User
from .throttle import Throttled, count_attempt, give_back

__all__ = ["Throttled", "authenticate", "log_out", "change_password", "choose_language"]


def authenticate(email: str, password: str, browser: Browser, *, session: Session) -> User | None:
    """Return the active user with these credentials, logged in to a new session, or None.

    Raise Throttled while the address must wait. The attempt is counted (in the database,
    so the limits hold across workers) before the password is checked; every attempt is
    recorded in login_attempt.
    """
    email = email.strip().lower()
    counted = count_attempt(email, browser.address, session=session)
    user = session.exec(select(User).where(User.email == email)).first()
    ok = user is not None and user.active and verify_password(user, password)
    write_transaction(session)
    if ok:
        give_back(counted, session=session)
        open_session(user, browser, session=session)
    session.add(LoginAttempt(email=email[:254], address=browser.address[:64], succeeded=ok))
    session.commit()
    return user if ok else None


def log_out(user: User, *, session: Session) -> None:
    """End the user's current login session."""
    revoke(user.get_id(), session=session)
    session.commit()


def change_password(user: User, current: str, new: str, browser: Browser, *, session: Session) -> None:
    """Replace the user's password; end every session of the user and open a new one for this browser."""
    if not verify_password(user, current):
        raise AccountError(_("the current password is not right"))
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(_("the new password must have at least %(count)d characters", count=MIN_PASSWORD_LENGTH))
    new_hash = hash_password(new)  # before the write lock: Argon2 takes its time on purpose
    write_transaction(session)
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    user.password_hash = new_hash
    session.add(user)
    revoke_all(user.id, session=session)
    open_session(user, browser, session=session)
    session.commit()


def choose_language(user: User, language: str, *, session: Session) -> None:
    """Remember the interface language the user chose ("lo" or "en"); the change is audited."""
    from ..i18n import LANGUAGES

    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    if user.language == language:
        return
    write_transaction(session)
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    user.language = language
    session.add(user)
    session.commit()

"""Logging in with throttling, and changing one's password."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, func, select

from ..accounts import MIN_PASSWORD_LENGTH, AccountError, hash_password, verify_password
from ..audit import set_actor
from ..models import LoginAttempt, User, utcnow

WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


class Throttled(Exception):
    """Too many failed logins recently for this account or address."""


def _recent_failures(session: Session, **where: str) -> int:
    since = utcnow() - WINDOW
    query = select(func.count()).select_from(LoginAttempt).where(
        col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.at) >= since
    )
    for key, value in where.items():
        query = query.where(getattr(LoginAttempt, key) == value)
    return session.exec(query).one()


def authenticate(email: str, password: str, address: str, *, session: Session) -> User | None:
    """Return the active user with these credentials, or None; raise Throttled when guessing.

    Every attempt is recorded (in the database, so the limit holds across workers).
    """
    email = email.strip().lower()
    if (_recent_failures(session, email=email) >= MAX_FAILURES_PER_ACCOUNT
            or _recent_failures(session, address=address) >= MAX_FAILURES_PER_ADDRESS):
        raise Throttled()
    user = session.exec(select(User).where(User.email == email)).first()
    ok = user is not None and user.active and verify_password(user, password)
    session.add(LoginAttempt(email=email[:254], address=address[:64], succeeded=ok))
    session.commit()
    return user if ok else None


def change_password(user: User, current: str, new: str, *, session: Session) -> None:
    """Replace the user's password after checking the current one."""
    if not verify_password(user, current):
        raise AccountError("the current password is not right")
    if len(new) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the new password must have at least {MIN_PASSWORD_LENGTH} characters")
    set_actor(session, actor=user.email, via="form", user_id=user.id)
    user.password_hash = hash_password(new)
    session.add(user)
    session.commit()

"""Server-side login sessions: the cookie carries a random id, the session itself is a row.

Only the SHA-256 of the id is stored, so a copy of the database opens no session. A session
ends when it expires, at logout, and with every other session of its user when the user
changes password or is disabled: a cookie copied before any of these opens nothing after.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from .models import User, UserSession, utcnow

log = logging.getLogger(__name__)

#: How often a session's `last_seen_at` is written (not on every page: reads stay reads).
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Browser:
    """Where a login comes from, and how long its session may last."""

    address: str
    user_agent: str
    lifetime: timedelta


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(user: User, browser: Browser, *, session: Session) -> str:
    """Add a login session for the user (the caller commits) and return its random id."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(UserSession(token_hash=_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                            expires_at=now + browser.lifetime, address=browser.address[:64],
                            user_agent=browser.user_agent[:200]))
    user.attach_session(token)
    return token


def load_user(token: str, *, session: Session) -> User | None:
    """Return the active user of a live session (not revoked, not expired) with this id, or None."""
    now = utcnow()
    found = session.exec(
        select(UserSession, User).join(User, col(User.id) == UserSession.user_id).where(
            UserSession.token_hash == _digest(token), col(UserSession.revoked_at).is_(None),
            col(UserSession.expires_at) > now, col(User.active).is_(True))
    ).first()
    if found is None:
        return None
    row, user = found
    user.attach_session(token)
    if now - aware(row.last_seen_at) > TOUCH_EVERY:
        touch(UserSession, row.id, "last_seen_at", session=session)
    return user


def revoke(token: str, *, session: Session) -> None:
    """End the login session with this id (the caller commits)."""
    session.execute(sa.update(UserSession).where(UserSession.token_hash == _digest(token),
                                                 col(UserSession.revoked_at).is_(None)).values(revoked_at=utcnow()))


def revoke_all(user_id: int, *, session: Session) -> int:
    """End every open login session of the user (the caller commits); return how many."""
    result = session.execute(sa.update(UserSession).where(UserSession.user_id == user_id,
                                                          col(UserSession.revoked_at).is_(None)).values(revoked_at=utcnow()))
    return result.rowcount


def aware(moment: datetime) -> datetime:
    """Return the moment with its UTC zone (SQLite gives back naive UTC times)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def touch(model: Any, row_id: int, column: str, *, session: Session) -> None:
    """Write the current time into a row's column (last seen, last used) on a connection of its own, waiting for no lock.

    It is bookkeeping, not audited: while another transaction writes (a long import on
    SQLite), it is skipped rather than make a page (or an API call) wait.
    """
    engine = session.get_bind()
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        normal = conn.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
        try:
            conn.exec_driver_sql("PRAGMA busy_timeout = 0" if sqlite else "SET LOCAL lock_timeout = 50")
            conn.execute(sa.update(model).where(model.id == row_id).values({column: utcnow()}))
            conn.commit()
        except sa.exc.OperationalError as busy:
            conn.rollback()
            log.info("%s of %s %s not written: %s", column, model.__tablename__, row_id, busy.orig)
        finally:
            if sqlite:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(normal)}")
                conn.commit()
